"""A person's own account: sessions, password and second factor (routes on ``accounts``)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from funding.accounts import sessions
from funding.accounts.views import bp
from funding.transactions import DomainError


@bp.route("/account")
@login_required
def account():
    """How one logs in: password, second factor, and the sessions open now."""
    return render_template("accounts/account.html")


@bp.route("/account/sessions")
@login_required
def my_sessions():
    """Every open session: device, address, last seen; end one or all the others."""
    return render_template(
        "accounts/sessions.html",
        rows=sessions.live_sessions(current_user),
        device=sessions.device,
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one session; ending this one logs out here."""
    current = current_user.login_session
    try:
        sessions.end_session(current_user, session_id)
    except DomainError:
        abort(404)
    if current is not None and current.id == session_id:
        logout_user()
        return redirect(url_for("accounts.login"))
    flash(_("The session was ended."), "success")
    return redirect(url_for("accounts.my_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """End every session but this one (a lost phone, a shared computer)."""
    ended = sessions.end_other_sessions(current_user)
    flash(_("%(n)s other sessions were ended.", n=ended), "success")
    return redirect(url_for("accounts.my_sessions"))
