"""Pages come from the cache and change as soon as the data behind them does: public pages
for anonymous visitors, and the pages signed-in people read most, each for its own viewer and
session, never past an authorization check or a pending message."""

import gzip
import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from funding import autocommit
from funding.accounts.models import Role, User
from funding.accounts.services import set_user_active
from funding.audit.models import AuditRecord
from funding.caching import data_version
from funding.extensions import db
from funding.notifications.models import Notification
from funding.proposals.models import Proposal, ProposalState
from funding.proposals.services import reject
from tests import factories
from tests.funding.statements import counted, get_counting


def test_a_public_page_is_served_from_the_cache_until_the_data_changes(cached, client):
    need = factories.need(title="独居老人助餐")
    worker = factories.user(Role.COMMUNITY_WORKER, community=need.community)
    db.session.commit()
    community_id, worker_id = need.community_id, worker.id
    first, cold = get_counting(client, "/needs")
    assert first.status_code == 200 and "独居老人助餐" in first.get_data(as_text=True)
    again, warm = get_counting(client, "/needs")
    assert again.get_data() == first.get_data()
    assert warm < cold and warm <= 2, "a cached page asks only the data's version"

    factories.posted_need(db.session.get(User, worker_id), community_id, "楼道微更新议事")
    fresh = client.get("/needs").get_data(as_text=True)
    assert "楼道微更新议事" in fresh, "a change shows at once, not when the cache expires"


def test_each_language_and_query_has_its_own_page(cached, client):
    factories.need(title="独居老人助餐")
    db.session.commit()
    chinese = client.get("/needs?lang=zh").get_data(as_text=True)
    english = client.get("/needs?lang=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and 'lang="en"' in english
    assert client.get("/needs?lang=en&page=2").get_data() != client.get("/needs?lang=en").get_data()


def test_a_browser_revalidating_gets_not_modified(cached, client):
    first = client.get("/transparency")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    second = client.get("/transparency", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304 and second.data == b""


def test_a_browser_taking_gzip_gets_the_same_page_compressed(cached, client):
    factories.need(title="独居老人助餐")
    db.session.commit()
    plain = client.get("/needs")
    for _ in range(2):  # rendered, then from the cache
        packed = client.get("/needs", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data
        assert len(packed.data) < len(plain.data) / 2
    assert "Content-Encoding" not in plain.headers and "独居老人助餐" in plain.text
    assert packed.headers["ETag"] != plain.headers["ETag"], "one tag per representation"
    again = client.get(
        "/needs", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304
    refused = client.get("/needs", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_signed_in_people_get_their_own_page(cached, client, login_as):
    factories.need(title="独居老人助餐")
    staff = factories.user(Role.STAFF)
    db.session.commit()
    client.get("/needs")  # cached for anonymous visitors
    login_as(staff)
    page = client.get("/needs").get_data(as_text=True)
    assert staff.name in page, "the navigation shows who is signed in"


def test_public_downloads_are_cached_with_their_file_names(cached, client):
    for fmt in ("csv", "xlsx"):
        first, cold = get_counting(client, f"/transparency/grants.{fmt}")
        again, warm = get_counting(client, f"/transparency/grants.{fmt}")
        assert again.status_code == 200 and again.get_data() == first.get_data()
        assert warm <= 2 < cold
        name = f"attachment; filename=transparency-grants.{fmt}"
        assert first.headers["Content-Disposition"] == again.headers["Content-Disposition"] == name
        assert again.mimetype == first.mimetype


def _session_token(app, browser, page: str) -> str:
    """The raw CSRF token the page's forms carry, checked to be the browser's session's."""
    signed = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    raw = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(signed)
    with browser.session_transaction() as stored:
        assert stored["csrf_token"] == raw, "the page's forms carry another session's token"
    return raw


def _signed_in(app, user: User):
    """A second browser, signed in as ``user``."""
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    factories.give_second_factor(browser, user.email, user.totp_secret)
    return browser


def _warm(client, url: str) -> None:
    """The first page gives the session its CSRF token; the second is stored."""
    client.get(url)
    client.get(url)


def _checkouts(client, url: str) -> int:
    """How many times a GET takes a connection from the request session's pool."""
    db.session.remove()
    with counted(db.engine, "checkout") as taken:
        client.get(url)
    return len(taken)


def test_a_signed_in_page_is_cached_for_its_viewer_until_the_data_changes(cached, client, login_as):
    staff = factories.user(Role.STAFF)
    proposal = factories.proposal(state=ProposalState.SCREENING, title="楼道议事会")
    db.session.commit()
    staff_id, proposal_id = staff.id, proposal.id
    login_as(staff)
    url = "/staff/queue?lang=en"
    _, cold = get_counting(client, url)
    _warm(client, url)
    again, warm = get_counting(client, url)
    page = again.get_data(as_text=True)
    assert again.get_data() == client.get(url).get_data()
    assert "楼道议事会" in page
    # who is signed in, with the data's version and the unread count (and BEGIN on SQLite)
    assert warm < cold and warm <= 2, "a cached page reads no table of its own"
    assert again.headers["Cache-Control"] == "no-store", "the browser keeps nothing"
    if db.engine.dialect.name == "postgresql":
        assert warm == 1 and _checkouts(client, url) == 0, "the request's transaction never opens"

    reject(db.session.get(User, staff_id), db.session.get(Proposal, proposal_id), "不符合条件")
    assert "楼道议事会" not in client.get(url).get_data(as_text=True), "a change shows at once"


def test_each_person_and_each_session_gets_its_own_page(cached, app, client, login_as):
    first_staff = factories.user(Role.STAFF, name="王一")
    second_staff = factories.user(Role.STAFF, name="李二")
    db.session.commit()
    # Everyone signs in first: a login is a change, after which the data's version stays.
    login_as(first_staff)
    other = _signed_in(app, second_staff)
    same_person = _signed_in(app, first_staff)
    for browser in (client, other, same_person):
        _warm(browser, "/grants")
    mine = client.get("/grants").get_data(as_text=True)
    theirs = other.get("/grants").get_data(as_text=True)
    second_session = same_person.get("/grants").get_data(as_text=True)
    assert "王一" in mine and "李二" not in mine
    assert "李二" in theirs and "王一" not in theirs
    assert "王一" in second_session
    assert _session_token(app, same_person, second_session) != _session_token(app, client, mine)


def test_a_new_notification_shows_on_a_cached_page(cached, client, login_as):
    staff = factories.user(Role.STAFF)
    db.session.commit()
    login_as(staff)
    _warm(client, "/dashboard")
    assert 'id="unread-count"' not in client.get("/dashboard").get_data(as_text=True)
    db.session.add(Notification(user_id=staff.id, key="party_verified", params={}, link="/"))
    db.session.commit()
    assert 'id="unread-count">1<' in client.get("/dashboard").get_data(as_text=True)


def test_a_message_after_an_action_is_shown_once_with_the_change(cached, client, login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER, email="member@example.org")
    db.session.commit()
    login_as(staff)
    _warm(client, "/staff/users?lang=en")
    assert "Switch off" in client.get("/staff/users?lang=en").get_data(as_text=True)
    client.post(f"/staff/users/{member.id}/active", data={"active": "0"})
    after = client.get("/staff/users?lang=en").get_data(as_text=True)
    assert "Account updated." in after
    again = client.get("/staff/users?lang=en").get_data(as_text=True)
    assert "Account updated." not in again
    assert again.count("Switch on") == after.count("Switch on") >= 1


def test_a_cached_page_is_not_served_once_the_person_may_no_longer_see_it(
    cached, app, client, login_as
):
    admin = factories.user(Role.ADMIN)
    staff = factories.user(Role.STAFF)
    db.session.commit()
    admin_id, staff_id = admin.id, staff.id
    login_as(staff)
    _warm(client, "/staff/queue")
    assert client.get("/staff/queue").status_code == 200
    set_user_active(db.session.get(User, admin_id), db.session.get(User, staff_id), False)
    assert client.get("/staff/queue").status_code == 302, "a switched-off account is sent to log in"


@pytest.mark.postgres
def test_the_version_is_read_again_when_the_database_dropped_its_connection(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the version has its own connections on PostgreSQL only")
    factories.user(Role.STAFF)
    db.session.commit()
    newest = db.session.scalar(sa.select(sa.func.max(AuditRecord.id)))
    assert data_version() == newest
    with app.extensions[autocommit.KEY].connect() as conn:
        backend = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    db.session.commit()
    assert data_version() == newest, "a restart costs no visitor an error page"
    with app.extensions[autocommit.KEY].connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != backend
