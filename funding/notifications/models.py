"""A notification for one user."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from funding.extensions import UTCDateTime, db, utcnow


class Notification(db.Model):
    """Stored as a message key and parameters, so it reads in the user's current language."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: The badge counts unread notifications up to this many and then says "99+": a count that
#: stops there costs the same on every page however many a busy account has let pile up.
BADGE_LIMIT = 99


def unread_of(user_id) -> sa.ScalarSelect:
    """Unread notifications of ``user_id`` (a value or an SQL expression), counted up to
    ``BADGE_LIMIT + 1``; a subquery, so that it rides along with the statement that loads the
    signed-in user."""
    return (
        sa.select(sa.func.count())
        .select_from(
            sa.select(Notification.id)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .limit(BADGE_LIMIT + 1)
            .subquery()
        )
        .scalar_subquery()
    )
