"""Registration, login, throttling, sessions and staff-made accounts."""

from datetime import timedelta

import sqlalchemy as sa

from funding.accounts.models import LoginSession, Role, Throttle, User
from funding.accounts.passwords import password_problem
from funding.accounts.services import REGISTER_LIMIT_ADDRESS
from funding.audit.models import AuditRecord
from funding.directory.models import Organization, Party
from funding.extensions import db, utcnow
from tests.factories import PASSWORD


def _register_org(client, **overrides):
    data = {
        "party_name": "清波阳光社会工作服务中心",
        "credit_code": "91350100M000100Y43",
        "legal_form": "private_non_enterprise",
        "person_name": "陈晓",
        "contact_mobile": "13800001234",
        "email": "chen@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "description": "为老服务",
    }
    data.update(overrides)
    return client.post("/register/organization", data=data)


def test_organization_registers_unverified_with_its_first_member(client):
    response = _register_org(client)
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization))
    assert org.name == "清波阳光社会工作服务中心" and not org.is_verified
    user = db.session.scalar(sa.select(User).filter_by(email="chen@example.org"))
    assert user.role == Role.ORG_MEMBER and user.party_id == org.id
    assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
    entry = db.session.scalar(sa.select(AuditRecord).filter_by(action="party.register"))
    assert entry.object_id == str(org.id) and entry.after["credit_code"] == org.credit_code


def test_registration_shows_field_errors_and_keeps_input(client):
    response = _register_org(client, credit_code="91350100M000100Y4Z", contact_mobile="123")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "代码含有不会出现的字符：Z" in page
    assert "请输入 11 位手机号码" in page
    assert "清波阳光社会工作服务中心" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Party)) == 0


def test_credit_code_unique_across_organizations_and_enterprises(client, make):
    make.enterprise(credit_code="91110000600037341L")
    response = _register_org(client, credit_code="91110000600037341L")
    assert "该统一社会信用代码已被注册" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_registrations_are_throttled_per_address(client):
    for n in range(REGISTER_LIMIT_ADDRESS):
        client.post("/register/organization", data={"email": f"x{n}@example.org"})
    response = _register_org(client)
    assert response.status_code == 429 and "请求过多" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_enterprise_registers(client):
    response = client.post(
        "/register/enterprise",
        data={
            "party_name": "杭州测试有限公司",
            "credit_code": "91512081MA62K0260E",
            "person_name": "吴经理",
            "contact_mobile": "13900001234",
            "email": "wu@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User)).role == Role.ENTERPRISE_MEMBER


def test_password_rules():
    assert password_problem("short1") == "password_too_short"
    assert password_problem("x" * 129) == "password_too_long"
    assert password_problem("y7#Kq2-Lm9!pR4vT" * 4) is None  # 64 characters are allowed
    assert password_problem("Passw0rd!") == "password_weak"
    assert password_problem("abcabcab") == "password_weak"
    assert password_problem("P@ssw0rd2026") == "password_weak"
    assert password_problem("westlake-chen", "x@example.org") is None
    assert password_problem("westlake-chen", "x@example.org", "Westlake Chen") == "password_weak"
    assert password_problem("password123") == "password_common"
    assert password_problem("Woaini1314") == "password_common"
    assert password_problem("aaaaaaaaaaaa") == "password_common"
    assert password_problem("chenxiao-2026", "chenxiao@example.org") == "password_contains_email"
    assert password_problem("tea kettle river") is None


def test_common_password_refused_at_registration(client):
    response = _register_org(client, password="12345678", confirm="12345678")
    assert "该密码过于常见" in response.get_data(as_text=True)


def test_login_wrong_password_then_right(client, make):
    user = make.user(Role.REVIEWER)
    bad = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert bad.status_code == 401 and "邮箱或密码错误" in bad.get_data(as_text=True)
    good = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert good.status_code == 302 and good.headers["Location"] == "/dashboard"


def test_login_ignores_offsite_next(client, make):
    user = make.user(Role.REVIEWER)
    response = client.post(
        "/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/dashboard"


def _fail(client, email, address, n):
    for _ in range(n):
        client.post(
            "/login",
            data={"email": email, "password": "nope nope"},
            environ_base={"REMOTE_ADDR": address},
        )


def test_throttle_per_account_and_address_does_not_lock_out_others(client, make, app):
    victim = make.user(Role.STAFF)
    other = make.user(Role.STAFF)
    _fail(client, victim.email, "10.0.0.1", app.config["LOGIN_LIMIT_PAIR"])
    blocked = client.post(
        "/login",
        data={"email": victim.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert blocked.status_code == 429
    assert "失败次数过多" in blocked.get_data(as_text=True)
    # The same account from elsewhere, and another account from the same address, still work.
    elsewhere = client.post(
        "/login",
        data={"email": victim.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert elsewhere.status_code == 302
    client.post("/logout")
    neighbour = client.post(
        "/login",
        data={"email": other.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert neighbour.status_code == 302


def test_throttle_per_address_across_accounts(client, make, app):
    user = make.user(Role.STAFF)
    limit = app.config["LOGIN_LIMIT_ADDRESS"]
    for i in range(limit):
        _fail(client, f"guess{i}@example.org", "10.0.0.9", 1)
    blocked = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert blocked.status_code == 429


def test_many_failures_from_many_addresses_slow_the_account_but_never_lock_its_owner(
    client, make, app
):
    """Twenty failures from four addresses: guessing slows down, the owner still gets in."""
    user = make.user(Role.STAFF)
    for n in range(4):
        _fail(client, user.email, f"10.1.0.{n}", 5)
    failed = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditRecord).filter_by(action="auth.login_failed")
    )
    assert failed == app.config["LOGIN_SLOW_AFTER"]  # the rest waited for their turn
    too_soon = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.2.0.1"},
    )
    assert too_soon.status_code == 429 and "稍候" in too_soon.get_data(as_text=True)
    db.session.execute(
        sa.update(Throttle)
        .where(Throttle.scope == "login_account")
        .values(last_at=utcnow() - timedelta(seconds=app.config["LOGIN_SLOW_SECONDS"]))
    )
    db.session.commit()
    owner = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.2.0.1"},
    )
    assert owner.status_code == 302


def test_login_starts_a_new_session_and_logout_ends_it_for_good(client, make):
    user = make.user(Role.REVIEWER)
    client.get("/login")
    client.set_cookie("session", "planted-by-attacker")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    stolen = client.get_cookie("session").value
    assert stolen != "planted-by-attacker"
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302
    client.set_cookie("session", stolen)  # replaying the old cookie does not bring it back
    assert client.get("/dashboard").status_code == 302
    revoked = db.session.scalar(sa.select(LoginSession).filter_by(user_id=user.id))
    assert revoked.revoked_at is not None


def test_two_logins_are_two_sessions(client, make, app):
    user = make.user(Role.REVIEWER)
    other = app.test_client()
    for c in (client, other):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/logout")
    assert other.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_deactivated_user_is_logged_out(client, make, login_as, app):
    staff = make.user(Role.STAFF)
    worker = make.user(Role.REVIEWER)
    worker_client = app.test_client()
    worker_client.post("/login", data={"email": worker.email, "password": PASSWORD})
    login_as(staff).post(f"/staff/users/{worker.id}/active", data={"active": "0"})
    assert worker_client.get("/dashboard").status_code == 302
    bad = worker_client.post("/login", data={"email": worker.email, "password": PASSWORD})
    assert bad.status_code == 401


def test_staff_create_community_worker(client, make, login_as):
    staff = make.user(Role.STAFF)
    comm = make.community()
    response = login_as(staff).post(
        "/staff/users/new",
        data={
            "name": "王芳",
            "email": "wang@example.org",
            "role": "community_worker",
            "community_id": comm.id,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(User).filter_by(email="wang@example.org"))
    assert created.role == Role.COMMUNITY_WORKER and created.community_id == comm.id


def test_staff_cannot_create_admin(client, make, login_as):
    staff = make.user(Role.STAFF)
    response = login_as(staff).post(
        "/staff/users/new",
        data={
            "name": "x",
            "email": "x@example.org",
            "role": "admin",
            "community_id": 0,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User).filter_by(email="x@example.org")) is None


def test_staff_verify_party(client, make, login_as):
    staff = make.user(Role.STAFF)
    org = make.organization(verified=False)
    response = login_as(staff).post(f"/staff/parties/{org.id}/verify")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.is_verified and org.verified_by_id == staff.id
    assert (
        db.session.scalar(sa.select(AuditRecord).filter_by(action="party.verify")).actor_id
        == staff.id
    )


def test_create_user_command(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).filter_by(email="root@example.org")).role == Role.ADMIN
    again = runner.invoke(
        args=["create-user", "--email", "b@example.org", "--name", "B", "--password", "12345678"]
    )
    assert again.exit_code != 0 and "常见" in again.output
