"""Public pages come from the cache for anonymous visitors and change as soon as the data
behind them does; signed-in people always get their own page."""

from funding.accounts.models import Role, User
from funding.directory.models import NeedSource
from funding.directory.services import NeedData, create_need
from funding.extensions import db
from tests import factories
from tests.funding.statements import get_counting


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

    create_need(
        db.session.get(User, worker_id),
        NeedData(
            community_id=community_id,
            category_code="H",
            title="楼道微更新议事",
            description="居民希望共同商量楼道改造。",
            beneficiaries=80,
            budget_estimate_fen=2_000_000,
            source=NeedSource.CONSULTATION,
        ),
    )
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
