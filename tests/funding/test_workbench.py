"""Each person's first page shows what waits for them, each item a link to act on it."""

import re

from funding.accounts.models import Role
from funding.extensions import db
from funding.proposals.models import ProposalState
from tests import factories
from tests.funding.money_helpers import matching_program, reserve_proposed, signed_grant


def _count(page: str, key: str) -> int:
    found = re.search(
        rf'data-waiting="{key}">\s*<div class="card-body py-2">\s*<div class="stat[^"]*">(\d+)<',
        page,
    )
    assert found, key
    return int(found.group(1))


def test_staff_see_what_waits_and_where_the_money_is(client, login_as):
    staff = factories.user(Role.STAFF)
    factories.organization(verified=False)
    member = factories.user(Role.ORG_MEMBER)
    waiting = factories.proposal(member)
    waiting.state = ProposalState.SCREENING
    program = matching_program(own_fen=50_000_000)
    program.name_en = "Partners"
    db.session.commit()
    page = login_as(staff).get("/dashboard?lang=en").get_data(as_text=True)
    assert _count(page, "parties") >= 1 and _count(page, "screen") == 1
    assert _count(page, "objections") == 0 and _count(page, "first") == 0
    assert 'href="/staff/parties"' in page and "Proposals to screen" in page
    position = re.search(r'id="program-position">.*?</table>', page, re.S).group(0)
    assert "Partners" in position and "¥500,000.00" in position


def test_a_community_worker_is_told_a_project_waits_for_her_rating(client, login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    community = factories.community()
    worker = factories.user(Role.COMMUNITY_WORKER, community=community)
    program = matching_program(own_fen=50_000_000)
    grant = signed_grant(staff, member, program, 3_000_000, communities=[community])
    reserve_proposed(staff, grant)
    page = login_as(worker).get("/dashboard?lang=en").get_data(as_text=True)
    assert "Projects waiting for your rating" in page
    assert f'href="/grants/{grant.id}"' in page


def test_an_organization_sees_its_next_steps_and_the_tranche_it_can_request(client, login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=50_000_000)
    grant = signed_grant(staff, member, program, 3_000_000, title="清波长者助餐")
    draft = factories.proposal(member, title="草稿项目")
    draft.state = ProposalState.DRAFT
    db.session.commit()
    browser = login_as(member)
    page = browser.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Tranches you can request now" not in page, "not before the grant is reserved"
    assert "Next: Complete and submit it (you)" in page
    reserve_proposed(staff, grant)
    page = browser.get("/dashboard?lang=en").get_data(as_text=True)
    first = grant.tranches[0]
    assert f"/grants/{grant.id}/tranches/1/request" in page and "tranche 1" in page
    assert "Next: Report and request each tranche (you)" in page
    assert first.number == 1
