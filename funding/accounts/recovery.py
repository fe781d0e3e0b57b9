"""Passwords a person changes or forgets, and confirming who one is before sensitive changes.

A reset link is single use and expires in an hour; only the hash of its token is stored. Asking
for one answers the same whether or not the email has an account. Checking a password here is
throttled like logging in, and counted in its own transaction so a refusal still counts.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from funding.accounts import sessions, throttle
from funding.accounts.models import PasswordReset, Role, User
from funding.accounts.passwords import check_password, hash_password, password_problem
from funding.accounts.services import Throttled, count_tries, find_user_by_email
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.notifications.outbox import queue_email
from funding.notifications.services import site_url
from funding.transactions import DomainError, transactional

RESET_LIFETIME = timedelta(hours=1)
#: Reset requests per hour: per address (then refused), per email (then silently not sent).
RESET_LIMIT_ADDRESS = 10
RESET_LIMIT_EMAIL = 3
HOUR = 3600


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_reset_link(user: User) -> None:
    """Replace any earlier link by a new one and email it (after the commit)."""
    now = utcnow()
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(user=user, token_hash=_token_hash(token), expires_at=now + RESET_LIFETIME)
    )
    link = site_url() + url_for("accounts.reset_password", token=token)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Reset your password")
        body = _(
            "Someone (we hope you) asked to reset the password of your account %(email)s. "
            "Open this link within an hour to choose a new one; it works once:\n\n%(link)s\n\n"
            "If you did not ask, ignore this email: your password stays as it is.",
            email=user.email,
            link=link,
        )
    queue_email(f"[三社联动] {subject}", body, [user.email])


@transactional
def request_reset(email: str, address: str) -> None:
    """Email a reset link if the address has an active account; the caller says the same
    thing either way. Too many requests from one address are refused."""
    if throttle.hit("reset_address", address, HOUR) > RESET_LIMIT_ADDRESS:
        raise Throttled("reset_throttled")
    email = email.strip().lower()
    if throttle.hit("reset_email", email, HOUR, account=email) > RESET_LIMIT_EMAIL:
        return
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    _send_reset_link(user)
    record(None, "auth.reset_requested", user)


@transactional
def send_reset_link(actor: User, user: User) -> None:
    """An admin sends a reset link to the account's own email; nobody else sees it."""
    if actor.role != Role.ADMIN or not user.active:
        raise DomainError("forbidden")
    _send_reset_link(user)
    record(actor, "auth.reset_sent", user)


def valid_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset behind a link's token."""
    return db.session.scalar(
        sa.select(PasswordReset).where(
            PasswordReset.token_hash == _token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > utcnow(),
        )
    )


@transactional
def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link: uses up the link, ends every session and
    lifts the account's login limits."""
    reset = valid_reset(token)
    if reset is None:
        raise DomainError("reset_link_invalid")
    user = reset.user
    problem = password_problem(new_password, user.email, user.name)
    if problem:
        raise DomainError(problem)
    used = db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if not used:  # another request used the link first
        raise DomainError("reset_link_invalid")
    user.password_hash = hash_password(new_password)
    sessions.revoke_sessions(user)
    throttle.forget_account(user.email)
    record(user, "auth.password_reset", user)
    return user


def _checked(user: User, password: str) -> None:
    """Refuse a wrong password; tries are counted and limited like logins."""
    count_tries("password_check", user)
    if not check_password(user.password_hash, password):
        raise DomainError("password_wrong")


@transactional
def _password_confirmed(user: User) -> None:
    throttle.forget("password_check", str(user.id))
    sessions.mark_confirmed(user)


def confirm_with_password(user: User, password: str) -> None:
    """The user proves who they are again, for the next few minutes of this session."""
    _checked(user, password)
    _password_confirmed(user)
    record_confirmation(user, "password")


@transactional
def record_confirmation(user: User, how: str) -> None:
    record(user, "auth.confirmed", user, after={"with": how})


def change_password(user: User, current: str, new: str) -> None:
    """Change one's password with the current one; every other session ends."""
    _checked(user, current)
    _set_password(user, new)


@transactional
def _set_password(user: User, new: str) -> None:
    problem = password_problem(new, user.email, user.name)
    if problem:
        raise DomainError(problem)
    throttle.forget("password_check", str(user.id))
    user.password_hash = hash_password(new)
    sessions.revoke_sessions(user, keep=user.login_token)
    sessions.mark_confirmed(user)
    record(user, "auth.password_changed", user)
