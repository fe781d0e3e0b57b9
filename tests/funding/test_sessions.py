"""Sessions expire (idle and absolute, stricter for staff), can be listed and ended by their
owner, and nothing a logged-in person sees is cached; production cookies and HSTS."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from config import BASE_DIR, ProductionConfig
from funding.accounts.models import LoginSession, Role
from funding.app import create_app
from funding.extensions import db, utcnow
from tests.factories import PASSWORD


def _age(user, **ages) -> None:
    """Make the user's open sessions older: ``idle=`` since last seen, ``age=`` since login."""
    values = {}
    if "idle" in ages:
        values["last_seen_at"] = utcnow() - ages["idle"]
    if "age" in ages:
        values["created_at"] = utcnow() - ages["age"]
    db.session.execute(
        sa.update(LoginSession).where(LoginSession.user_id == user.id).values(**values)
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("role", "ages", "still_in"),
    [
        (Role.STAFF, {"idle": timedelta(minutes=31)}, False),
        (Role.STAFF, {"idle": timedelta(minutes=29)}, True),
        (Role.ADMIN, {"age": timedelta(hours=12, minutes=1)}, False),
        (Role.ORG_MEMBER, {"idle": timedelta(minutes=31)}, True),
        (Role.ORG_MEMBER, {"idle": timedelta(hours=9)}, False),
        (Role.ORG_MEMBER, {"age": timedelta(days=400)}, False),
    ],
)
def test_sessions_time_out(make, login_as, role, ages, still_in):
    user = make.user(role)
    client = login_as(user)
    _age(user, **ages)
    response = client.get("/notifications")
    assert (response.status_code == 200) is still_in
    if not still_in:
        assert response.headers["Location"].startswith("/login")
        assert db.session.scalar(
            sa.select(LoginSession.revoked_at).where(LoginSession.user_id == user.id)
        )


def test_your_sessions_lists_and_ends_them(app, make, login_as):
    user = make.user(Role.ORG_MEMBER)
    laptop = app.test_client()
    laptop.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={
            "REMOTE_ADDR": "198.51.100.4",
            "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36",
        },
    )
    phone = login_as(user)
    page = phone.get("/account/sessions").get_data(as_text=True)
    assert "Chrome · Windows" in page and "198.51.100.4" in page and "当前会话" in page
    laptop_id = db.session.scalar(
        sa.select(LoginSession.id).where(LoginSession.address == "198.51.100.4")
    )
    other = login_as(make.user(Role.ORG_MEMBER))
    assert other.post(f"/account/sessions/{laptop_id}/end").status_code == 404
    assert laptop.get("/notifications").status_code == 200
    phone = login_as(user)
    assert phone.post(f"/account/sessions/{laptop_id}/end").status_code == 302
    assert laptop.get("/notifications").status_code == 302
    laptop.post("/login", data={"email": user.email, "password": PASSWORD})
    assert phone.post("/account/sessions/end-others").status_code == 302
    assert laptop.get("/notifications").status_code == 302
    assert phone.get("/notifications").status_code == 200


def test_nothing_private_is_cached(client, make, login_as):
    public = client.get("/")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    with client.get("/transparency/grants.csv") as export:
        assert export.headers["Cache-Control"] == "no-store"
    staff = login_as(make.user(Role.STAFF))
    for url in ["/dashboard", "/staff/users", "/staff/exports/proposals.csv"]:
        with staff.get(url) as response:
            assert response.headers["Cache-Control"] == "no-store", url
    with staff.get("/static/css/app.css") as css:
        assert "no-store" not in css.headers.get("Cache-Control", "")


def test_production_cookie_and_hsts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECOND_FACTOR_KEY", "k" * 64)
    monkeypatch.setenv("SITE_URL", "https://linkage.example.org")
    app = create_app(ProductionConfig())
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_PATH"] in (None, "/")
    with app.test_client() as client:
        response = client.get("/no-such-page")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_wsgi_needs_linkage_config():
    env = {k: v for k, v in os.environ.items() if k != "LINKAGE_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "LINKAGE_CONFIG" in done.stderr
