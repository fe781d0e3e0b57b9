"""Personal access tokens: created and revoked by their owner, checked on every API request,
each use logged, and a rate limit per token."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from funding.accounts.models import User
from funding.api.models import ApiToken, ApiTokenUse, TokenScope
from funding.audit.services import current_address, record
from funding.extensions import db, utcnow
from funding.transactions import DomainError, transactional

TOKEN_PREFIX = "lk_"  # noqa: S105 - marks the kind of secret, is not one
#: Lifetimes a user may choose, in days.
LIFETIMES = (7, 30, 90, 365)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def create_token(actor: User, name: str, scope: TokenScope, days: int) -> tuple[ApiToken, str]:
    """A new token for the actor; the secret is returned once and only its digest is kept."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("token_name_required")
    if days not in LIFETIMES:
        raise DomainError("token_lifetime")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id,
        name=name,
        prefix=secret[:10],
        token_hash=digest(secret),
        scope=scope,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.create", token, after={"name": name, "scope": scope.value})
    return token, secret


@transactional
def revoke_token(actor: User, token: ApiToken) -> None:
    """The owner revokes a token; it stops working at once."""
    if token.user_id != actor.id:
        raise DomainError("forbidden")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "api_token.revoke", token)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def find(secret: str, now: datetime) -> ApiToken | None:
    """The usable token with this secret, or None (unknown, revoked, expired, inactive user)."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.usable(now) or not token.user.is_active:
        return None
    return token


def retry_after(token: ApiToken, now: datetime) -> int | None:
    """Seconds to wait when the token used up its requests for the window, else None."""
    window = timedelta(seconds=current_app.config["API_RATE_WINDOW_SECONDS"])
    limit = current_app.config["API_RATE_LIMIT"]
    recent = db.session.scalars(
        sa.select(ApiTokenUse.at)
        .where(ApiTokenUse.token_id == token.id, ApiTokenUse.at > now - window)
        .order_by(ApiTokenUse.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    return max(1, int((recent[-1] + window - now).total_seconds()) + 1)


def log_use(token: ApiToken, method: str, path: str, now: datetime) -> None:
    """Log one request made with the token (committed at once, whatever the request does)."""
    db.session.add(
        ApiTokenUse(
            token_id=token.id, at=now, method=method, path=path[:200], address=current_address.get()
        )
    )
    token.last_used_at = now
    db.session.commit()
