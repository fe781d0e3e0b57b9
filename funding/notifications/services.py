"""Tell the people a change concerns: an in-app notification and an email, both written by a
job once the change commits, so that a change that rolls back tells nobody and many
recipients do not hold up the request."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import force_locale

from funding.accounts.models import FOUNDATION_ROLES, User
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.jobs.models import Job
from funding.jobs.queue import enqueue, handles
from funding.notifications.models import BADGE_LIMIT, Notification, unread_of
from funding.notifications.outbox import queue_email
from funding.notifications.texts import render_subject, render_text
from funding.transactions import transactional


def staff_users() -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.role.in_(FOUNDATION_ROLES), User.active))
    )


def notify(users: Iterable[User], key: str, link: str = "", **params) -> None:
    """One notification per user and one email to them all, once the current transaction
    commits (the email's text is made now, while the request's address is known)."""
    ids = sorted({u.id for u in users if u is not None and u.active})
    if ids:
        subject, body = _email(key, link, params)
        message = {"key": key, "link": link, "params": params, "subject": subject, "body": body}
        enqueue("notify", {"user_ids": ids, **message})


@handles("notify")
def fan_out(job: Job) -> dict:
    """Write the notifications and queue their email (sent once these rows commit)."""
    p = job.params
    users = db.session.scalars(
        sa.select(User).where(User.id.in_(p["user_ids"]), User.active).order_by(User.id)
    ).all()
    db.session.add_all(
        Notification(user_id=u.id, key=p["key"], params=p["params"], link=p["link"]) for u in users
    )
    if users:
        queue_email(p["subject"], p["body"], [u.email for u in users])
    return {"notified": len(users)}


def site_url() -> str:
    """The address email links start with: ``SITE_URL``, else the host of this request."""
    configured = current_app.config.get("SITE_URL")
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""


def _email(key: str, link: str, params: dict) -> tuple[str, str]:
    """In Chinese, the platform's first language: a short subject, the full text in the body."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_subject(key, params)
        text = render_text(key, params)
    return f"[三社联动] {subject}", text + (f"\n\n{site_url()}{link}" if link else "")


def badge(user: User) -> int | str:
    """What the bell in the navigation bar shows: the unread count, or "99+" past the limit.
    The count comes with the signed-in user (``funding.accounts.sessions``)."""
    count = user.seen_unread
    if count is None:
        count = db.session.scalar(sa.select(unread_of(user.id)))
    return f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else count


@transactional
def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications (or the given ones) as read; returns how many."""
    query = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    read = (
        db.session.execute(query.values(read_at=utcnow()).returning(Notification.id))
        .scalars()
        .all()
    )
    if read:
        record(user, "notifications.read", user, after={"notifications": sorted(read)})
    return len(read)
