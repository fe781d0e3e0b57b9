"""Changing one's email address: the link that makes the change goes to the new address (so
the person shows they can read it), a notice goes to the old one (so a stolen session cannot
move the account away unseen), and nothing changes until the link is followed.

The link is signed (itsdangerous, with SECRET_KEY) and carries the account, the old and the new
address and when it was made; it expires in an hour and works once: it is refused once the
account's address is no longer the old one, or has changed since the link was made.
"""

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from funding.accounts.models import User
from funding.accounts.services import find_user_by_email
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.notifications.outbox import queue_email
from funding.notifications.services import site_url
from funding.transactions import DomainError, transactional

LINK_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _free(email: str) -> None:
    if find_user_by_email(email) is not None:
        raise DomainError("email_taken")


@transactional
def request_change(user: User, new_email: str) -> None:
    """Send the confirmation link to ``new_email`` and a notice to the current address
    (both after the commit); the caller has asked for the password lately."""
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise DomainError("email_same")
    _free(new_email)
    token = _serializer().dumps(
        {"user": user.id, "old": user.email, "new": new_email, "at": utcnow().timestamp()}
    )
    link = site_url() + url_for("accounts.confirm_email_change", token=token)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        confirm_subject = _("Confirm your new email address")
        confirm_body = _(
            "Open this link within an hour to make %(new)s the email address of your account "
            "(now %(old)s); it works once:\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this email.",
            new=new_email,
            old=user.email,
            link=link,
        )
        notice_subject = _("A change of your email address was asked for")
        notice_body = _(
            "Someone logged in to your account asked to change its email address from %(old)s "
            "to %(new)s. It changes only if the link sent to the new address is opened. If this "
            "was not you, log in, change your password and end your other sessions.",
            new=new_email,
            old=user.email,
        )
    queue_email(f"[三社联动] {confirm_subject}", confirm_body, [new_email])
    queue_email(f"[三社联动] {notice_subject}", notice_body, [user.email])
    record(user, "auth.email_change_requested", user, after={"email": new_email})


def pending_change(token: str) -> tuple[User, str] | None:
    """The account and the new address behind a link, if the link is still good."""
    try:
        claims = _serializer().loads(token, max_age=LINK_SECONDS)
        user = db.session.get(User, int(claims["user"]))
        old, new, issued = claims["old"], claims["new"], float(claims["at"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or user.email != old:
        return None
    changed = user.email_changed_at
    if changed is not None and issued <= changed.timestamp():
        return None
    return user, new


@transactional
def confirm_change(token: str) -> User:
    """Make the change a link asks for; uses the link up."""
    pending = pending_change(token)
    if pending is None:
        raise DomainError("email_link_invalid")
    user, new_email = pending
    _free(new_email)
    old = user.email
    moved = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.email == old)
        .values(email=new_email, email_changed_at=utcnow())
    ).rowcount
    if not moved:  # another request used the link first
        raise DomainError("email_link_invalid")
    db.session.refresh(user)
    record(user, "auth.email_changed", user, before={"email": old}, after={"email": new_email})
    return user
