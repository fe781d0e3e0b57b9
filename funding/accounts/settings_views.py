"""A person's own account: sessions, password and second factor (routes on ``accounts``)."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from funding.accounts import email_change, passkeys, recovery, sessions
from funding.accounts import second_factor as second_factor_service
from funding.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    ForgotPasswordForm,
    PasskeyLoginForm,
    ResetPasswordForm,
)
from funding.accounts.models import Role, User
from funding.accounts.views import bp, safe_next
from funding.extensions import db
from funding.messages import message
from funding.permissions import confirm_first, roles_required
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password with the current one; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            recovery.change_password(current_user, form.current.data, form.password.data)
        except DomainError as exc:
            target = (
                form.current if exc.code in ("password_wrong", "login_throttled") else form.password
            )
            target.errors = [*target.errors, message(exc.code)]
        else:
            flash(_("Your password was changed. Your other sessions were ended."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    """Ask to move the account to another email address (after giving the password again)."""
    if again := confirm_first(url_for("accounts.change_email")):
        return again
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            email_change.request_change(current_user, form.email.data)
        except DomainError as exc:
            form.email.errors = [*form.email.errors, message(exc.code)]
        else:
            flash(
                _(
                    "A link was sent to %(email)s: open it within an hour to make the change. "
                    "Until then your address stays as it is.",
                    email=form.email.data.strip().lower(),
                ),
                "info",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """Follow the link sent to the new address; the change is made by the button (a mail
    client that opens links on its own changes nothing)."""
    pending = email_change.pending_change(token)
    if pending is None:
        flash(message("email_link_invalid"), "danger")
        return redirect(url_for("main.index"))
    if request.method == "POST":
        try:
            email_change.confirm_change(token)
        except DomainError as exc:
            flash(message(exc.code), "danger")
            return redirect(url_for("main.index"))
        flash(_("Your email address is now %(email)s.", email=pending[1]), "success")
        return redirect(url_for("main.index"))
    return render_template(
        "accounts/confirm_email_change.html", old=pending[0].email, new=pending[1]
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer does not tell whether the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.request_reset(form.email.data, request.remote_addr or "-")
        except DomainError as exc:
            flash(message(exc.code), "danger")
            return render_template("accounts/forgot_password.html", form=form), 429
        flash(
            _(
                "If an account uses this email, a link to choose a new password is on its way. "
                "It works once, within an hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through an emailed link (single use, one hour)."""
    if recovery.valid_reset(token) is None:
        flash(message("reset_link_invalid"), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data)
        except DomainError as exc:
            form.password.errors = [*form.password.errors, message(exc.code)]
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password was changed. Please log in with it."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """Give the password (or a second-factor code) again before a sensitive change."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if form.code.data and current_user.has_second_factor:
                second_factor_service.confirm_with_code(current_user, form.code.data)
            else:
                recovery.confirm_with_password(current_user, form.password.data or "")
        except DomainError as exc:
            form.password.errors = [*form.password.errors, message(exc.code)]
        else:
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/confirm.html", form=form)


@bp.route("/staff/users/<int:user_id>/reset-link", methods=["POST"])
@roles_required(Role.ADMIN)
def send_reset_link(user_id: int):
    """An admin emails the account a reset link; the admin never sees or sets a password."""
    user = db.get_or_404(User, user_id)
    try:
        recovery.send_reset_link(current_user, user)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("A reset link was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_login():
    """The second step of logging in: a code from the app, or a recovery code."""
    if not current_user.has_second_factor or current_user.login_session.second_factor_at:
        return redirect(url_for("main.dashboard"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            second_factor_service.complete_login(current_user, form.code.data)
        except DomainError as exc:
            form.code.errors = [*form.code.errors, message(exc.code)]
            status = 429 if exc.code == "login_throttled" else 401
        else:
            return redirect(safe_next(request.args.get("next")))
    return render_template(
        "accounts/second_factor_login.html",
        form=form,
        passkey_form=PasskeyLoginForm(formdata=None),
        has_passkeys=bool(passkeys.passkeys_of(current_user)),
    ), status


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """Set up (or move) the second factor: scan the QR code, enter a code, keep the
    recovery codes."""
    if again := confirm_first(url_for("accounts.second_factor")):
        return again
    secret = session.get("totp_pending") or second_factor_service.new_secret()
    session["totp_pending"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor_service.enrol(current_user, secret, form.code.data)
        except DomainError as exc:
            form.code.errors = [*form.code.errors, message(exc.code)]
        else:
            session.pop("totp_pending", None)
            flash(_("The second factor is on."), "success")
            return render_template("accounts/recovery_codes.html", codes=codes)
    return render_template(
        "accounts/second_factor.html",
        form=form,
        secret=secret,
        qr=second_factor_service.qr_svg(current_user, secret),
        codes_left=second_factor_service.recovery_codes_left(current_user),
    )


@bp.route("/account/second-factor/codes", methods=["POST"])
@login_required
def new_recovery_codes():
    """Replace the recovery codes; the old ones stop working."""
    if again := confirm_first(url_for("accounts.second_factor")):
        return again
    try:
        codes = second_factor_service.new_recovery_codes(current_user)
    except DomainError:
        abort(404)
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.route("/account/second-factor/off", methods=["POST"])
@login_required
def second_factor_off():
    """Turn the second factor off (not for staff and admins)."""
    if again := confirm_first(url_for("accounts.second_factor")):
        return again
    try:
        second_factor_service.turn_off(current_user)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("The second factor is off."), "info")
    return redirect(url_for("accounts.account"))


#: What a session may open before its second factor is given (or, for staff and admins
#: without one, set up).
BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts.second_factor_login",
        "accounts.passkey_login_options",
        "accounts.passkey_login",
        "accounts.logout",
        "static",
        "bootstrap.static",
    }
)
BEFORE_ENROLMENT = frozenset(
    {"accounts.second_factor", "accounts.confirm", "accounts.logout", "static", "bootstrap.static"}
)


def second_factor_gate():
    """Keep a logged-in session to the second-factor pages until it is complete."""
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if current_user.has_second_factor:
        pending = current_user.login_session.second_factor_at is None
        if pending and request.endpoint not in BEFORE_SECOND_FACTOR:
            return redirect(url_for("accounts.second_factor_login"))
    elif current_user.needs_second_factor and request.endpoint not in BEFORE_ENROLMENT:
        flash(message("second_factor_needed"), "warning")
        return redirect(url_for("accounts.second_factor"))
    return None
