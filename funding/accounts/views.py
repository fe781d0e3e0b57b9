"""Login, logout, registration, and the staff pages for accounts and verification."""

from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from funding.accounts import services, throttle
from funding.accounts.forms import (
    LoginForm,
    OrganizationRegistrationForm,
    RegistrationForm,
    StaffUserForm,
)
from funding.accounts.models import STAFF_CREATABLE_ROLES, Role, User
from funding.caching import cached_page
from funding.directory import verification
from funding.directory.forms import PartyNoteForm
from funding.directory.models import Community, Enterprise, LegalForm, Organization, Party
from funding.extensions import db
from funding.inputs import LINE_CONTROLS
from funding.labels import LEGAL_FORM_LABELS, ROLE_LABELS, choices
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import roles_required, staff_required
from funding.transactions import DomainError

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site, judged as a browser will read it.

    Browsers drop tabs and line breaks from an address and read a backslash as a slash, so
    ``/%09/evil.example`` (a tab) is ``//evil.example``, another site: a target with any
    control character is refused, and the rest is checked with backslashes made slashes.
    """
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return url_for("main.dashboard")
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return url_for("main.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in by email and password; a fresh session each time."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.log_in(
                form.email.data,
                form.password.data,
                request.remote_addr or "-",
                LINE_CONTROLS.sub("", request.user_agent.string),
            )
        except services.Throttled as exc:
            flash(message(exc.code), "danger")
            status = 429
        else:
            if user is None:
                flash(message("login_failed"), "danger")
                status = 401
            else:
                session.clear()
                login_user(user)
                target = safe_next(request.args.get("next"))
                if user.has_second_factor:
                    return redirect(url_for("accounts.second_factor_login", next=target))
                flash(_("Welcome, %(name)s.", name=user.name), "success")
                return redirect(target)
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session for good: the server forgets it, so the old cookie is useless."""
    services.log_out(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register")
def register():
    """Choose what kind of party to register."""
    return render_template("accounts/register_choose.html")


def _register(form: RegistrationForm, make_party: Callable[[], Party], kind: str):
    if request.method == "POST":
        try:
            services.count_registration(request.remote_addr or "-")
        except services.Throttled as exc:
            flash(message(exc.code), "danger")
            return render_template("accounts/register.html", form=form, kind=kind), 429
    if form.validate_on_submit():
        data = services.Registration(
            email=form.email.data,
            password=form.password.data,
            person_name=form.person_name.data,
            party_name=form.party_name.data,
            credit_code=form.credit_code.data,
            contact_mobile=form.contact_mobile.data,
            description=form.description.data or "",
        )
        try:
            services.register_party(data, make_party())
        except DomainError as exc:
            target = {"credit_code_taken": form.credit_code, "email_taken": form.email}.get(
                exc.code, form.password
            )
            target.errors = [*target.errors, message(exc.code)]
        else:
            flash(
                _(
                    "Registration received. The foundation will verify your details; "
                    "you can log in now and complete your profile."
                ),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form, kind=kind)


@bp.route("/register/organization", methods=["GET", "POST"])
def register_organization():
    """A social organization signs up: its first member and its profile together."""
    form = OrganizationRegistrationForm()
    form.legal_form.choices = choices(LEGAL_FORM_LABELS)
    return _register(
        form,
        lambda: Organization(legal_form=LegalForm(form.legal_form.data), capacity=1),
        "organization",
    )


@bp.route("/register/enterprise", methods=["GET", "POST"])
def register_enterprise():
    """An enterprise or donor signs up."""
    form = RegistrationForm()
    form.party_name.label.text = _("Name of the enterprise")
    return _register(form, lambda: Enterprise(public_listing=True), "enterprise")


@bp.route("/staff/users")
@staff_required
@cached_page
def users():
    """Staff see every account, a page at a time, and can switch one off."""
    page = page_of(
        sa.select(User)
        .options(selectinload(User.party), selectinload(User.community))
        .order_by(User.role, User.email, User.id)
    )
    cfg = current_app.config
    limited = throttle.limited_accounts(
        [u.email for u in page.items],
        cfg["LOGIN_WINDOW_SECONDS"],
        cfg["LOGIN_LIMIT_PAIR"],
        cfg["LOGIN_SLOW_AFTER"],
    )
    return render_template(
        "accounts/users.html", page=page, users=page.items, limited=limited, role_labels=ROLE_LABELS
    )


@bp.route("/staff/users/<int:user_id>/limits", methods=["POST"])
@roles_required(Role.ADMIN)
def lift_limits(user_id: int):
    """An admin lifts the login blocks and slow-down on an account."""
    user = db.get_or_404(User, user_id)
    services.lift_limits(current_user, user)
    flash(_("Login limits lifted for %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/staff/users/new", methods=["GET", "POST"])
@staff_required
def new_user():
    """Staff create community workers, reviewers and staff accounts."""
    form = StaffUserForm()
    roles = [*STAFF_CREATABLE_ROLES, *([Role.ADMIN] if current_user.role == Role.ADMIN else [])]
    form.role.choices = [(r.value, str(ROLE_LABELS[r])) for r in roles]
    communities = db.session.scalars(
        sa.select(Community).order_by(Community.street_code, Community.position)
    ).all()
    form.community_id.choices = [(0, "—")] + [
        (c.id, f"{c.street.name} · {c.name}") for c in communities
    ]
    if form.validate_on_submit():
        try:
            services.create_user_by_staff(
                current_user,
                form.email.data,
                form.name.data,
                form.password.data,
                Role(form.role.data),
                form.community_id.data or None,
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Account created."), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/new_user.html", form=form)


@bp.route("/staff/users/<int:user_id>/active", methods=["POST"])
@staff_required
def toggle_user(user_id: int):
    """Switch an account off or on again."""
    user = db.get_or_404(User, user_id)
    try:
        services.set_user_active(current_user, user, request.form.get("active") == "1")
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Account updated."), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/staff/parties")
@staff_required
@cached_page
def parties():
    """Registered parties waiting for verification, then the verified ones."""
    page = page_of(
        sa.select(Party).order_by(
            Party.verified_at.is_not(None), Party.created_at.desc(), Party.id.desc()
        )
    )
    return render_template("accounts/parties.html", page=page)


@bp.route("/staff/parties/<int:party_id>/verify", methods=["POST"])
@staff_required
def verify(party_id: int):
    """Staff verify a party so it can submit proposals or pledge."""
    party = db.get_or_404(Party, party_id)
    try:
        verification.verify_party(current_user, party)
    except DomainError as exc:
        flash(message(exc.code), "warning")
    else:
        flash(_("%(name)s is now verified.", name=party.name), "success")
    return redirect(url_for("accounts.parties"))


def _send_back(party_id: int, decide, done: str):
    party = db.get_or_404(Party, party_id)
    form = PartyNoteForm()
    if not form.validate_on_submit():
        flash(message("note_required"), "danger")
    else:
        try:
            decide(current_user, party, form.note.data)
        except DomainError as exc:
            flash(message(exc.code), "warning")
        else:
            flash(done % {"name": party.name}, "success")
    return redirect(url_for("accounts.parties", _anchor=f"party-{party.id}"))


@bp.route("/staff/parties/<int:party_id>/ask", methods=["POST"])
@staff_required
def ask_party(party_id: int):
    """Ask a party for more information; its members read the note."""
    return _send_back(
        party_id, verification.request_information, _("%(name)s was asked for more information.")
    )


@bp.route("/staff/parties/<int:party_id>/reject", methods=["POST"])
@staff_required
def reject_party(party_id: int):
    """Reject a party's registration; its members read why."""
    return _send_back(
        party_id, verification.reject_party, _("The registration of %(name)s was rejected.")
    )
