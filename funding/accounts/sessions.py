"""Login sessions: timeouts, the list of one's own sessions, ending them, confirming again.

Each request's session row is checked against the idle and absolute timeouts of the user's
role; its ``last_seen_at`` is written at most once a minute, so reading pages costs no write.
"""

from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app

from funding import autocommit
from funding.accounts.models import LoginSession, User
from funding.audit.services import record
from funding.caching import VERSION
from funding.extensions import db, utcnow
from funding.notifications.models import unread_of
from funding.transactions import DomainError, transactional

#: How often a session's ``last_seen_at`` is brought up to date.
SEEN_EVERY = timedelta(seconds=60)
#: Actions that change how one logs in, or release money, ask for the password (or the
#: second factor) again if it was last given longer ago than this.
CONFIRM_WITHIN = timedelta(minutes=10)


def limits(user: User) -> tuple[timedelta, timedelta]:
    """(idle, absolute) session lifetimes for the user's role."""
    cfg = current_app.config
    if user.is_foundation:
        idle, absolute = cfg["SESSION_IDLE_FOUNDATION"], cfg["SESSION_ABSOLUTE_FOUNDATION"]
    else:
        idle, absolute = cfg["SESSION_IDLE"], cfg["SESSION_ABSOLUTE"]
    return timedelta(seconds=idle), timedelta(seconds=absolute)


@cache
def _session_user() -> sa.Select:
    """The user behind the bound ``token``, its session, the data's version and the user's
    unread count: what every signed-in page needs, in one round trip outside the request's
    transaction (built once)."""
    token = sa.bindparam("token")
    viewer = sa.select(LoginSession.user_id).where(LoginSession.token == token).scalar_subquery()
    return (
        sa.select(User, LoginSession, VERSION, unread_of(viewer))
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token == token, LoginSession.revoked_at.is_(None), User.active)
    )


def load_session_user(token: str) -> User | None:
    """Flask-Login's loader: the user behind a live session token, or None once it has been
    revoked, the account switched off, or a timeout passed (which ends the session)."""
    row = autocommit.first(_session_user(), {"token": token})
    if row is None:
        return None
    user, login, version, unread = row
    now = utcnow()
    idle, absolute = limits(user)
    if now - login.last_seen_at > idle or now - login.created_at > absolute:
        login.revoked_at = now
        db.session.commit()
        return None
    if now - login.last_seen_at > SEEN_EVERY:
        login.last_seen_at = now
        db.session.commit()
    user.login_token, user.login_session = token, login
    user.seen_version, user.seen_unread = version or 0, unread
    return user


def live_sessions(user: User) -> list[LoginSession]:
    """The user's sessions that are still open, the most recently used first."""
    idle, absolute = limits(user)
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.last_seen_at >= now - idle,
                LoginSession.created_at >= now - absolute,
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


@transactional
def end_session(user: User, session_id: int) -> None:
    """End one of the user's own sessions (another device, or this one)."""
    ended = db.session.execute(
        sa.update(LoginSession)
        .where(
            LoginSession.id == session_id,
            LoginSession.user_id == user.id,
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    if not ended:
        raise DomainError("not_found")
    record(user, "auth.session_ended", user, after={"session": session_id})


@transactional
def end_other_sessions(user: User) -> int:
    """End every session of the user but the one making the request."""
    ended = revoke_sessions(user, keep=user.login_token)
    record(user, "auth.sessions_ended", user, after={"sessions": ended})
    return ended


def revoke_sessions(user: User, keep: str | None = None) -> int:
    """Revoke the user's open sessions (all, or all but the token ``keep``)."""
    query = sa.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
    )
    if keep:
        query = query.where(LoginSession.token != keep)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def recently_confirmed(user: User) -> bool:
    """Whether the user gave the password or second factor in this session lately."""
    login = getattr(user, "login_session", None)
    return login is not None and utcnow() - login.confirmed_at <= CONFIRM_WITHIN


def mark_confirmed(user: User) -> None:
    """Record that the user just proved who they are (part of the caller's transaction)."""
    login = getattr(user, "login_session", None)
    if login is not None:
        login.confirmed_at = utcnow()


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device(user_agent: str) -> str:
    """A short name for a browser's user agent, such as ``Chrome · Windows``."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or (user_agent[:60] or "—")
