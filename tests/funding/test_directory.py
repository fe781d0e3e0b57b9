"""The public directory, party profiles, communities and needs."""

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.audit.models import AuditRecord
from funding.directory.models import Community, LegalForm, Need, NeedStatus, ServiceCategory, Street
from funding.directory.services import load_reference_data
from funding.extensions import db


def test_reference_data_loaded_once():
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Street)) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceCategory)) == 9
    communities = db.session.scalar(sa.select(sa.func.count()).select_from(Community))
    assert communities == 29
    assert load_reference_data() == {"streets": 0, "communities": 0, "categories": 0}
    h = db.session.get(ServiceCategory, "H")
    assert (h.name, h.class_name) == ("为老服务", "福利慈善类")
    assert h.name_en == "Services for older people"


def test_directory_lists_only_verified_and_filters(client, make):
    elder = make.organization(name="清波乐龄服务中心", categories=[make.category("H")])
    youth = make.organization(
        name="湖滨青苗成长中心",
        categories=[make.category("I")],
        streets=[make.street("330102003")],
        legal_form=LegalForm.SOCIAL_GROUP,
    )
    hidden = make.organization(name="未审核机构", verified=False)

    def names(query=""):
        return client.get("/organizations" + query).get_data(as_text=True)

    page = names()
    assert elder.name in page and youth.name in page and hidden.name not in page
    assert youth.name not in names("?category=H") and elder.name in names("?category=H")
    assert elder.name not in names("?street=330102003")
    assert elder.name not in names("?legal_form=social_group")
    assert youth.name in names("?q=青苗") and elder.name not in names("?q=青苗")
    assert "没有符合条件的机构" in names("?q=不存在的名字")


def test_organization_edits_its_profile(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    comm = make.community()
    response = login_as(member).post(
        f"/organizations/{member.party_id}/edit",
        data={
            "name": "新名字服务中心",
            "legal_form": "social_group",
            "capacity": "3",
            "contact_name": "陈晓",
            "contact_mobile": "13912345678",
            "description": "助老助残",
            "categories": ["H", "G"],
            "streets": ["330102001"],
            "communities": [str(comm.id)],
        },
    )
    assert response.status_code == 302
    org = member.party
    db.session.refresh(org)
    assert (org.name, org.capacity, org.legal_form) == ("新名字服务中心", 3, LegalForm.SOCIAL_GROUP)
    assert [c.code for c in org.categories] == ["G", "H"] and org.communities == [comm]
    entry = db.session.scalar(sa.select(AuditRecord).filter_by(action="party.update"))
    assert entry.before["capacity"] == 2 and entry.after["capacity"] == 3


def test_profile_validation_errors(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    response = login_as(member).post(
        f"/organizations/{member.party_id}/edit",
        data={
            "name": "",
            "legal_form": "social_group",
            "capacity": "0",
            "contact_name": "x",
            "contact_mobile": "555",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入 11 位手机号码" in page and "is-invalid" in page


def test_worker_posts_a_need_for_own_community(make, login_as):
    worker = make.user(Role.COMMUNITY_WORKER)
    client = login_as(worker)
    data = {
        "community_id": worker.community_id,
        "category_code": "H",
        "title": "助餐点",
        "description": "老人吃饭难",
        "beneficiaries": "80",
        "budget_estimate_fen": "30,000.50",
        "source": "consultation",
        "status": "open",
    }
    response = client.post("/needs/new", data=data)
    assert response.status_code == 302
    need = db.session.scalar(sa.select(Need))
    assert need.budget_estimate_fen == 3_000_050 and need.created_by_id == worker.id
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "¥30,000.50" in page and "民情恳谈会" in page
    other = make.community("涌金门社区")
    refused = client.post("/needs/new", data={**data, "community_id": other.id})
    assert refused.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 1


def test_need_money_field_messages(make, login_as):
    worker = make.user(Role.COMMUNITY_WORKER)
    client = login_as(worker)
    base = {
        "community_id": worker.community_id,
        "category_code": "H",
        "title": "t",
        "description": "d",
        "beneficiaries": "1",
        "source": "survey",
        "status": "open",
    }
    for amount, words in [
        ("1.234", "最多保留两位小数"),
        ("-5", "不能为负数"),
        ("0", "必须大于零"),
        ("999999999999", "金额过大"),
        ("abc", "以元为单位"),
    ]:
        page = client.post("/needs/new", data={**base, "budget_estimate_fen": amount})
        assert words in page.get_data(as_text=True), amount
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_staff_edit_need_status(make, login_as):
    staff = make.user(Role.STAFF)
    need = make.need()
    response = login_as(staff).post(
        f"/needs/{need.id}/edit",
        data={
            "community_id": need.community_id,
            "category_code": "G",
            "title": need.title,
            "description": need.description,
            "beneficiaries": "10",
            "budget_estimate_fen": "100",
            "source": "hotline",
            "status": "matched",
        },
    )
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.MATCHED and need.category_code == "G"


def test_community_page_lists_its_needs(client, make):
    need = make.need(title="楼道议事会")
    page = client.get(f"/communities/{need.community_id}").get_data(as_text=True)
    assert "清波门社区" in page and "楼道议事会" in page
    listing = client.get("/communities").get_data(as_text=True)
    assert "1 个待对接需求" in listing and "南星街道" in listing


def test_needs_filter(client, make):
    make.need(title="助老", category=make.category("H"))
    make.need(title="托管", category=make.category("I"), status=NeedStatus.MET)
    assert "托管" not in client.get("/needs").get_data(as_text=True)
    page = client.get("/needs?status=all&category=I").get_data(as_text=True)
    assert "托管" in page and "助老" not in page
