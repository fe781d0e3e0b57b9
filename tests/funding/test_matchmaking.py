"""Matchmaking in the platform: the adapter, stored runs, acceptance, panels, picture, CLI."""

import json
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

import matching
from funding.accounts.models import Role, User
from funding.audit.models import AuditRecord
from funding.directory.models import Enterprise, Need, NeedStatus, Organization
from funding.extensions import db, utcnow
from funding.grants.models import CommunityRating, Grant, GrantState
from funding.matchmaking import services
from funding.matchmaking.adapter import open_needs, snapshot_data
from funding.matchmaking.models import BatchState, MatchBatch, MatchPairing, PairingState
from funding.matchmaking.suggestions import organizations_for_need
from funding.money import format_fen
from funding.notifications.models import Notification
from funding.pledges.models import PaymentMethod, PledgeTarget
from funding.pledges.services import PledgeData, create_pledge, single
from funding.proposals.models import Proposal, ProposalState
from tests import factories as make
from tests.funding.statements import get_counting

QINGBO = "330102001"


def pledge(member: User, amount_fen: int) -> None:
    """An enterprise's pledge to the general pool, through the pledge service."""
    data = PledgeData(
        target=PledgeTarget.POOL,
        amount_fen=amount_fen,
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=single(amount_fen, date.today() + timedelta(days=30)),
    )
    create_pledge(member, member.party, data, uuid4().hex)


def approved(member: User, title: str, amount_fen: int, **fields) -> Proposal:
    return make.proposal(
        member,
        state=ProposalState.APPROVED,
        title=title,
        approved_amount_fen=amount_fen,
        decided_at=utcnow(),
        disclosure_until=date.today() + timedelta(days=5),
        **fields,
    )


@dataclass
class World:
    staff: User
    org_member: User
    ent_member: User
    org: Organization
    enterprise: Enterprise
    meals: Need
    youth: Need
    project: Proposal


def build_world(*, program_money: int = 0) -> World:
    """Two open needs in Qingbo (one no organization can serve) and one approved project.

    Money comes from one enterprise's pledges (¥80,000, elderly care in Qingbo), plus a program
    fund when ``program_money`` is given.
    """
    staff = make.user(Role.STAFF)
    org = make.organization(
        name="清波助老服务中心",
        categories=[make.category("H")],
        streets=[make.street(QINGBO)],
        capacity=3,
        description="为老服务，助餐，探访独居老人",
    )
    org_member = make.user(Role.ORG_MEMBER, party=org)
    ent = make.enterprise(name="杭州暖阳科技有限公司")
    ent.categories = [make.category("H")]
    ent.streets = [make.street(QINGBO)]
    db.session.commit()
    ent_member = make.user(Role.ENTERPRISE_MEMBER, party=ent)
    pledge(ent_member, 8_000_000)
    meals = make.need(title="清波门长者助餐", budget_estimate_fen=3_000_000)
    youth = make.need(
        title="青少年四点半课堂", category=make.category("I"), budget_estimate_fen=2_000_000
    )
    program = make.program(budget_fen=program_money, categories=[make.category("H")])
    project = approved(org_member, "长者助餐服务", 2_500_000, program=program)
    return World(staff, org_member, ent_member, org, ent, meals, youth, project)


@pytest.fixture
def world() -> World:
    return build_world()


def test_adapter_turns_rows_into_a_valid_instance(world):
    other = make.organization(categories=[make.category("H")], capacity=3)
    make.organization(verified=False, name="未审核机构")
    make.need(title="已满足的需求", status=NeedStatus.MET)
    program = world.project.program
    running = approved(world.org_member, "进行中项目", 1_000_000, program=program)
    running.state = ProposalState.AGREEMENT_SIGNED
    done = approved(
        make.user(Role.ORG_MEMBER, party=other), "已完成项目", 1_000_000, program=program
    )
    done.state = ProposalState.AGREEMENT_SIGNED
    db.session.add_all(
        [
            Grant(proposal=running, amount_fen=1_000_000, reserved_at=utcnow()),
            finished := Grant(
                proposal=done,
                amount_fen=1_000_000,
                state=GrantState.COMPLETED,
                reserved_at=utcnow(),
            ),
        ]
    )
    db.session.flush()
    db.session.add(
        CommunityRating(
            grant_id=finished.id, community_id=make.community().id, user_id=world.staff.id, score=4
        )
    )
    db.session.commit()

    data = snapshot_data()
    instance = matching.parse_instance(data)
    needs = {n["id"]: n for n in data["needs"]}
    assert set(needs) == {
        f"need-{world.meals.id}",
        f"need-{world.youth.id}",
        f"project-{world.project.id}",
    }
    meals = needs[f"need-{world.meals.id}"]
    assert (meals["street"], meals["community"], meals["category"], meals["budget_fen"]) == (
        QINGBO,
        f"community-{world.meals.community_id}",
        "H",
        3_000_000,
    )
    assert data["names"]["zh"][meals["community"]] == "清波门社区"
    assert data["names"]["en"]["H"] == instance.names["en"]["H"] != "H"
    assert meals["text"].startswith("清波门长者助餐") and meals["organization"] is None
    project = needs[f"project-{world.project.id}"]
    assert project["organization"] == f"org-{world.org.id}"
    assert project["budget_fen"] == 2_500_000
    assert project["community"] == f"community-{world.project.communities[0].id}"

    orgs = {o["id"]: o for o in data["organizations"]}
    assert "未审核机构" not in json.dumps(data, ensure_ascii=False)
    assert orgs[f"org-{world.org.id}"]["capacity"] == 3 - 1  # one active grant
    assert orgs[f"org-{world.org.id}"]["rating"] is None
    rated = orgs[f"org-{other.id}"]
    assert (rated["capacity"], rated["rating"], rated["completed"]) == (3, 4.0, 1)
    funders = {f["id"]: f for f in data["funders"]}
    assert funders[f"enterprise-{world.enterprise.id}"] == {
        "id": f"enterprise-{world.enterprise.id}",
        "budget_fen": 8_000_000,
        "categories": ["H"],
        "streets": [QINGBO],
    }
    assert f"program-{program.id}" not in funders, "an empty program fund offers nothing"
    assert len(instance.needs) == 3


def test_program_funds_are_funders_with_their_cap(make):
    prog = make.program(budget_fen=50_000_000, max_grant_fen=4_000_000)
    funders = {f["id"]: f for f in snapshot_data()["funders"]}
    assert funders[f"program-{prog.id}"]["budget_fen"] == 50_000_000
    assert funders[f"program-{prog.id}"]["max_per_need_fen"] == 4_000_000


def test_staff_run_a_batch_and_see_pairings_and_reasons(world, login_as):
    client = login_as(world.staff)
    response = client.post("/matchmaking/run")
    batch = db.session.scalar(sa.select(MatchBatch))
    assert response.headers["Location"].endswith(f"/matchmaking/batches/{batch.id}")
    assert batch.state == BatchState.DONE and batch.finished_at is not None

    instance = matching.parse_instance(batch.instance)
    result = matching.parse_result(batch.result)
    assert matching.verify(instance, result) == []
    assert batch.summary["funded"] == 2 and batch.summary["needs"] == 3
    assert batch.summary["funded_fen"] == 5_500_000 and batch.summary["demand_fen"] == 7_500_000
    funded = {p.need_ref for p in batch.pairings}
    assert funded == {f"need-{world.meals.id}", f"project-{world.project.id}"}

    page = client.get(f"/matchmaking/batches/{batch.id}?lang=en").get_data(as_text=True)
    assert (
        "清波门长者助餐" in page and "清波助老服务中心" in page and "杭州暖阳科技有限公司" in page
    )
    assert "Same service area: Services for older people" in page
    assert "青少年四点半课堂" in page and "No organization provides" in page
    assert "¥55,000.00" in page and "73% of demand funded" in page
    zh = client.get(f"/matchmaking/batches/{batch.id}?lang=zh").get_data(as_text=True)
    assert "服务领域一致：为老服务" in zh
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditRecord.action == "match.batch_done")
        )
        == 1
    )


def test_accepting_a_pairing_invites_the_organization_and_the_enterprise(world, login_as):
    batch = services.run_batch(world.staff)
    meals = next(p for p in batch.pairings if p.need_ref == f"need-{world.meals.id}")
    client = login_as(world.staff)
    client.post(f"/matchmaking/batches/{batch.id}/accept", data={"pairings": [meals.id]})
    db.session.refresh(meals)
    assert meals.state == PairingState.ACCEPTED and meals.accepted_by_id == world.staff.id
    others = [p for p in batch.pairings if p.id != meals.id]
    assert all(p.state == PairingState.PROPOSED for p in others)
    notes = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    by_user = {(n.user_id, n.key) for n in notes if n.key.startswith("match_")}
    assert by_user == {
        (world.org_member.id, "match_propose"),
        (world.ent_member.id, "match_back_need"),
    }
    inbox = login_as(world.org_member).get("/notifications?lang=en").get_data(as_text=True)
    assert "invites you to propose a project for the need “清波门长者助餐”" in inbox
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "match.accept"))
    assert record.after == {"pairings": [meals.id], "invited": 2}


def test_bulk_accept_and_nothing_left_to_accept(world, login_as):
    batch = services.run_batch(world.staff)
    client = login_as(world.staff)
    ids = [p.id for p in batch.pairings]
    client.post(f"/matchmaking/batches/{batch.id}/accept", data={"pairings": ids})
    states = db.session.scalars(sa.select(MatchPairing.state)).all()
    assert states == [PairingState.ACCEPTED] * len(ids)
    project_note = db.session.scalar(
        sa.select(Notification).where(Notification.key == "match_back_project")
    )
    assert project_note.link == f"/pledges/new?proposal={world.project.id}"
    again = client.post(
        f"/matchmaking/batches/{batch.id}/accept?lang=en",
        data={"pairings": ids},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "None of the chosen pairings is still waiting to be accepted." in again


def test_a_run_in_progress_shows_a_page_that_refreshes_itself(world, login_as):
    batch = services.queue_batch(world.staff)
    response = login_as(world.staff).get(f"/matchmaking/batches/{batch.id}?lang=en")
    assert response.headers["Refresh"] == "2"
    assert "Waiting to start" in response.get_data(as_text=True)
    services.execute_batch(batch)
    done = login_as(world.staff).get(f"/matchmaking/batches/{batch.id}")
    assert "Refresh" not in done.headers and 'id="pairings"' in done.get_data(as_text=True)


def test_a_failed_run_is_stored_with_its_error(world, login_as, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("flow did not converge")

    monkeypatch.setattr(matching, "allocate", broken)
    batch = services.run_batch(world.staff)
    assert batch.state == BatchState.FAILED and "flow did not converge" in batch.error
    page = login_as(world.staff).get(f"/matchmaking/batches/{batch.id}?lang=en")
    assert "The run failed" in page.get_data(as_text=True) and "Refresh" not in page.headers


def test_need_page_suggests_organizations_and_staff_invite_one(world, login_as, client):
    public = client.get(f"/needs/{world.meals.id}?lang=en").get_data(as_text=True)
    assert "Organizations that could serve this need" in public and "清波助老服务中心" in public
    assert "Same service area: Services for older people" in public
    assert "Invite to propose" not in public
    funders = public[public.index('id="match-need-funders"') :]
    assert "Funders who might back a project for this need" in funders
    assert "杭州暖阳科技有限公司" in funders
    assert "Can cover the whole budget of ¥30,000.00" in funders

    staff = login_as(world.staff)
    page = staff.get(f"/needs/{world.meals.id}?lang=en").get_data(as_text=True)
    assert "Invite to propose" in page
    staff.post(
        f"/matchmaking/needs/{world.meals.id}/invite", data={"organization_id": world.org.id}
    )
    note = db.session.scalar(sa.select(Notification).where(Notification.key == "match_propose"))
    assert (note.user_id, note.link) == (world.org_member.id, f"/needs/{world.meals.id}")

    youth = client.get(f"/needs/{world.youth.id}?lang=en").get_data(as_text=True)
    assert "No verified organization works in this category and place yet." in youth


def test_project_pages_suggest_funders_with_a_pledge_link(world, login_as, client):
    hidden = make.enterprise(name="不公开捐赠企业", public_listing=False)
    hidden.categories = [make.category("H")]
    db.session.commit()
    pledge(make.user(Role.ENTERPRISE_MEMBER, party=hidden), 1_000_000)

    staff_page = login_as(world.staff).get(f"/proposals/{world.project.id}?lang=en")
    text = staff_page.get_data(as_text=True)
    assert "Funders who might back this project" in text
    assert "杭州暖阳科技有限公司" in text and "不公开捐赠企业" in text
    assert f'href="/pledges/new?proposal={world.project.id}"' in text

    client.post("/logout")
    public = client.get(f"/disclosures/{world.project.id}?lang=en").get_data(as_text=True)
    assert "杭州暖阳科技有限公司" in public
    assert "Funder supports Services for older people" in public
    assert "不公开捐赠企业" not in public


def test_enterprise_dashboard_lists_projects_and_needs_that_fit(world, login_as):
    page = login_as(world.ent_member).get("/dashboard?lang=en").get_data(as_text=True)
    assert "Projects that fit your giving" in page
    fits = page[page.index('id="match-fits"') :]
    assert "长者助餐服务" in fits and f'href="/pledges/new?proposal={world.project.id}"' in fits
    assert "清波门长者助餐" in fits
    assert "青少年四点半课堂" not in fits, "youth work is not among its causes"


def test_network_picture_shows_only_the_filtered_street(world, login_as):
    other = make.need(title="涌金门助老", community=make.community("涌金门社区"))
    services.run_batch(world.staff)
    client = login_as(world.staff)
    full = client.get("/matchmaking/network").get_data(as_text=True)
    assert f'data-ref="need-{other.id}"' in full and f'data-ref="need-{world.meals.id}"' in full

    page = client.get(f"/matchmaking/network?street={QINGBO}").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert f'data-ref="need-{world.meals.id}"' in svg
    assert f'data-ref="project-{world.project.id}"' in svg
    assert f'data-ref="need-{other.id}"' not in svg and "涌金门助老" not in svg
    assert f'data-ref="org-{world.org.id}"' in svg
    assert f'data-ref="enterprise-{world.enterprise.id}"' in svg
    assert svg.count("<path ") == 4, "two pairings: an organization line and a funder line each"
    assert " style=" not in svg and "<script>" not in page, "CSP: no inline style or script"

    by_category = client.get("/matchmaking/network?category=I").get_data(as_text=True)
    assert f'data-ref="need-{world.youth.id}"' in by_category
    assert f'data-ref="need-{world.meals.id}"' not in by_category


def test_cli_exports_the_instance_and_runs_a_batch(world, runner, tmp_path):
    target = tmp_path / "instance.json"
    result = runner.invoke(args=["match", "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text("utf-8"))
    assert len(matching.parse_instance(data).needs) == 3

    result = runner.invoke(args=["match", "run"])
    assert result.exit_code == 0, result.output
    assert "2/3 needs funded" in result.output
    assert "found by exact, 0.00% below the bound of 55,000.00 yuan" in result.output
    batch = db.session.scalar(sa.select(MatchBatch))
    assert batch.state == BatchState.DONE and batch.created_by_id is None


def test_other_roles_cannot_run_or_accept(world, login_as):
    batch = services.run_batch(world.staff)
    member = login_as(world.org_member)
    assert member.post("/matchmaking/run").status_code == 403
    pairing = batch.pairings[0]
    assert (
        member.post(
            f"/matchmaking/batches/{batch.id}/accept", data={"pairings": [pairing.id]}
        ).status_code
        == 403
    )
    with pytest.raises(Exception, match="forbidden"):
        services.accept_pairings(world.org_member, batch, [pairing.id])
    db.session.rollback()
    assert db.session.get(MatchPairing, pairing.id).state == PairingState.PROPOSED


def test_panels_are_fast_on_the_demo_data(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    need = db.session.get(Need, open_needs()[0].id)
    times = []
    for _ in range(15):
        with app.test_request_context("/"):
            started = time.perf_counter()
            found = organizations_for_need(need)
            times.append(time.perf_counter() - started)
    assert found, "the demo's first open need has organizations that could serve it"
    # A guard against a pathological slowdown, not a benchmark: on an idle machine the panel
    # takes a tenth of this; the suite may share the machine with other work.
    assert statistics.median(times) < 1.0


def test_a_large_network_is_drawn_as_street_and_category_bundles(world, login_as):
    for k in range(45):
        make.need(title=f"助餐需求{k}", budget_estimate_fen=1_000_000)
    services.run_batch(world.staff)
    client = login_as(world.staff)
    page = client.get("/matchmaking/network?lang=en").get_data(as_text=True)
    assert 'id="network-bundled"' in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert f'data-ref="bundle-{QINGBO}-H"' in svg and f'data-ref="need-{world.meals.id}"' not in svg
    table = page[page.index('id="network-table"') :]
    row = table[table.index(f'data-ref="bundle-{QINGBO}-H"') :]
    row = row[: row.index("</tr>")]
    # 46 open needs and the project in Qingbo's elderly care; the run funds what the money allows
    batch = services.latest_batch()
    funded = [p for p in batch.pairings if p.need_ref != f"need-{world.youth.id}"]
    money = sum(s["amount_fen"] for p in funded for s in p.funding)
    assert f"{len(funded)} of 47 funded" in row and format_fen(money) in row
    assert f"/matchmaking/network?street={QINGBO}&amp;category=H" in row
    assert 'id="network-list"' in page, "a phone gets the same rows as a list"

    detail = client.get(f"/matchmaking/network?street={QINGBO}&category=I").get_data(as_text=True)
    assert 'id="network-bundled"' not in detail and f'data-ref="need-{world.youth.id}"' in detail


def test_suggestions_are_read_once_per_data_version(world, cached, login_as, monkeypatch):
    """The dashboard's panel reuses the instance built for the data as it is, and the funder's
    ranking made on it; a change that any service makes (and audits) shows at once."""
    ranked = []
    rank = matching.suggest_for_funder
    monkeypatch.setattr(
        matching, "suggest_for_funder", lambda *a, **k: ranked.append(1) or rank(*a, **k)
    )
    meals_id = world.meals.id
    client = login_as(world.ent_member)
    first, cold = get_counting(client, "/dashboard")
    again, warm = get_counting(client, "/dashboard")
    assert warm < cold, "the second request does not read every party and pledge again"
    assert len(ranked) == 1, "the second request does not rank every need again"
    panel = first.get_data(as_text=True)
    panel = panel[panel.index('id="match-fits"') :]
    assert "长者助餐服务" in panel and panel in again.get_data(as_text=True)

    need = db.session.get(Need, meals_id)
    worker = make.user(Role.COMMUNITY_WORKER, community=need.community)
    make.posted_need(worker, need.community_id, "清波长者居家探访")
    fits = client.get("/dashboard").get_data(as_text=True)
    assert "清波长者居家探访" in fits[fits.index('id="match-fits"') :]
