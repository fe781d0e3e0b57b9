"""Money through the pages: pledge with the matching estimate, receipt, reservation,
tranche requests and sign-offs, termination, ratings, transparency."""

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from funding.accounts.models import Role
from funding.dates import today
from funding.extensions import db
from funding.grants.models import GrantState, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import Account, AccountKind
from funding.ledger.services import balance
from funding.notifications.models import Notification
from funding.pledges.models import Pledge, PledgeState
from funding.proposals import services as proposals
from funding.proposals.models import ProposalState
from tests.funding.money_helpers import budget_for, pledge_money_in


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
        **budget_for(6_000_000),
    )
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
    return re.search(r'name="key" (?:type="hidden" )?value="([0-9a-f]+)"', page).group(1)


def pledge_form(proposal, amount="30000", **extra) -> dict:
    return {
        "target": "project",
        "proposal_id": proposal.id,
        "program_id": 0,
        "category_code": "",
        "amount": amount,
        "payment_method": "bank_transfer",
        "due_date": (today() + timedelta(days=20)).isoformat(),
        "if_unused": "program",
        "key": "k1",
        **extra,
    }


def form_fields(page: str, action: str) -> MultiDict:
    """The inputs of the page's form posting to ``action``, as the browser would send them."""
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    return MultiDict(
        (html.unescape(n), html.unescape(v))
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    )


def _pledge(client, proposal, amount="30000", confirm=True):
    """Preview a project pledge, then (by default) confirm what the preview page carries."""
    page = client.post("/pledges/new", data=pledge_form(proposal, amount)).get_data(as_text=True)
    if not confirm:
        return page, None
    return page, client.post("/pledges/confirm", data=form_fields(page, "/pledges/confirm"))


def _receive(staff, pledge):
    """Staff record each instalment still due on the pledge's page."""
    for instalment in list(pledge.open_instalments):
        page = staff.get(f"/pledges/{pledge.id}").get_data(as_text=True)
        staff.post(
            f"/pledges/{pledge.id}/receipt",
            data={
                "instalment": instalment.id,
                "receipt_no": f"R-{instalment.id}",
                "received_on": today().isoformat(),
                "key": _key(page),
            },
        )


def test_pledge_shows_the_matching_estimate_then_posts_the_same(world, login_as):
    client = login_as(world["ent"])
    page, response = _pledge(client, world["proposal"])
    assert "¥30,000.00" in page and "¥50,000.00" in page and "¥20,000.00" in page
    assert response.status_code == 302
    pledge = db.session.scalar(sa.select(Pledge))
    assert pledge.state == PledgeState.PLEDGED and pledge.promised_match_fen == 2_000_000
    assert balance(AccountKind.PLEDGES_RECEIVABLE, world["ent"].party_id) == 3_000_000
    _receive(login_as(world["staff"]), pledge)
    db.session.refresh(pledge)
    assert pledge.state == PledgeState.RECEIVED and pledge.matched_fen == 2_000_000
    assert balance(AccountKind.PROJECT_FUND, world["proposal"].id) == 5_000_000
    assert violations() == []


def test_preview_never_pledges(world, login_as):
    """Changing the amount and pressing "Preview" (even with a stray confirm field) only
    previews: nothing is pledged until the donor confirms what the preview showed."""
    client = login_as(world["ent"])
    page = client.post(
        "/pledges/new", data=pledge_form(world["proposal"], "990", confirm="1")
    ).get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None
    assert 'id="confirm-pledge"' in page and "¥990.00" in page
    # the confirmation carries the amount and the match that were shown
    fields = dict(form_fields(page, "/pledges/confirm"))
    assert fields["amount"] == "990" and fields["shown"] == "99000:99000"


def test_a_confirmation_carrying_other_figures_is_refused(world, login_as):
    client = login_as(world["ent"])
    page, _ = _pledge(client, world["proposal"], "10000", confirm=False)
    fields = form_fields(page, "/pledges/confirm")
    tampered = MultiDict((n, "20000" if n == "amount" else v) for n, v in fields.items(multi=True))
    refused = client.post("/pledges/confirm?lang=en", data=tampered).get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None
    assert "changed since you saw it" in refused and 'id="confirm-pledge"' in refused
    assert 'data-amount="2000000"' in refused  # the new figures, to check and confirm again
    wrong_match = MultiDict(
        (n, "1000000:0" if n == "shown" else v) for n, v in fields.items(multi=True)
    )
    refused = client.post("/pledges/confirm?lang=en", data=wrong_match).get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None
    assert "The matching gift changed from ¥0.00 to ¥10,000.00" in refused
    assert client.post("/pledges/confirm", data=fields).status_code == 302
    assert db.session.scalar(sa.select(Pledge)).amount_fen == 1_000_000


def test_a_project_pledge_above_its_need_offers_the_rest_to_the_program(world, login_as):
    client = login_as(world["ent"])
    page = client.post(
        "/pledges/new?lang=en", data=pledge_form(world["proposal"], "70000")
    ).get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None
    # ¥60,000 approved and nothing pledged yet; ¥40,000 with its ¥20,000 matching is exactly
    # what it needs
    assert "This project still needs only ¥60,000.00" in page
    assert 'id="fit-split"' in page and "¥40,000.00 to the project, ¥30,000.00" in page
    page = client.post(
        "/pledges/new?lang=en", data=pledge_form(world["proposal"], "80000", fit="split")
    ).get_data(as_text=True)
    parts = re.findall(r'data-amount="(\d+)"', page)
    assert parts == ["4000000", "4000000"]
    response = client.post("/pledges/confirm", data=form_fields(page, "/pledges/confirm"))
    assert response.status_code == 302
    made = db.session.scalars(sa.select(Pledge).order_by(Pledge.id)).all()
    assert [(p.target.value, p.amount_fen, p.promised_match_fen) for p in made] == [
        ("project", 4_000_000, 2_000_000),
        ("program", 4_000_000, 0),
    ]
    assert made[1].program_id == world["program"].id
    assert violations() == []


def test_instalments_are_a_schedule_received_one_by_one(world, login_as):
    client = login_as(world["ent"])
    soon, later = today() + timedelta(days=10), today() + timedelta(days=40)
    form = pledge_form(
        world["proposal"],
        "30000",
        **{
            "due_date": "",
            "schedule-0-due_date": soon.isoformat(),
            "schedule-0-amount": "10000",
            "schedule-1-due_date": later.isoformat(),
            "schedule-1-amount": "20000",
        },
    )
    wrong = client.post("/pledges/new?lang=en", data={**form, "schedule-1-amount": "5000"})
    assert "The instalments add up to ¥15,000.00, not the ¥30,000.00 pledged." in wrong.get_data(
        as_text=True
    )
    page = client.post("/pledges/new", data=form).get_data(as_text=True)
    client.post("/pledges/confirm", data=form_fields(page, "/pledges/confirm"))
    pledge = db.session.scalar(sa.select(Pledge))
    assert [(i.due_date, i.amount_fen) for i in pledge.instalments] == [
        (soon, 1_000_000),
        (later, 2_000_000),
    ]
    staff = login_as(world["staff"])
    detail = staff.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    staff.post(
        f"/pledges/{pledge.id}/receipt",
        data={
            "instalment": pledge.instalments[0].id,
            "receipt_no": "R-1",
            "received_on": today().isoformat(),
            "key": _key(detail),
        },
    )
    db.session.refresh(pledge)
    assert pledge.state == PledgeState.PARTLY_RECEIVED
    assert pledge.received_fen == 1_000_000 and pledge.matched_fen == 666_666
    assert balance(AccountKind.PLEDGES_RECEIVABLE, world["ent"].party_id) == 2_000_000
    # overdue is per instalment: only the second, once its date has passed
    pledge.instalments[1].due_date = today() - timedelta(days=1)
    db.session.commit()
    due = staff.get("/staff/instalments").get_data(as_text=True)
    assert due.count('data-overdue="1"') == 1
    assert "Overdue" in login_as(world["ent"]).get("/pledges?lang=en").get_data(as_text=True)
    assert violations() == []


def test_unverified_enterprise_cannot_pledge(world, make, login_as):
    user = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise(verified=False))
    _page, response = _pledge(login_as(user), world["proposal"])
    assert "尚未通过基金会审核" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Pledge)) is None


def test_pledge_agreement_shows_the_match_and_capitals(world, login_as):
    client = login_as(world["ent"])
    _pledge(client, world["proposal"])
    pledge = db.session.scalar(sa.select(Pledge))
    page = client.get(f"/pledges/{pledge.id}/agreement").get_data(as_text=True)
    for text in (
        pledge.enterprise.name,
        pledge.enterprise.credit_code,
        "¥30,000.00",
        "人民币叁万元整",
        "¥20,000.00",
        "人民币贰万元整",
        "¥50,000.00",
        world["proposal"].title,
        "银行转账",
        "项目所属资助计划",
    ):
        assert text in page, text


def _fund_and_reserve(world, login_as):
    client = login_as(world["ent"])
    _pledge(client, world["proposal"])
    pledge = db.session.scalar(sa.select(Pledge))
    staff = login_as(world["staff"])
    _receive(staff, pledge)
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
    # the project's gift and its matching cannot reach it now: they went to its program, as
    # the donor's agreement says, and the donor was told
    assert balance(AccountKind.PROJECT_FUND, world["proposal"].id) == 0
    pledge = db.session.scalar(sa.select(Pledge))
    assert pledge.state == PledgeState.RECEIVED
    fund = db.session.scalar(
        sa.select(Account).filter_by(kind=AccountKind.PROGRAM_FUND, ref=str(world["program"].id))
    )
    assert pledge_money_in(fund, pledge.id) == 3_000_000
    assert (
        "pledge_money_to_program"
        in db.session.scalars(
            sa.select(Notification.key).where(Notification.user_id == world["ent"].id)
        ).all()
    )
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
    page = client.get("/transparency?lang=en").get_data(as_text=True)
    table = page[page.index('id="program-figures"') :]
    name = world["program"].name_en
    row = table[table.index(f"<td>{name}</td>") :].split("</tr>")[0]
    # raised: ¥500,000 program budget + ¥30,000 project gift; reserved ¥60,000 (the gift, its
    # ¥20,000 matching, ¥10,000 of the program's own); the fund keeps ¥470,000, all free
    assert re.findall(r"¥[\d,]+\.\d\d", row) == [
        "¥530,000.00",  # raised
        "¥0.00",  # from shared funds
        "¥0.00",  # refunded
        "¥0.00",  # paid
        "¥60,000.00",  # reserved
        "¥0.00",  # for projects
        "¥0.00",  # committed
        "¥470,000.00",  # available
        "¥20,000.00",  # matching added
        "¥0.00",  # pledged, not yet arrived
    ]
    assert "Raised + from shared funds − refunded to donors = paid + reserved" in page
    # the programs page shows the same figure for what is left
    programs = client.get("/programs?lang=en").get_data(as_text=True)
    assert "¥470,000.00" in programs.split(f'data-money-left="{world["program"].id}"')[1][:40]
    csv_text = client.get("/transparency/programs.csv?lang=en").data.decode("utf-8-sig")
    line = next(x for x in csv_text.splitlines() if x.startswith(name))
    assert line.split(",")[1:9] == [
        "530000.00",
        "0.00",
        "0.00",
        "0.00",
        "60000.00",
        "0.00",
        "0.00",
        "470000.00",
    ]
    assert csv_text.splitlines()[-1].startswith("Total,")


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
    page = client.post("/pledges/new?lang=en", data=pledge_form(world["proposal"])).get_data(
        as_text=True
    )
    assert 'id="confirm-pledge"' not in page
    response = client.post(
        "/pledges/confirm", data={**pledge_form(world["proposal"]), "shown": "3000000:0"}
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1
    assert response.status_code == 200
