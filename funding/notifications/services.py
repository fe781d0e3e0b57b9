"""Tell the people a change concerns: an in-app notification and an email."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage

from funding.accounts.models import FOUNDATION_ROLES, User
from funding.extensions import db, utcnow
from funding.notifications.models import Notification
from funding.notifications.texts import render_text
from funding.transactions import transactional


def staff_users() -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.role.in_(FOUNDATION_ROLES), User.active))
    )


def notify(users: Iterable[User], key: str, link: str = "", **params) -> None:
    """Queue one notification per user in the current transaction and send the email."""
    recipients = {u.id: u for u in users if u is not None and u.active}
    for user in recipients.values():
        db.session.add(Notification(user_id=user.id, key=key, params=params, link=link))
    if recipients:
        _send_email(list(recipients.values()), key, link, params)


def _send_email(users: list[User], key: str, link: str, params: dict) -> None:
    """Email in Chinese, the platform's first language; failures never block the change."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_text(key, params)
    body = subject + (f"\n\n{current_app.config['SITE_URL']}{link}" if link else "")
    try:
        EmailMessage(subject=f"[三社联动] {subject}", body=body, to=[u.email for u in users]).send()
    except OSError:
        current_app.logger.exception("email about %s not sent", key)


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


@transactional
def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications (or the given ones) as read; returns how many."""
    query = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    return db.session.execute(query.values(read_at=utcnow())).rowcount
