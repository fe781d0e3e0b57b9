"""Changing and resetting passwords, an admin's reset link, and confirming before changes."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from funding.accounts.models import LoginSession, PasswordReset, Role
from funding.accounts.recovery import RESET_LIMIT_ADDRESS
from funding.extensions import db, utcnow
from tests.factories import PASSWORD
from tests.funding.money_helpers import matching_program, signed_grant

NEW = "lantern orchard ferry"


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"]
    box.outbox = []
    return box.outbox


def _link(outbox) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", outbox[-1].body).group(1)


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, make, login_as):
    user = make.user(Role.ORG_MEMBER)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    client = login_as(user)
    wrong = client.post(
        "/account/password", data={"current": "not it at all", "password": NEW, "confirm": NEW}
    )
    assert "密码错误" in wrong.get_data(as_text=True)
    weak = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "Passw0rd!", "confirm": "Passw0rd!"},
    )
    assert "太容易被猜到" in weak.get_data(as_text=True)
    done = client.post(
        "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert done.status_code == 302
    assert client.get("/notifications").status_code == 200  # this session goes on
    assert elsewhere.get("/notifications").status_code == 302  # the other one ended
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302


def test_forgotten_password_same_answer_single_use_one_hour(client, make, outbox):
    user = make.user(Role.ORG_MEMBER)
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    notice = "如果有账户使用此邮箱"
    assert notice in known.get_data(as_text=True) and notice in unknown.get_data(as_text=True)
    assert [m.to for m in outbox] == [[user.email]]
    link = _link(outbox)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302
    client.post("/logout")
    again = client.post(link, data={"password": "other " + NEW, "confirm": "other " + NEW})
    assert again.status_code == 302 and again.headers["Location"] == "/password/forgot"
    # A link older than an hour no longer works.
    client.post("/password/forgot", data={"email": user.email})
    db.session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(_link(outbox)).headers["Location"] == "/password/forgot"
    assert db.session.scalar(sa.select(PasswordReset.token_hash).limit(1)) not in _link(outbox)


def test_a_reset_ends_every_session(app, make, outbox):
    user = make.user(Role.ORG_MEMBER)
    logged_in = app.test_client()
    logged_in.post("/login", data={"email": user.email, "password": PASSWORD})
    with app.test_client() as client:
        client.post("/password/forgot", data={"email": user.email})
        client.post(_link(outbox), data={"password": NEW, "confirm": NEW})
    assert logged_in.get("/notifications").status_code == 302


def test_reset_requests_are_throttled(client, make, outbox):
    user = make.user(Role.ORG_MEMBER)
    for n in range(RESET_LIMIT_ADDRESS):
        client.post("/password/forgot", data={"email": f"x{n}@example.org"})
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 429
    assert outbox == []


def test_admin_sends_a_reset_link_but_never_sees_it(make, login_as, outbox):
    user = make.user(Role.ORG_MEMBER)
    staff = login_as(make.user(Role.STAFF))
    assert staff.post(f"/staff/users/{user.id}/reset-link").status_code == 403
    admin = login_as(make.user(Role.ADMIN))
    page = admin.post(f"/staff/users/{user.id}/reset-link", follow_redirects=True)
    assert page.status_code == 200
    assert [m.to for m in outbox] == [[user.email]]
    assert _link(outbox).rsplit("/", 1)[1] not in page.get_data(as_text=True)


def _stale(user) -> None:
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id)
        .values(confirmed_at=utcnow() - timedelta(minutes=11))
    )
    db.session.commit()


def test_changing_the_second_factor_asks_for_the_password_again(make, login_as):
    user = make.user(Role.ORG_MEMBER)
    client = login_as(user)
    assert client.get("/account/second-factor").status_code == 200
    _stale(user)
    response = client.get("/account/second-factor")
    assert response.headers["Location"].startswith("/account/confirm")
    wrong = client.post(response.headers["Location"], data={"password": "wrong one"})
    assert wrong.status_code == 200
    right = client.post(response.headers["Location"], data={"password": PASSWORD})
    assert right.headers["Location"] == "/account/second-factor"
    assert client.get("/account/second-factor").status_code == 200


def test_releasing_a_payment_asks_again_after_ten_minutes(make, login_as):
    staff = make.user(Role.STAFF)
    grant = signed_grant(staff, make.user(Role.ORG_MEMBER), matching_program(own_fen=10**8), 10**6)
    client = login_as(staff)
    _stale(staff)
    response = client.post(f"/grants/{grant.id}/tranches/1/sign", data={"key": "k" * 32})
    assert response.headers["Location"].startswith("/account/confirm?next=/grants/")
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.user_id == staff.id)
    )
