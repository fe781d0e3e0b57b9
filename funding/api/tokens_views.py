"""The page where a user creates (shown once) and revokes personal access tokens."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from funding.api import tokens
from funding.api.models import ApiToken, TokenScope
from funding.extensions import db, utcnow
from funding.labels import TOKEN_SCOPE_LABELS, choices

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. the program that uses it."),
    )
    scope = SelectField(_l("Access"))
    days = SelectField(_l("Valid for"), coerce=int)


def _form() -> TokenForm:
    form = TokenForm()
    form.scope.choices = choices(TOKEN_SCOPE_LABELS)
    form.days.choices = [(d, _("%(days)d days", days=d)) for d in tokens.LIFETIMES]
    return form


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index():
    """The user's tokens; a new one is shown once, right after it is made."""
    form = _form()
    secret = None
    if form.validate_on_submit():
        _token, secret = tokens.create_token(
            current_user, form.name.data, TokenScope(form.scope.data), form.days.data
        )
        form = _form()
        form.name.data = ""
    return render_template(
        "tokens/index.html",
        form=form,
        secret=secret,
        tokens=tokens.tokens_of(current_user),
        now=utcnow(),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of the user's own tokens; another user's token is 404."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(current_user, token)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("tokens.index"))
