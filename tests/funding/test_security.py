"""CSRF on every POST, security headers, cookies, and no tracebacks for users."""

import re

import pytest
from flask import url_for

from funding.accounts.models import Role


def _post_urls(app, api: bool = False):
    """Every POST address of the pages (or, with ``api``, of the token-only JSON API)."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and rule.rule.startswith("/api/") == api:
                yield url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1))


def test_every_post_route_rejects_a_request_without_csrf_token(
    app, client, make, login_as, monkeypatch
):
    login_as(make.user(Role.ADMIN))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    urls = list(_post_urls(app))
    assert len(urls) >= 8
    for url in urls:
        response = client.post(url, data={"email": "a@b.c"})
        assert response.status_code == 400, url
        assert "表单已过期" in response.get_data(as_text=True)


def test_the_api_needs_a_token_instead_of_a_csrf_token(app, client, make, login_as, monkeypatch):
    """The API is exempt from CSRF because a signed-in browser's cookie never authenticates
    it: a cross-site POST carrying the cookie gets 401."""
    login_as(make.user(Role.ADMIN))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    urls = list(_post_urls(app, api=True))
    assert len(urls) >= 4
    for url in urls:
        response = client.post(url, json={})
        assert response.status_code == 401, url
        assert response.mimetype == "application/problem+json"


def test_forms_carry_a_csrf_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": "x@example.org", "password": "whatever!"}
    )
    assert response.status_code == 401  # got past CSRF to the password check


def test_no_state_change_on_get(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(("verify", "toggle_user", "logout")):
            assert "GET" not in rule.methods, rule


@pytest.mark.parametrize("url", ["/", "/login", "/no-such-page"])
def test_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "cdn" not in page.lower()


def test_session_cookie_flags(client, make):
    user = make.user(Role.STAFF)
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_server_error_shows_no_traceback(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "directory.communities", boom)
    response = client.get("/communities")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "出错了" in page and "secret internals" not in page and "Traceback" not in page
