"""Who is calling: a personal access token in ``Authorization: Bearer``, never the session
cookie (so a page's cookie cannot make API writes). Each use is logged and rate limited."""

from flask import g, request

from funding.accounts.models import Role, User
from funding.api import tokens
from funding.api.models import TokenScope
from funding.api.problems import ApiError
from funding.extensions import utcnow
from funding.i18n import lazy as _l


def caller(write: bool = False) -> User:
    """The token's owner; 401 without a usable token, 403 for a read token asked to write,
    429 with Retry-After past the rate limit."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    now = utcnow()
    token = tokens.find(secret.strip(), now) if scheme.lower() == "bearer" and secret else None
    if token is None:
        raise ApiError(
            401,
            "token_required",
            str(_l("A valid personal access token is required (Authorization: Bearer …).")),
            headers={"WWW-Authenticate": 'Bearer realm="linkage"'},
        )
    wait = tokens.retry_after(token, now)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            str(_l("Too many requests with this token; wait and try again.")),
            headers={"Retry-After": str(wait)},
        )
    tokens.log_use(token, request.method, request.path, now)
    if write and token.scope != TokenScope.READ_WRITE:
        raise ApiError(403, "token_read_only", str(_l("This token may only read.")))
    g.api_user = token.user
    return token.user


def require_role(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise ApiError(403, "forbidden", str(_l("Your account may not do this.")))
