"""Changing one's email address: asked after giving the password again, confirmed from the new
address through a link that works once within an hour, announced to the old one, audited."""

import re
import types

import sqlalchemy as sa
from itsdangerous import timed

from funding.accounts.models import Role, User
from funding.audit.models import AuditRecord
from funding.extensions import db
from tests.factories import PASSWORD
from tests.funding.test_passwords import _stale, outbox  # noqa: F401 - fixture

NEW = "new-address@example.org"


def _ask(client, email=NEW):
    return client.post("/account/email", data={"email": email}, follow_redirects=True)


def _link(outbox) -> str:  # noqa: F811 - the fixture
    (mail,) = [m for m in outbox if m.to == [NEW]]
    return re.search(r"http://localhost(/account/email/confirm/\S+)", mail.body).group(1)


def test_the_address_changes_only_through_the_link_sent_to_it(make, login_as, client, outbox):  # noqa: F811
    user = make.user(Role.ORG_MEMBER)
    old = user.email
    login_as(user)
    page = _ask(client)
    assert "链接已发送至 new-address@example.org" in page.get_data(as_text=True)
    assert sorted(m.to[0] for m in outbox) == sorted([NEW, old])
    notice = next(m for m in outbox if m.to == [old])
    assert NEW in notice.body and "/account/email/confirm/" not in notice.body
    db.session.refresh(user)
    assert user.email == old
    link = _link(outbox)
    client.post("/logout")
    shown = client.get(link).get_data(as_text=True)
    assert NEW in shown and old in shown
    assert db.session.scalar(sa.select(User.email).filter_by(id=user.id)) == old
    done = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert f"邮箱地址已改为 {NEW}" in done
    assert db.session.scalar(sa.select(User.email).filter_by(id=user.id)) == NEW
    entry = db.session.scalar(sa.select(AuditRecord).filter_by(action="auth.email_changed"))
    assert entry.before == {"email": old} and entry.after == {"email": NEW}
    assert client.post("/login", data={"email": NEW, "password": PASSWORD}).status_code == 302
    again = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "链接已失效" in again
    assert client.get(link).headers["Location"] == "/"


def test_asking_needs_the_password_from_the_last_ten_minutes(make, login_as, outbox):  # noqa: F811
    user = make.user(Role.ORG_MEMBER)
    client = login_as(user)
    _stale(user)
    response = client.post("/account/email", data={"email": NEW})
    assert response.headers["Location"].startswith("/account/confirm")
    assert outbox == []


def test_an_address_in_use_is_refused(make, login_as, outbox):  # noqa: F811
    user = make.user(Role.ORG_MEMBER)
    other = make.user(Role.REVIEWER)
    page = _ask(login_as(user), other.email.upper()).get_data(as_text=True)
    assert "该邮箱已注册账户" in page
    assert outbox == []


def test_a_link_expires_after_an_hour_and_cannot_be_forged(
    make,
    login_as,
    client,
    outbox,  # noqa: F811
    monkeypatch,
):
    user = make.user(Role.ORG_MEMBER)
    _ask(login_as(user))
    link = _link(outbox)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.post(tampered).headers["Location"] == "/"
    later = timed.time.time() + 3601
    monkeypatch.setattr(timed, "time", types.SimpleNamespace(time=lambda: later))
    assert client.post(link).headers["Location"] == "/"
    assert db.session.scalar(sa.select(User.email).filter_by(id=user.id)) == user.email


def test_a_later_change_voids_older_links(make, login_as, outbox):  # noqa: F811
    user = make.user(Role.ORG_MEMBER)
    old = user.email
    client = login_as(user)
    _ask(client)
    first = _link(outbox)
    client.post(first)
    outbox.clear()
    _ask(client, old)  # and back: the first link names the old address again, yet is void
    (back,) = [m for m in outbox if m.to == [old]]
    client.post(re.search(r"http://localhost(/account/email/confirm/\S+)", back.body).group(1))
    assert db.session.scalar(sa.select(User.email).filter_by(id=user.id)) == old
    assert "链接已失效" in client.post(first, follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(sa.select(User.email).filter_by(id=user.id)) == old
