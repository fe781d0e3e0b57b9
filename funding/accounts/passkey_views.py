"""Passkeys: adding, listing and removing them, and logging in with one (routes on
``accounts``). The browser side is static/js/passkeys.js: it fetches the options, lets the
browser make or use the passkey and posts its answer in the form."""

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from funding.accounts import passkeys
from funding.accounts.forms import CodeForm, PasskeyForm, PasskeyLoginForm
from funding.accounts.sessions import recently_confirmed
from funding.accounts.views import bp, safe_next
from funding.messages import message
from funding.permissions import confirm_first
from funding.transactions import DomainError


def _credential(form: PasskeyLoginForm) -> dict:
    try:
        credential = json.loads(form.credential.data)
    except ValueError:
        credential = None
    if not isinstance(credential, dict):
        raise DomainError("passkey_failed")
    return credential


def _options(options_json: str) -> Response:
    return Response(options_json, mimetype="application/json")


@bp.route("/account/passkeys", methods=["GET", "POST"])
@login_required
def passkeys_page():
    """The account's passkeys: add one (named), see them, remove one."""
    if again := confirm_first(url_for("accounts.passkeys_page")):
        return again
    if not current_user.has_second_factor:
        flash(_("Set up the authenticator app first; passkeys are added beside it."), "info")
        return redirect(url_for("accounts.second_factor"))
    form = PasskeyForm()
    if form.validate_on_submit():
        try:
            passkeys.add_passkey(current_user, form.name.data, _credential(form))
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("The passkey was added."), "success")
        return redirect(url_for("accounts.passkeys_page"))
    return render_template(
        "accounts/passkeys.html", form=form, rows=passkeys.passkeys_of(current_user)
    )


@bp.route("/account/passkeys/options", methods=["POST"])
@login_required
def passkey_registration_options():
    """Options for the browser to make a passkey (JSON), after a recent confirmation."""
    if not recently_confirmed(current_user) or not current_user.has_second_factor:
        abort(403)
    return _options(passkeys.registration_options(current_user))


@bp.route("/account/passkeys/<int:passkey_id>/remove", methods=["POST"])
@login_required
def remove_passkey(passkey_id: int):
    """Remove one of one's passkeys."""
    if again := confirm_first(url_for("accounts.passkeys_page")):
        return again
    try:
        passkeys.remove_passkey(current_user, passkey_id)
    except DomainError:
        abort(404)
    flash(_("The passkey was removed."), "info")
    return redirect(url_for("accounts.passkeys_page"))


def _login_pending() -> bool:
    login = current_user.login_session
    return current_user.has_second_factor and login.second_factor_at is None


@bp.route("/login/passkey/options", methods=["POST"])
@login_required
def passkey_login_options():
    """Options for the browser to sign the second step of this login with a passkey (JSON)."""
    if not _login_pending():
        abort(404)
    return _options(passkeys.authentication_options(current_user))


@bp.route("/login/passkey", methods=["POST"])
@login_required
def passkey_login():
    """The second step of logging in, with a passkey."""
    if not _login_pending():
        return redirect(url_for("main.dashboard"))
    form = PasskeyLoginForm()
    if form.validate_on_submit():
        try:
            passkeys.complete_login(current_user, _credential(form))
        except DomainError as exc:
            status = 429 if exc.code == "login_throttled" else 401
            flash(message(exc.code), "danger")
            return render_template(
                "accounts/second_factor_login.html",
                form=CodeForm(formdata=None),
                passkey_form=form,
                has_passkeys=True,
            ), status
        return redirect(safe_next(request.args.get("next")))
    return redirect(url_for("accounts.second_factor_login"))
