"""The second factor: staff cannot work without one, codes work once and are throttled,
recovery codes stand in for a lost phone, and anyone may enrol."""

import re

import pyotp
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from funding.accounts.models import Role, User
from funding.accounts.secret_box import unseal
from funding.app import create_app
from funding.extensions import db
from tests.factories import PASSWORD, TOTP_SECRET


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_staff_without_a_second_factor_must_set_one_up(client, make):
    staff = make.user(Role.STAFF, totp_secret=None)
    _password(client, staff)
    for url in ["/staff/users", "/dashboard", "/grants"]:
        response = client.get(url)
        assert response.headers["Location"] == "/account/second-factor", url
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/account/second-factor", data={"code": "000000"})
    assert "验证码不正确" in wrong.get_data(as_text=True)
    done = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/staff/users").status_code == 200
    db.session.refresh(staff)
    assert staff.totp_secret == secret


def test_login_with_a_code_once(client, make):
    staff = make.user(Role.STAFF)
    response = _password(client, staff)
    assert response.headers["Location"].startswith("/login/second-factor")
    assert client.get("/staff/users").headers["Location"] == "/login/second-factor"
    assert client.post("/login/second-factor", data={"code": "123 456"}).status_code == 401
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    assert client.get("/staff/users").status_code == 200
    client.post("/logout")
    _password(client, staff)
    replay = client.post("/login/second-factor", data={"code": code})
    assert replay.status_code == 401 and "已使用" in replay.get_data(as_text=True)


def test_codes_are_throttled(client, make, app):
    staff = make.user(Role.STAFF)
    _password(client, staff)
    for _ in range(app.config["LOGIN_LIMIT_PAIR"]):
        client.post("/login/second-factor", data={"code": "000000"})
    blocked = client.post("/login/second-factor", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert blocked.status_code == 429
    assert client.get("/staff/users").status_code == 302


def test_a_recovery_code_works_once(client, make, login_as):
    user = make.user(Role.REVIEWER)
    client = login_as(user)
    secret = pyotp.random_base32()
    with client.session_transaction() as session:
        session["totp_pending"] = secret
    page = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", page.get_data(as_text=True))
    client.post("/logout")
    for attempt, status in ((codes[0], 302), (codes[0], 401)):
        client.post("/logout")
        _password(client, user)
        response = client.post("/login/second-factor", data={"code": attempt.upper()})
        assert response.status_code == status


def test_anyone_may_turn_it_off_but_staff(make, login_as):
    member = make.user(Role.ORG_MEMBER, totp_secret=TOTP_SECRET)
    client = login_as(member)
    assert client.post("/account/second-factor/off").status_code == 302
    assert db.session.scalar(sa.select(User.totp_secret).filter_by(id=member.id)) is None
    staff = make.user(Role.STAFF)
    client = login_as(staff)
    client.post("/account/second-factor/off")
    assert db.session.scalar(sa.select(User.totp_secret).filter_by(id=staff.id)) == TOTP_SECRET


def test_the_stored_secret_is_encrypted_and_its_codes_still_work(client, make):
    staff = make.user(Role.STAFF)
    stored = db.session.scalar(
        sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": staff.id}
    )
    assert TOTP_SECRET not in stored and TOTP_SECRET.lower() not in stored.lower()
    assert unseal(stored) == TOTP_SECRET
    _password(client, staff)
    response = client.post("/login/second-factor", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.status_code == 302
    assert client.get("/staff/users").status_code == 200


def test_the_migration_encrypts_stored_secrets_and_the_downgrade_opens_them(tmp_path):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0010_accounts")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, password_hash, role, active, created_at, "
                    "totp_secret) VALUES (1, 'a@example.org', 'A', '-', 'staff', 1, "
                    "'2026-01-01', :secret)"
                ),
                {"secret": TOTP_SECRET},
            )
        read = sa.text("SELECT totp_secret FROM users WHERE id = 1")
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(read).scalar()
        assert TOTP_SECRET not in stored and unseal(stored) == TOTP_SECRET
        assert db.session.get(User, 1).totp_secret == TOTP_SECRET
        db.session.remove()
        downgrade(revision="0010_accounts")
        with db.engine.connect() as conn:
            assert conn.execute(read).scalar() == TOTP_SECRET
        db.engine.dispose()
