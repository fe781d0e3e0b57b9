"""Running it for years: health checks, request logs with an id, slow requests and queries."""

import logging

import sqlalchemy as sa

from funding.accounts.models import Role


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from funding.extensions import db

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_each_request_is_logged_with_its_id_user_and_time(client, make, login_as, caplog):
    user = make.user(Role.STAFF)
    login_as(user)
    with caplog.at_level(logging.INFO, logger="funding.requests"):
        response = client.get("/needs", headers={"X-Request-ID": "proxy-req-12345"})
    assert response.headers["X-Request-ID"] == "proxy-req-12345"
    line = next(r.getMessage() for r in caplog.records if "GET /needs" in r.getMessage())
    assert "request_id=proxy-req-12345" in line and f"user={user.id}" in line and "ms=" in line
    invented = client.get("/needs", headers={"X-Request-ID": "bad id !"})
    assert len(invented.headers["X-Request-ID"]) == 32


def test_slow_requests_and_queries_are_warnings(app, client, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "SLOW_REQUEST_MS", -1)
    with caplog.at_level(logging.INFO, logger="funding.requests"):
        client.get("/programs")
    assert any(r.levelno == logging.WARNING and "slow=1" in r.getMessage() for r in caplog.records)


def test_slow_queries_are_warnings_on_every_connection(app, client, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "SLOW_QUERY_MS", -1)
    with caplog.at_level(logging.INFO, logger="funding.requests"):
        client.get("/programs")
    slow = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # the data's version, read on its own connection on PostgreSQL
    assert any("slow_query" in m and "GET /programs" in m and "audit_records" in m for m in slow)
