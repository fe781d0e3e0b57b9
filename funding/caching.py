"""Pages served from a cache: public pages for everyone, and the pages signed-in people read
most (workbenches, queues, lists), each for its own viewer.

A page is cached per path, query string, language and viewer, under the data's version: the
newest audit record's id. Every state change writes an audit record in its own transaction
(see ``funding/audit``), so any change gives new keys and the old pages are never served
again; entries also expire after ``CACHE_DEFAULT_TIMEOUT`` seconds, which bounds what two
transactions committing out of id order could leave stale, and what a page says about the
time (ages, "overdue") could.

A signed-in viewer's key holds the user, a digest of the login session and of its CSRF token
(the page's forms carry that session's token, so no other session is ever given them), the
notification badge (unread notifications are written by jobs, not audited) and the local
date. The decorator goes under the route's authorization check, which runs on every request.
GETs with pending flash messages are rendered, never cached. Anonymous answers carry an
ETag, so a browser revalidating a page it has gets 304 without a body; signed-in answers are
``no-store`` for the browser (``funding.security``). The public tables' CSV and Excel files
are cached the same way, with their file names. Bodies are kept gzipped with their ETag and
sent as they are to clients that take gzip (others get them decompressed, under an ETag of
their own); a worker's cache holds up to ``CACHE_THRESHOLD`` pages.
"""

import gzip
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import NamedTuple

import sqlalchemy as sa
from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user

from funding import autocommit
from funding.audit.models import AuditRecord
from funding.dates import today

cache = Cache()


#: The data's version: the newest audit record's id (one indexed max).
VERSION = sa.select(sa.func.max(AuditRecord.id)).scalar_subquery()
_READ_VERSION = sa.select(VERSION)


def data_version() -> int:
    """Changes whenever anything a page shows may have changed (read in autocommit)."""
    return autocommit.scalar(_READ_VERSION) or 0


def _key() -> str | None:
    """The page's key in the cache; None when the page must be rendered."""
    if request.method != "GET" or session.get("_flashes"):
        return None
    # "gz:" names the entries' form (``Stored``): a shared cache never hands out another's.
    where = f"{get_locale()}:{request.full_path}"
    if not current_user.is_authenticated:
        return f"gz:{data_version()}:-:{where}"
    # The version and the unread count came with the user, in the same statement.
    csrf, version = session.get("csrf_token"), current_user.seen_version
    if not csrf or version is None:
        return None  # this render gives the session its token; the next request can hit
    login = hashlib.sha256(f"{current_user.login_token}:{csrf}".encode()).hexdigest()[:32]
    viewer = f"{current_user.id}:{login}:{current_user.seen_unread}:{today().isoformat()}"
    return f"gz:{version}:{viewer}:{where}"


class Stored(NamedTuple):
    """A page as the cache keeps it: gzipped once, sent as it is to every client that takes
    gzip (browsers do), so a hit neither compresses nor, mostly, decompresses."""

    gzipped: bytes
    mimetype: str
    disposition: str | None
    etag: str


def _answer(stored: Stored) -> Response:
    if request.accept_encodings["gzip"]:
        response = Response(stored.gzipped, mimetype=stored.mimetype)
        response.content_encoding = "gzip"
        response.set_etag(f"{stored.etag}-gz")  # one tag per representation
    else:
        response = Response(gzip.decompress(stored.gzipped), mimetype=stored.mimetype)
        response.set_etag(stored.etag)
    if stored.disposition:
        response.headers["Content-Disposition"] = stored.disposition
    response.vary.add("Accept-Encoding")
    return response


def cached_page(view: Callable) -> Callable:
    """Serve ``view`` from the cache for its viewer; render and store it on a miss."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        stored = cache.get(key)
        if stored is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            # A streamed download is read whole here: public tables are a few hundred rows.
            body = response.get_data()
            stored = Stored(
                gzip.compress(body, 6, mtime=0),
                response.mimetype,
                response.headers.get("Content-Disposition"),
                hashlib.sha1(body, usedforsecurity=False).hexdigest(),
            )
            cache.set(key, stored)
        response = _answer(stored)
        response.vary.add("Cookie")
        if current_user.is_authenticated:
            return response
        response.headers["Cache-Control"] = "no-cache"
        return response.make_conditional(request)

    return wrapper
