"""Public pages that do not depend on the viewer, served from a cache.

A page is cached per path, query string and language, under the data's version: the newest
audit record's id. Every state change writes an audit record in its own transaction (see
``funding/audit``), so any change gives new keys and the old pages are never served again;
entries also expire after ``CACHE_DEFAULT_TIMEOUT`` seconds, which bounds what two
transactions committing out of id order could leave stale. Only anonymous GETs without
pending flash messages are cached; each answer carries an ETag, so a browser revalidating a
page it has gets 304 without a body. The public tables' CSV and Excel files are cached the
same way, with their file names.
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import Response, make_response, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user

from funding.audit.models import AuditRecord
from funding.extensions import db

cache = Cache()


def data_version() -> int:
    """Changes whenever anything a public page shows may have changed (one indexed max)."""
    return db.session.scalar(sa.select(sa.func.max(AuditRecord.id))) or 0


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def public_page(view: Callable) -> Callable:
    """Serve ``view`` from the cache for anonymous visitors; render and store it on a miss."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = f"page:{data_version()}:{get_locale()}:{request.full_path}"
        stored = cache.get(key)
        if stored is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            # A streamed download is read whole here: public tables are a few hundred rows.
            disposition = response.headers.get("Content-Disposition")
            stored = (response.get_data(), response.mimetype, disposition)
            cache.set(key, stored)
        else:
            response = Response(stored[0], mimetype=stored[1])
            if stored[2]:
                response.headers["Content-Disposition"] = stored[2]
        response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Cookie")
        response.add_etag()
        return response.make_conditional(request)

    return wrapper
