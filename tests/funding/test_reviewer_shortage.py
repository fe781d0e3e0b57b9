"""Staff are warned when conflicts of interest leave a proposal in review with fewer eligible
reviewers than its program needs: on the workbench and where reviewers are assigned."""

import re
from datetime import date

from funding.accounts.models import Role
from funding.extensions import db
from funding.proposals.models import ProposalState
from funding.reviews import services
from funding.reviews.models import RelationKind, Relationship
from tests import factories
from tests.funding.test_workbench import _count


def test_conflicts_that_leave_too_few_reviewers_are_flagged_until_one_is_added(login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = factories.program(reviewers_required=2)
    proposal = factories.proposal(member, program=program, title="需要评审的项目")
    proposal.state = ProposalState.IN_REVIEW
    linked, _free, declaring = (factories.user(Role.REVIEWER) for _ in range(3))
    db.session.add(
        Relationship(user_id=linked.id, party_id=member.party_id, kind=RelationKind.DONOR)
    )
    db.session.commit()
    # The third reviewer declares a conflict on this proposal: two of three may not review.
    services.declare(declaring, services.assign_reviewer(staff, proposal, declaring), True)
    client = login_as(staff)

    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert _count(page, "reviewers") == 1
    link = re.search(r'href="([^"]+)" data-waiting="reviewers"', page).group(1)
    listed = client.get(link.replace("&amp;", "&") + "&lang=en").get_data(as_text=True)
    assert "需要评审的项目" in listed
    detail = client.get(f"/proposals/{proposal.id}?lang=en").get_data(as_text=True)
    warning = re.search(r'id="reviewer-shortage">(.*?)</div>', detail, re.S).group(1)
    assert "leave 1 reviewers who may review this proposal; its program needs 2" in warning
    chinese = client.get(f"/proposals/{proposal.id}?lang=zh").get_data(as_text=True)
    assert 'id="reviewer-shortage"' in chinese and "利益冲突" in chinese

    factories.user(Role.REVIEWER)  # a fourth reviewer with no conflict
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert _count(page, "reviewers") == 0
    assert "需要评审的项目" not in client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    detail = client.get(f"/proposals/{proposal.id}?lang=en").get_data(as_text=True)
    assert 'id="reviewer-shortage"' not in detail


def test_an_open_program_needing_more_reviewers_than_there_are_is_flagged(login_as):
    client = login_as(factories.user(Role.STAFF))
    factories.user(Role.REVIEWER)
    factories.program(reviewers_required=2)
    factories.program(reviewers_required=2, open_until=date(2021, 1, 1))  # closed: no matter
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert _count(page, "programs") == 1
    assert "Programs with fewer reviewers than a proposal needs" in page
    assert re.search(r'href="/staff/users" data-waiting="programs"', page)
    factories.user(Role.REVIEWER)
    assert _count(client.get("/dashboard").get_data(as_text=True), "programs") == 0
