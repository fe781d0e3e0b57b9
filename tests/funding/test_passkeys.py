"""Passkeys: added after re-authentication, used as the second step of logging in, and every
response that does not answer a fresh challenge of this user with this user's key is refused."""

import json
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from funding.accounts.models import LoginSession, Passkey, PasskeyChallenge, Role
from funding.audit.models import AuditRecord
from funding.extensions import db, utcnow
from tests.factories import PASSWORD
from tests.soft_passkey import SoftPasskey, b64url


def _enrol(client, name="办公室电脑"):
    passkey = SoftPasskey()
    options = client.post("/account/passkeys/options").get_json()
    response = client.post(
        "/account/passkeys",
        data={"name": name, "credential": json.dumps(passkey.create(options))},
    )
    assert response.status_code == 302
    return passkey


def _password_step(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].startswith("/login/second-factor")


def _sign_in(client, passkey, **kwargs):
    options = client.post("/login/passkey/options").get_json()
    answer = passkey.get(options, **kwargs)
    return client.post("/login/passkey", data={"credential": json.dumps(answer)}), answer


@pytest.fixture
def enrolled(make, login_as):
    staff = make.user(Role.STAFF)
    client = login_as(staff)
    return client, staff, _enrol(client)


def test_a_passkey_is_added_listed_and_logs_in(enrolled):
    client, staff, passkey = enrolled
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "办公室电脑" in page and "删除" in page
    stored = db.session.scalar(sa.select(Passkey).filter_by(user_id=staff.id))
    assert stored.credential_id == passkey.credential_id
    _password_step(client, staff)
    login_page = client.get("/login/second-factor").get_data(as_text=True)
    assert "使用通行密钥" in login_page and "js/passkeys.js" in login_page
    response, _answer = _sign_in(client, passkey)
    assert response.status_code == 302
    assert client.get("/staff/users").status_code == 200
    db.session.refresh(stored)
    assert stored.sign_count == 1 and stored.last_used_at is not None
    actions = set(db.session.scalars(sa.select(AuditRecord.action).filter_by(actor_id=staff.id)))
    assert {"auth.passkey_added", "auth.second_factor"} <= actions


def _refused(client, response):
    assert response.status_code == 401
    assert "通行密钥未被接受" in response.get_data(as_text=True)
    assert client.get("/staff/users").headers["Location"] == "/login/second-factor"


def test_a_response_to_another_challenge_is_refused(enrolled):
    client, staff, passkey = enrolled
    _password_step(client, staff)
    response, _ = _sign_in(client, passkey, challenge=b64url(secrets.token_bytes(32)))
    _refused(client, response)


def test_a_challenge_is_used_once(enrolled):
    client, staff, passkey = enrolled
    _password_step(client, staff)
    response, answer = _sign_in(client, passkey)
    assert response.status_code == 302
    _password_step(client, staff)
    replay = client.post("/login/passkey", data={"credential": json.dumps(answer)})
    _refused(client, replay)


def test_an_expired_challenge_is_refused(enrolled):
    client, staff, passkey = enrolled
    _password_step(client, staff)
    options = client.post("/login/passkey/options").get_json()
    db.session.execute(
        sa.update(PasskeyChallenge).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    answer = passkey.get(options)
    _refused(client, client.post("/login/passkey", data={"credential": json.dumps(answer)}))


def test_an_unknown_passkey_is_refused(enrolled):
    client, staff, _passkey = enrolled
    _password_step(client, staff)
    response, _ = _sign_in(client, SoftPasskey())
    _refused(client, response)


def test_another_users_passkey_is_refused(enrolled, make, login_as):
    client, staff, _passkey = enrolled
    other = make.user(Role.STAFF)
    theirs = _enrol(login_as(other), "别人的")
    _password_step(client, staff)
    response, _ = _sign_in(client, theirs)
    _refused(client, response)


def test_a_cloned_passkey_with_an_old_counter_is_refused(enrolled):
    client, staff, passkey = enrolled
    _password_step(client, staff)
    assert _sign_in(client, passkey)[0].status_code == 302
    passkey.sign_count = 0  # a copy of the key that has not seen the last use
    _password_step(client, staff)
    response, _ = _sign_in(client, passkey)
    _refused(client, response)


def test_removing_a_passkey_asks_again_and_only_ones_own(enrolled, make, login_as):
    client, staff, _passkey = enrolled
    stored = db.session.scalar(sa.select(Passkey).filter_by(user_id=staff.id))
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == staff.id)
        .values(confirmed_at=utcnow() - timedelta(minutes=11))
    )
    db.session.commit()
    asked = client.post(f"/account/passkeys/{stored.id}/remove")
    assert asked.headers["Location"].startswith("/account/confirm")
    assert client.post("/account/passkeys/options").status_code == 403
    other = login_as(make.user(Role.STAFF))
    assert other.post(f"/account/passkeys/{stored.id}/remove").status_code == 404
    mine = login_as(staff)
    assert mine.post(f"/account/passkeys/{stored.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(Passkey).filter_by(user_id=staff.id)) is None
