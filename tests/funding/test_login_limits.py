"""Login limits that cannot be turned against users: real client addresses behind the proxy,
exact counts under concurrency, the same time for unknown accounts, and an admin's lift."""

import statistics
import threading
import time

import pytest
import sqlalchemy as sa
from werkzeug.middleware.proxy_fix import ProxyFix

from config import TestingConfig
from funding.accounts.models import Role
from funding.app import create_app
from funding.audit.models import AuditRecord
from funding.extensions import db
from tests.factories import PASSWORD


def _failures() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditRecord).filter_by(action="auth.login_failed")
    )


def test_client_address_comes_from_the_trusted_proxy_only(app, make, monkeypatch):
    config = TestingConfig()
    assert not isinstance(create_app(config).wsgi_app, ProxyFix)  # default: no proxy trusted
    config.TRUSTED_PROXIES = 1
    built = create_app(config).wsgi_app
    assert isinstance(built, ProxyFix) and (built.x_for, built.x_proto) == (1, 1)

    user = make.user(Role.STAFF)
    forwarded = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    # Without a trusted proxy the header is ignored: anyone could send it.
    with app.test_client() as client:
        client.post("/login", data={"email": user.email, "password": "x"}, environ_base=forwarded)
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1))
    with app.test_client() as client:
        for _ in range(app.config["LOGIN_LIMIT_PAIR"]):
            client.post(
                "/login", data={"email": user.email, "password": "x"}, environ_base=forwarded
            )
        addresses = db.session.scalars(
            sa.select(AuditRecord.address).filter_by(action="auth.login_failed")
        ).all()
        assert sorted(set(addresses)) == ["10.9.9.9", "203.0.113.7"]
        blocked = client.post(
            "/login", data={"email": user.email, "password": PASSWORD}, environ_base=forwarded
        )
        assert blocked.status_code == 429
        # Another client behind the same proxy is not blocked by the first one's failures.
        other = {**forwarded, "HTTP_X_FORWARDED_FOR": "203.0.113.8"}
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD}, environ_base=other
        )
        assert response.status_code == 302


def test_an_admin_lifts_a_block(client, make, login_as, app):
    victim = make.user(Role.STAFF)
    for _ in range(app.config["LOGIN_LIMIT_PAIR"]):
        client.post("/login", data={"email": victim.email, "password": "x"})
    blocked = client.post("/login", data={"email": victim.email, "password": PASSWORD})
    assert blocked.status_code == 429
    staff = login_as(make.user(Role.STAFF))
    assert "登录受限" in staff.get("/staff/users").get_data(as_text=True)
    assert staff.post(f"/staff/users/{victim.id}/limits").status_code == 403
    admin = login_as(make.user(Role.ADMIN))
    assert admin.post(f"/staff/users/{victim.id}/limits").status_code == 302
    assert "登录受限" not in admin.get("/staff/users").get_data(as_text=True)
    admin.post("/logout")
    assert (
        client.post("/login", data={"email": victim.email, "password": PASSWORD}).status_code == 302
    )
    assert db.session.scalar(sa.select(AuditRecord).filter_by(action="auth.limits_lifted"))


def test_login_takes_as_long_for_an_unknown_account(app, client, make):
    """A known and an unknown email cost one password hash each."""
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:150000"
    try:
        user = make.user(Role.STAFF)  # hashed with the slow method
        db.session.commit()

        def median(email: str) -> float:
            times = []
            for n in range(5):
                start = time.perf_counter()
                client.post(
                    "/login",
                    data={"email": email, "password": "wrong password"},
                    environ_base={"REMOTE_ADDR": f"10.5.{len(email)}.{n}"},
                )
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        known, unknown = median(user.email), median("nobody-here@example.org")
        assert unknown > 0.6 * known, (known, unknown)
    finally:
        app.config["PASSWORD_HASH_METHOD"] = TestingConfig.PASSWORD_HASH_METHOD


@pytest.mark.postgres
def test_fifty_wrong_passwords_at_once_are_five_evaluated(app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent requests need PostgreSQL: set TESTING_DATABASE_URL")
    email = make.user(Role.STAFF).email
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def attempt():
        with app.test_client() as client:
            barrier.wait(timeout=30)
            statuses.append(
                client.post("/login", data={"email": email, "password": "x"}).status_code
            )

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == app.config["LOGIN_LIMIT_PAIR"]
    assert _failures() == app.config["LOGIN_LIMIT_PAIR"]
