"""Fairs: set-up, shortlists per enterprise, paddle raises, the live board, pledges, report."""

import re
from datetime import date
from uuid import uuid4

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.audit.models import AuditRecord
from funding.dates import today
from funding.extensions import db
from funding.matchmaking.models import Fair, FairIntent, IntentState
from funding.notifications.models import Notification
from funding.pledges.models import Pledge, PledgeState, PledgeTarget
from funding.pledges.services import confirm_instalment
from tests import factories as make
from tests.funding.test_matchmaking import QINGBO, approved, build_world


@pytest.fixture
def fair_world():
    """The matchmaking world plus a second project and a second enterprise (youth work)."""
    world = build_world()
    youth_org = make.organization(name="青苗成长中心", categories=[make.category("I")])
    second = approved(
        make.user(Role.ORG_MEMBER, party=youth_org),
        "四点半课堂",
        3_000_000,
        category_code="I",
        program=world.project.program,
    )
    other = make.enterprise(name="西湖青少年基金企业")
    other.categories = [make.category("I")]
    other.streets = [make.street(QINGBO)]
    db.session.commit()
    other_member = make.user(Role.ENTERPRISE_MEMBER, party=other)
    return world, second, other, other_member


def _set_up(client, world, second, other) -> Fair:
    client.post(
        "/fairs/new",
        data={"name": "清波公益创投相亲会", "held_on": "2027-05-20", "place": "清波街道文化中心"},
    )
    fair = db.session.scalar(sa.select(Fair))
    client.post(f"/fairs/{fair.id}/projects", data={"projects": [world.project.id, second.id]})
    client.post(
        f"/fairs/{fair.id}/invitations", data={"enterprises": [world.enterprise.id, other.id]}
    )
    db.session.refresh(fair)
    return fair


def test_a_fair_from_set_up_to_report(fair_world, login_as):
    world, second, other, other_member = fair_world
    second.needs = [make.need(title="放学后无人看护")]
    db.session.commit()
    staff = login_as(world.staff)
    fair = _set_up(staff, world, second, other)
    assert (fair.name, fair.held_on, fair.place) == (
        "清波公益创投相亲会",
        date(2027, 5, 20),
        "清波街道文化中心",
    )
    assert [p.id for p in fair.projects] == sorted([world.project.id, second.id])
    assert {e.id for e in fair.enterprises} == {world.enterprise.id, other.id}
    invited = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.key == "fair_invited")
    ).all()
    assert sorted(invited) == sorted([world.ent_member.id, other_member.id])

    # Each enterprise's own shortlist: the project that fits its causes, with reasons.
    page = login_as(other_member).get(f"/fairs/{fair.id}?lang=en").get_data(as_text=True)
    shortlist = page[page.index('id="shortlist"') : page.index('id="paddle"')]
    assert "四点半课堂" in shortlist and "长者助餐服务" not in shortlist
    assert "Funder supports Services for young people" in shortlist
    page = login_as(world.ent_member).get(f"/fairs/{fair.id}?lang=en").get_data(as_text=True)
    shortlist = page[page.index('id="shortlist"') : page.index('id="paddle"')]
    assert "长者助餐服务" in shortlist and "四点半课堂" not in shortlist

    # Paddle raises: staff for one enterprise, the other enterprise for itself.
    staff = login_as(world.staff)
    staff.post(
        f"/fairs/{fair.id}/intents",
        data={
            "proposal_id": world.project.id,
            "enterprise_id": world.enterprise.id,
            "amount_fen": "20000",
        },
    )
    member = login_as(other_member)
    member.post(
        f"/fairs/{fair.id}/intents",
        data={"proposal_id": second.id, "enterprise_id": other.id, "amount_fen": "15,000"},
    )
    intents = db.session.scalars(sa.select(FairIntent).order_by(FairIntent.id)).all()
    assert [(i.enterprise_id, i.proposal_id, i.amount_fen, i.state) for i in intents] == [
        (world.enterprise.id, world.project.id, 2_000_000, IntentState.INTENT),
        (other.id, second.id, 1_500_000, IntentState.INTENT),
    ]
    assert intents[0].recorded_by_id == world.staff.id
    assert intents[1].recorded_by_id == other_member.id

    # The live board: one bar per project, refreshing itself.
    board = login_as(world.staff).get(f"/fairs/{fair.id}/board?lang=en")
    assert board.headers["Refresh"] == "10"
    text = board.get_data(as_text=True)
    first = text[text.index(f'data-project="{world.project.id}"') :]
    assert "¥20,000.00</span> / ¥25,000.00 · 80%" in first
    assert 'class="bar-intended" x="0" y="0" width="800"' in first

    # The enterprise confirms its raise: a pledge to the project (a repeat changes nothing).
    member = login_as(other_member)
    key = uuid4().hex
    form = {f"i{intents[1].id}-due_date": "2027-06-30", f"i{intents[1].id}-key": key}
    member.post(f"/fairs/{fair.id}/intents/{intents[1].id}/confirm", data=form)
    member.post(f"/fairs/{fair.id}/intents/{intents[1].id}/confirm", data=form)
    pledges = db.session.scalars(sa.select(Pledge)).all()
    made = [p for p in pledges if p.target == PledgeTarget.PROJECT]
    assert [(p.enterprise_id, p.proposal_id, p.amount_fen, p.state) for p in made] == [
        (other.id, second.id, 1_500_000, PledgeState.PLEDGED)
    ]
    assert made[0].due_date == date(2027, 6, 30)
    db.session.refresh(intents[1])
    assert intents[1].state == IntentState.CONFIRMED and intents[1].pledge_id == made[0].id

    # The staff withdraw the other raise; the money of the pledge arrives.
    login_as(world.staff).post(f"/fairs/{fair.id}/intents/{intents[0].id}/withdraw")
    db.session.refresh(intents[0])
    assert intents[0].state == IntentState.WITHDRAWN
    confirm_instalment(world.staff, made[0].instalments[0], "R-2027-001", today(), uuid4().hex)

    board = login_as(world.staff).get(f"/fairs/{fair.id}/board").get_data(as_text=True)
    second_bar = board[board.index(f'data-project="{second.id}"') :]
    assert "¥15,000.00</span> / ¥30,000.00 · 50%" in second_bar
    assert 'class="bar-pledged" x="0" y="0" width="500"' in second_bar

    report = login_as(world.staff).get(f"/fairs/{fair.id}/report?lang=en").get_data(as_text=True)
    by_project = report[report.index('id="by-project"') : report.index('id="by-enterprise"')]
    row = by_project[by_project.index("四点半课堂") :].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")]
    assert cells[1:10] == [
        "1",
        "¥15,000.00",
        "¥15,000.00",
        "¥15,000.00",
        "¥0.00",
        "100%",
        "100%",
        "0%",
        "0%",
    ]
    by_enterprise = report[report.index('id="by-enterprise"') :]
    row = by_enterprise[by_enterprise.index("杭州暖阳科技有限公司") :].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")]
    assert cells[1:8] == ["1", "¥20,000.00", "¥0.00", "¥0.00", "¥0.00", "0%", "—"]
    assert "¥35,000.00" in report[report.index('id="funnel"') :], "all raises in total"
    chart = re.search(r'<figure class="chart" id="chart-by-project">.*?</figure>', report, re.S)
    assert "四点半课堂 · Raised: ¥15,000.00" in chart.group(0), "the bar shows the table's figure"
    assert "<script" not in chart.group(0)
    by_program = report[report.index('id="by-program"') : report.index('id="by-enterprise"')]
    assert "¥35,000.00" in by_program, "both projects are in the same program"
    assert 'id="chart-by-enterprise"' in report
    answered = report[report.index('id="needs-answered"') :].split("</table>")[0]
    assert "放学后无人看护" in answered, "the project with a pledge answers its need"
    assert all(n.title not in answered for n in world.project.needs), "a withdrawn raise does not"
    chinese = login_as(world.staff).get(f"/fairs/{fair.id}/report?lang=zh").get_data(as_text=True)
    assert "各资助计划举牌金额" in chinese and "已回应的社区需求" in chinese
    actions = set(db.session.scalars(sa.select(AuditRecord.action)))
    assert {
        "fair.create",
        "fair.projects",
        "fair.invite",
        "fair.intent",
        "fair.confirm",
        "fair.withdraw",
    } <= actions


def test_only_invited_enterprises_see_a_fair_and_only_their_own_raises(fair_world, login_as):
    world, second, other, other_member = fair_world
    fair = _set_up(login_as(world.staff), world, second, other)
    stranger = make.user(Role.ENTERPRISE_MEMBER)
    client = login_as(stranger)
    assert client.get(f"/fairs/{fair.id}").status_code == 404
    assert client.get(f"/fairs/{fair.id}/board").status_code == 404
    assert "清波公益创投相亲会" not in client.get("/fairs").get_data(as_text=True)
    assert (
        client.post(
            f"/fairs/{fair.id}/intents",
            data={
                "proposal_id": second.id,
                "enterprise_id": stranger.party_id,
                "amount_fen": "100",
            },
        ).status_code
        == 404
    )

    member = login_as(world.ent_member)
    member.post(
        f"/fairs/{fair.id}/intents",
        data={"proposal_id": second.id, "enterprise_id": other.id, "amount_fen": "500"},
    )
    intent = db.session.scalar(sa.select(FairIntent))
    assert intent.enterprise_id == world.enterprise.id, "a member raises for its own enterprise"
    other_client = login_as(other_member)
    form = {f"i{intent.id}-due_date": "2027-06-30", f"i{intent.id}-key": uuid4().hex}
    response = other_client.post(f"/fairs/{fair.id}/intents/{intent.id}/confirm", data=form)
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1, (
        "only the world's pledge to the pool"
    )
    assert other_client.get(f"/fairs/{fair.id}/report").status_code == 403


def test_shortlist_takes_only_projects_short_of_money(fair_world, login_as):
    world, second, other, _ = fair_world
    staff = login_as(world.staff)
    fair = _set_up(staff, world, second, other)
    draft = make.proposal(make.user(Role.ORG_MEMBER))
    page = staff.post(
        f"/fairs/{fair.id}/projects?lang=en",
        data={"projects": [draft.id]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "cannot be shortlisted" in page
    db.session.refresh(fair)
    assert draft not in fair.projects and len(fair.projects) == 2
    form = staff.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert f'value="{draft.id}"' not in form and f'value="{second.id}"' in form
