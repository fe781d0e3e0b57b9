"""Money through the pages: pledge with the matching estimate, receipt, reservation,
tranche requests and sign-offs, termination, ratings, transparency."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.dates import today
from funding.extensions import db
from funding.grants.models import GrantState, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import AccountKind, LedgerTransaction
from funding.ledger.services import balance
from funding.pledges.models import Pledge, PledgeState
from funding.proposals import services as proposals
from funding.proposals.models import ProposalState


@pytest.fixture
def world(make):
    """A signed ¥60,000 grant in a program with 1:1 matching up to ¥20,000 per project."""
    staff, staff2 = make.user(Role.STAFF), make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent_user = make.user(Role.ENTERPRISE_MEMBER)
    program = make.program(
        budget_fen=50_000_000,
        match_ratio_pct=100,
        match_cap_project_fen=2_000_000,
        match_cap_program_fen=3_000_000,
    )
    p = make.proposal(
        member,
        program=program,
        state=ProposalState.APPROVED,
        approved_amount_fen=6_000_000,
        disclosure_until=date(2020, 1, 1),
    )
    p.amount_requested_fen = 6_000_000
    db.session.commit()
    grant = proposals.sign_agreement(staff, p, today())
    worker = make.user(Role.COMMUNITY_WORKER, community=p.communities[0])
    return {
        "staff": staff,
        "staff2": staff2,
        "member": member,
        "ent": ent_user,
        "program": program,
        "proposal": p,
        "grant": grant,
        "worker": worker,
    }


def _key(page: str) -> str:
    return re.search(r'name="key" type="hidden" value="([0-9a-f]+)"', page).group(1)


def _pledge(client, proposal, amount="30000", confirm=True):
    form = {
        "target": "project",
        "proposal_id": proposal.id,
        "program_id": 0,
        "category_code": "",
        "amount": amount,
        "payment_method": "bank_transfer",
        "due_date": (today() + timedelta(days=20)).isoformat(),
    }
    page = client.post("/pledges/new", data={**form, "key": "k1"}).get_data(as_text=True)
    if confirm:
        return page, client.post("/pledges/new", data={**form, "key": "k1", "confirm": "1"})
    return page, None


def test_pledge_shows_the_matching_estimate_then_posts_the_same(world, login_as):
    client = login_as(world["ent"])
    page, response = _pledge(client, world["proposal"])
    assert "¥30,000.00" in page and "¥50,000.00" in page and "¥20,000.00" in page
    assert response.status_code == 302
    pledge = db.session.scalar(sa.select(Pledge))
    assert pledge.state == PledgeState.PLEDGED
    assert balance(AccountKind.PLEDGES_RECEIVABLE, world["ent"].party_id) == 3_000_000
    staff = login_as(world["staff"])
    detail = staff.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    staff.post(
        f"/pledges/{pledge.id}/confirm",
        data={"receipt_no": "R-1", "received_on": today().isoformat(), "key": _key(detail)},
    )
    db.session.refresh(pledge)
    assert pledge.state == PledgeState.RECEIVED and pledge.matched_fen == 2_000_000
    assert balance(AccountKind.PROJECT_FUND, world["proposal"].id) == 5_000_000
    assert violations() == []


def test_repeated_pledge_form_moves_money_once(world, login_as):
    client = login_as(world["ent"])
    _pledge(client, world["proposal"])
    _pledge(client, world["proposal"])  # the browser retries with the same key
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "pledge")
        )
        == 1
    )


def test_unverified_enterprise_cannot_pledge(world, make, login_as):
    user = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise(verified=False))
    _page, response = _pledge(login_as(user), world["proposal"])
    assert "尚未通过基金会审核" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None


def test_pledge_agreement_and_overdue(world, login_as):
    client = login_as(world["ent"])
    _pledge(client, world["proposal"])
    pledge = db.session.scalar(sa.select(Pledge))
    page = client.get(f"/pledges/{pledge.id}/agreement").get_data(as_text=True)
    for text in (
        pledge.enterprise.name,
        pledge.enterprise.credit_code,
        "¥30,000.00",
        world["proposal"].title,
        "银行转账",
    ):
        assert text in page
    pledge.due_date = today() - timedelta(days=1)
    db.session.commit()
    assert "逾期" in client.get("/pledges").get_data(as_text=True)
    assert "逾期" in login_as(world["staff"]).get("/pledges").get_data(as_text=True)


def _fund_and_reserve(world, login_as):
    client = login_as(world["ent"])
    _pledge(client, world["proposal"])
    pledge = db.session.scalar(sa.select(Pledge))
    staff = login_as(world["staff"])
    page = staff.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    staff.post(
        f"/pledges/{pledge.id}/confirm",
        data={"receipt_no": "R-1", "received_on": today().isoformat(), "key": _key(page)},
    )
    grant = world["grant"]
    page = staff.get(f"/grants/{grant.id}/reserve").get_data(as_text=True)
    fields = dict(re.findall(r'name="(src-[^"]+)" value="([^"]+)"', page))
    assert sorted(fields.values()) == ["10000.00", "20000.00", "30000.00"]
    staff.post(f"/grants/{grant.id}/reserve", data={**fields, "key": _key(page)})
    db.session.refresh(grant)
    return staff, grant


def test_reserve_grant_from_pledge_match_and_program(world, login_as):
    _staff, grant = _fund_and_reserve(world, login_as)
    assert grant.reserved_at is not None
    assert balance(AccountKind.GRANT_RESERVED, grant.id) == 6_000_000
    assert balance(AccountKind.PROJECT_FUND, world["proposal"].id) == 0
    page = login_as(world["ent"]).get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "¥30,000.00" in page.split('id="my-share"')[1][:200]
    assert violations() == []


def test_tranches_midterm_two_person_rule_and_final(world, login_as, app, monkeypatch):
    staff, grant = _fund_and_reserve(world, login_as)
    monkeypatch.setitem(app.config, "TWO_PERSON_THRESHOLD_FEN", 2_000_000)
    report = {
        "activities": "助餐 60 次",
        "beneficiaries_served": "80",
        "spending-0-line": "餐费",
        "spending-0-amount": "10000",
    }
    member = login_as(world["member"])
    assert (
        member.post(
            f"/grants/{grant.id}/tranches/2/request", data=report, follow_redirects=True
        ).status_code
        == 200
    )
    assert grant.tranches[1].state == TrancheState.PENDING  # tranche 1 comes first
    member.post(f"/grants/{grant.id}/tranches/1/request", data=report)
    db.session.refresh(grant)
    assert grant.tranches[0].state == TrancheState.REQUESTED
    staff = login_as(world["staff"])
    page = staff.get(f"/grants/{grant.id}").get_data(as_text=True)
    staff.post(f"/grants/{grant.id}/tranches/1/sign", data={"key": _key(page)})
    db.session.refresh(grant)
    assert grant.tranches[0].state == TrancheState.SIGNED
    assert balance(AccountKind.PAYEE, world["member"].party_id) == 0
    page = staff.get(f"/grants/{grant.id}").get_data(as_text=True)
    staff.post(f"/grants/{grant.id}/tranches/1/sign", data={"key": _key(page)})
    db.session.refresh(grant)
    assert grant.tranches[0].state == TrancheState.SIGNED  # the same person cannot sign twice
    other = login_as(world["staff2"])
    page = other.get(f"/grants/{grant.id}").get_data(as_text=True)
    other.post(f"/grants/{grant.id}/tranches/1/sign", data={"key": _key(page)})
    db.session.refresh(grant)
    assert grant.tranches[0].state == TrancheState.PAID
    assert balance(AccountKind.PAYEE, world["member"].party_id) == 3_000_000
    member = login_as(world["member"])
    member.post(f"/grants/{grant.id}/tranches/2/request", data=report)
    db.session.refresh(grant)
    assert grant.tranches[1].state == TrancheState.PENDING  # mid-term review first
    login_as(world["staff"]).post(f"/grants/{grant.id}/midterm")
    db.session.refresh(grant)
    assert grant.state == GrantState.MIDTERM_PASSED
    assert violations() == []


def test_terminate_returns_unpaid_money(world, login_as):
    staff, grant = _fund_and_reserve(world, login_as)
    page = staff.get(f"/grants/{grant.id}").get_data(as_text=True)
    staff.post(
        f"/grants/{grant.id}/terminate",
        data={"note": "机构停止运营", "breach": "y", "key": _key(page)},
    )
    db.session.refresh(grant)
    assert grant.state == GrantState.TERMINATED and grant.breach
    assert balance(AccountKind.GRANT_RESERVED, grant.id) == 0
    assert balance(AccountKind.PROJECT_FUND, world["proposal"].id) == 5_000_000
    assert db.session.scalar(sa.select(Pledge)).state == PledgeState.RECEIVED
    movements = staff.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "终止" in movements or "Returned on termination" in movements
    assert violations() == []


def test_two_way_ratings(world, login_as):
    grant = world["grant"]
    worker = login_as(world["worker"])
    worker.post(f"/grants/{grant.id}/rate", data={"score": "5", "comment": "居民很满意"})
    assert "居民很满意" in worker.get(f"/grants/{grant.id}").get_data(as_text=True)
    worker.post(f"/grants/{grant.id}/rate", data={"score": "1", "comment": "again"})
    assert "again" not in worker.get(f"/grants/{grant.id}").get_data(as_text=True)


def test_transparency_figures_come_from_the_ledger(world, login_as, client):
    _fund_and_reserve(world, login_as)
    client.post("/logout")
    page = client.get("/transparency").get_data(as_text=True)
    row = page.split(f'data-program="{world["program"].id}"')[1].split("</tr>")[0]
    # raised: ¥500,000 program budget + ¥30,000 project pledge; reserved ¥60,000; paid 0;
    # available: 500,000 - 10,000 (reserved) - 20,000 (match moved out) = 470,000
    assert re.findall(r"¥[\d,]+\.\d\d", row) == [
        "¥530,000.00",
        "¥60,000.00",
        "¥0.00",
        "¥470,000.00",
    ]
    csv_text = client.get("/transparency/programs.csv").data.decode("utf-8-sig")
    assert "530000.00" in csv_text and "470000.00" in csv_text


def test_rating_feeds_the_profile(world, login_as, client):
    grant = world["grant"]
    login_as(world["worker"]).post(f"/grants/{grant.id}/rate", data={"score": "4"})
    page = client.get(f"/organizations/{world['member'].party_id}").get_data(as_text=True)
    assert "在执行 1 个，已结项 0 个" in page and "社区评分 4.0 / 5" in page


def test_grant_list_shows_each_role_only_its_grants(world, make, login_as):
    _staff, grant = _fund_and_reserve(world, login_as)
    title = grant.proposal.title
    for user, sees in (
        (world["ent"], True),
        (world["member"], True),
        (world["worker"], True),
        (world["staff"], True),
        (make.user(Role.ENTERPRISE_MEMBER), False),
        (make.user(Role.ORG_MEMBER), False),
        (make.user(Role.REVIEWER), False),
    ):
        page = login_as(user).get("/grants").get_data(as_text=True)
        assert (title in page) is sees, user.role


def test_no_pledge_to_a_project_whose_grant_is_reserved(world, login_as):
    _fund_and_reserve(world, login_as)
    client = login_as(world["ent"])
    assert world["proposal"].title not in client.get("/pledges/new").get_data(as_text=True)
    _page, response = _pledge(client, world["proposal"], confirm=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1
    assert response.status_code == 200
