"""A world whose size grows with ``scale``, for the tests that check a page's cost does not:
more organizations, enterprises, needs and proposals in every state, more reviews on the same
proposal, more pledges from the same enterprise, more sources for the same grant, more
notifications and audit records for the same people."""

from dataclasses import dataclass
from datetime import timedelta

from funding.accounts.models import Role, User
from funding.dates import today
from funding.directory.models import Need, Organization
from funding.extensions import db, utcnow
from funding.grants import tranches
from funding.grants.models import Grant
from funding.matchmaking.fairs import FairData, confirm_intent, create_fair, raise_paddle
from funding.matchmaking.services import run_batch
from funding.notifications.services import notify
from funding.pledges.models import PledgeTarget
from funding.pledges.services import match_gift_for
from funding.proposals.models import Objection, Proposal, ProposalState
from funding.reviews.models import (
    AssignmentState,
    Recommendation,
    RelationKind,
    Relationship,
    Review,
    ReviewAssignment,
)
from tests import factories
from tests.funding.money_helpers import (
    approved_proposal,
    budget_for,
    key,
    matching_program,
    pledge_data,
    promise,
    receive,
    request_next,
    reserve_proposed,
    signed_grant,
)

STATES = (
    ProposalState.DRAFT,
    ProposalState.SCREENING,
    ProposalState.IN_REVIEW,
    ProposalState.RETURNED,
    ProposalState.REJECTED,
    ProposalState.WITHDRAWN,
)


@dataclass
class World:
    users: dict[str, User]
    proposal: Proposal  # the main organization's proposal in review, with reviews
    disclosed: Proposal  # on public disclosure
    grant: Grant  # reserved from many sources, a tranche paid
    need: Need
    organization: Organization
    assignment: ReviewAssignment  # the main reviewer's
    pledge_id: int
    fair_id: int  # paddle raises from every enterprise, confirmed, for a project with needs


def build(scale: int) -> World:
    """Everything grows with ``scale``; the people and objects pages are opened for stay the
    same, with more rows hanging off them."""
    staff = factories.user(Role.STAFF)
    users = {
        "staff": staff,
        "admin": factories.user(Role.ADMIN),
        "org_member": factories.user(Role.ORG_MEMBER),
        "enterprise_member": factories.user(Role.ENTERPRISE_MEMBER),
        "community_worker": factories.user(Role.COMMUNITY_WORKER),
        "reviewer": factories.user(Role.REVIEWER),
    }
    member, donor = users["org_member"], users["enterprise_member"]
    worker = users["community_worker"]
    program = matching_program(
        own_fen=200_000_000, cap_project_fen=5_000_000, cap_program_fen=50_000_000
    )
    others = [factories.user(Role.ORG_MEMBER) for _ in range(3 * scale)]
    donors = [factories.user(Role.ENTERPRISE_MEMBER) for _ in range(2 * scale)]
    needs = [factories.need(community=worker.community, title=f"需求{n}") for n in range(5 * scale)]
    for who in [member, *others]:
        for state in STATES:
            factories.proposal(
                who,
                state=state,
                program=program,
                submitted_at=utcnow() if state != ProposalState.DRAFT else None,
                **budget_for(2_000_000),
            )
    reviewers = [users["reviewer"]] + [factories.user(Role.REVIEWER) for _ in range(scale)]
    proposal = factories.proposal(
        member, state=ProposalState.IN_REVIEW, program=program, submitted_at=utcnow()
    )
    proposal.needs = needs[:scale]
    assignment = None
    criteria = len(program.rubric)
    for reviewer in reviewers:
        a = ReviewAssignment(
            proposal_id=proposal.id,
            reviewer_id=reviewer.id,
            assigned_by_id=staff.id,
            state=AssignmentState.SUBMITTED,
        )
        db.session.add(a)
        a.review = Review(
            comment="好",
            recommendation=Recommendation.FUND,
            scores=[{"score": 7, "comment": ""} for _ in range(criteria)],
        )
        assignment = assignment or a
    for n in range(scale):
        db.session.add(
            Relationship(
                user_id=reviewers[-1].id,
                party_id=others[n].party_id,
                kind=RelationKind.DONOR,
            )
        )
    disclosed = approved_proposal(member, program, 3_000_000)
    disclosed.disclosure_until = today() + timedelta(days=5)
    db.session.add_all(
        Objection(proposal=disclosed, name="张", contact="138", text=f"意见{n}")
        for n in range(scale)
    )
    db.session.commit()
    grant = signed_grant(staff, member, program, 10_000_000, communities=[worker.community])
    for who in [donor, *donors]:
        receive(
            staff,
            promise(who, pledge_data(PledgeTarget.PROJECT, 100_000, proposal_id=grant.proposal_id)),
        )
    pledge_ids = []
    for n in range(2 * scale):
        target = (PledgeTarget.POOL, PledgeTarget.PROGRAM)[n % 2]
        made = promise(
            donor,
            pledge_data(
                target,
                50_000 + n,
                program_id=program.id if target == PledgeTarget.PROGRAM else None,
                instalments=2,
            ),
        )
        pledge_ids.append(made.id)
        if n % 3 == 0:
            receive(staff, made)
    reserve_proposed(staff, grant)
    tranches.sign_tranche(staff, request_next(member, staff, worker, grant), key())
    for n in range(scale):  # more finished grants for the public tables and profiles
        done = signed_grant(staff, others[n], program, 2_000_000)
        reserve_proposed(staff, done)
        tranches.sign_tranche(staff, request_next(others[n], staff, worker, done), key())
    fair = create_fair(staff, FairData("相亲会", today(), "清波街道"))
    fair.projects = [disclosed]
    fair.enterprises = [donor.party, *(d.party for d in donors)]
    disclosed.needs = needs
    db.session.commit()
    for who in [donor, *donors]:
        intent = raise_paddle(staff, fair, disclosed, who.party, 100_000)
        shown = match_gift_for(disclosed, intent.amount_fen)
        confirm_intent(who, intent, today() + timedelta(days=30), key(), shown)
    for user in users.values():
        for n in range(3 * scale):
            notify([user], "tranche_paid", "/grants", title=f"项目{n}", number=1, amount="¥1")
    db.session.commit()
    run_batch(staff)
    return World(
        users=users,
        proposal=proposal,
        disclosed=disclosed,
        grant=grant,
        need=needs[0],
        organization=member.party,
        assignment=assignment,
        pledge_id=pledge_ids[0],
        fair_id=fair.id,
    )
