"""Running the platform for years: a request id, the user and the time taken on every request
log line; slow requests and slow queries logged with their page; ``/healthz`` for the proxy
and the process manager."""

import logging
import re
import time
import uuid

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    jsonify,
    request,
)
from flask_login import current_user

from funding.extensions import db
from funding.jobs.queue import queue_reachable

log = logging.getLogger("funding.requests")
bp = Blueprint("health", __name__)
#: A request id from the proxy is kept if it looks like one (else a new one is made).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _where() -> str:
    return f"{request.method} {request.path}" if has_request_context() else "-"


def register(app: Flask) -> None:
    """Time each request and log it; time each query and log the slow ones."""
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"), format="%(message)s")

    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response):
        started = g.get("started")
        if started is None:
            return response
        took = (time.perf_counter() - started) * 1000
        user = current_user.id if current_user and current_user.is_authenticated else "-"
        slow = took > current_app.config["SLOW_REQUEST_MS"]
        log.log(
            logging.WARNING if slow else logging.INFO,
            "request_id=%s user=%s %s status=%s ms=%.1f%s",
            g.request_id,
            user,
            _where(),
            response.status_code,
            took,
            " slow=1" if slow else "",
        )
        response.headers["X-Request-ID"] = g.request_id
        return response

    with app.app_context():
        watch_queries(db.engine)


def watch_queries(engine: sa.Engine) -> None:
    """Log the engine's queries slower than ``SLOW_QUERY_MS`` with their request and page
    (every engine the app makes is watched: the request's and the autocommit reads')."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _query_started(conn, _cursor, _statement, _parameters, _context, _many) -> None:
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _query_done(conn, _cursor, statement, _parameters, _context, _many) -> None:
        took = (time.perf_counter() - conn.info["query_started"].pop()) * 1000
        if has_app_context() and took > current_app.config["SLOW_QUERY_MS"]:
            request_id = g.get("request_id", "-") if has_request_context() else "-"
            log.warning(
                "slow_query request_id=%s %s ms=%.1f sql=%s",
                request_id,
                _where(),
                took,
                " ".join(statement.split())[:300],
            )


@bp.route("/healthz")
def healthz():
    """The database (and the job queue) answer: 200, else 503 saying which does not."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unreachable"
    checks["queue"] = "ok" if queue_reachable(current_app) else "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", **checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
