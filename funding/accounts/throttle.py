"""Atomic attempt counters: each count is one statement, so concurrent attempts are exact.

A counter belongs to a scope (``login_pair``, ``login_account``, ``reset``, ...) and a key
(an email, an address, or both). It counts within a window that starts at its first
attempt; an attempt after the window starts a new one.
"""

from datetime import timedelta

import sqlalchemy as sa

from funding.accounts.models import Throttle
from funding.extensions import UTCDateTime, db, upsert, utcnow

T = Throttle


def hit(scope: str, key: str, window_seconds: int, account: str | None = None) -> int:
    """Count one attempt and return the count in the current window, this one included."""
    now = utcnow()
    stale = T.window_start < now - timedelta(seconds=window_seconds)
    stmt = upsert(Throttle).values(
        scope=scope, key=key, account=account, count=1, window_start=now, last_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.scope, T.key],
        set_={
            "count": sa.case((stale, 1), else_=T.count + 1),
            "window_start": sa.case((stale, sa.literal(now, UTCDateTime())), else_=T.window_start),
            "last_at": now,
        },
    ).returning(T.count)
    return db.session.execute(stmt).scalar_one()


def current(scope: str, key: str, window_seconds: int) -> int:
    """The count in the current window (0 when the window has passed)."""
    since = utcnow() - timedelta(seconds=window_seconds)
    count = db.session.scalar(
        sa.select(T.count).where(T.scope == scope, T.key == key, T.window_start >= since)
    )
    return count or 0


def take_turn(scope: str, key: str, *, after: int, every_seconds: int, window_seconds: int) -> bool:
    """Past ``after`` attempts, allow one attempt every ``every_seconds``; False if too soon.

    The turn is taken by one conditional UPDATE: of two concurrent attempts, one gets it.
    """
    now = utcnow()
    busy = (
        (T.scope == scope)
        & (T.key == key)
        & (T.window_start >= now - timedelta(seconds=window_seconds))
        & (T.count >= after)
    )
    taken = db.session.execute(
        sa.update(T)
        .where(busy, T.last_at <= now - timedelta(seconds=every_seconds))
        .values(last_at=now)
    ).rowcount
    if taken:
        return True
    return db.session.scalar(sa.select(sa.func.count()).select_from(T).where(busy)) == 0


def forget(scope: str, key: str) -> None:
    db.session.execute(sa.delete(T).where(T.scope == scope, T.key == key))


def forget_account(email: str) -> int:
    """Lift every block and slow-down on an account (an admin's action); returns how many."""
    return db.session.execute(sa.delete(T).where(T.account == email)).rowcount


def limited_accounts(emails: list[str], window_seconds: int, pair: int, slow: int) -> set[str]:
    """Which of ``emails`` are blocked from some address (``pair`` failures there) or slowed
    down (``slow`` failures in all) now, in one query."""
    since = utcnow() - timedelta(seconds=window_seconds)
    return set(
        db.session.scalars(
            sa.select(T.account).where(
                T.account.in_(emails),
                T.window_start >= since,
                sa.or_(
                    (T.scope == "login_pair") & (T.count >= pair),
                    (T.scope == "login_account") & (T.count >= slow),
                ),
            )
        )
    )
