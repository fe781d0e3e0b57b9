"""What waits for each person on their first page: counts that link to the place to act,
each counted in SQL (one statement for all of staff's), so the page costs the same whatever
the volume."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, contains_eager

from funding.accounts.models import User
from funding.directory.models import Party, VerificationState
from funding.extensions import db
from funding.grants.models import CommunityRating, Grant, GrantState, Tranche, TrancheState
from funding.grants.reservation import LIVE_STATES
from funding.pledges.models import Instalment, InstalmentState
from funding.proposals.models import Objection, ObjectionState, Program, Proposal, ProposalState
from funding.proposals.models import proposal_communities as served
from funding.proposals.queue import queue_query
from funding.reviews.eligibility import program_short_of_reviewers, short_of_reviewers

#: Disclosure periods ending within this many days are shown as ending soon.
SOON = timedelta(days=3)
#: Instalments due within this many days are shown as coming.
COMING = timedelta(days=14)


@dataclass(frozen=True)
class Waiting:
    key: str
    title: str
    count: int
    link: str
    urgent: bool = False


def _count(model, *where) -> sa.ScalarSelect:
    return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()


def staff_waiting(today: date) -> list[Waiting]:
    """Everything staff must act on, in the order of the cycle."""
    approved = Proposal.state == ProposalState.APPROVED
    overdue_queue = queue_query(overdue=True).subquery()
    row = db.session.execute(
        sa.select(
            _count(
                Party,
                Party.verified_at.is_(None),
                Party.verification == VerificationState.PENDING,
            ),
            _count(Proposal, Proposal.state == ProposalState.SCREENING),
            sa.select(sa.func.count()).select_from(overdue_queue).scalar_subquery(),
            _count(
                Proposal,
                approved,
                Proposal.disclosure_until >= today,
                Proposal.disclosure_until <= today + SOON,
            ),
            _count(Proposal, approved, Proposal.disclosure_until < today),
            _count(Tranche, Tranche.state == TrancheState.REQUESTED),
            _count(Tranche, Tranche.state == TrancheState.SIGNED),
            _count(
                Instalment, Instalment.state == InstalmentState.DUE, Instalment.due_date < today
            ),
            _count(
                Instalment,
                Instalment.state == InstalmentState.DUE,
                Instalment.due_date >= today,
                Instalment.due_date <= today + COMING,
            ),
            _count(Objection, Objection.state == ObjectionState.OPEN),
            _count(Proposal, short_of_reviewers()),
            _count(Program, program_short_of_reviewers(today)),
        )
    ).one()
    (
        parties,
        screen,
        late,
        ending,
        sign,
        first,
        second,
        overdue,
        coming,
        objections,
        short,
        short_programs,
    ) = row
    proposals = url_for("proposals.mine")
    return [
        Waiting("parties", _l("Registrations to verify"), parties, url_for("accounts.parties")),
        Waiting("screen", _l("Proposals to screen"), screen, f"{proposals}?state=screening"),
        Waiting(
            "reviewers",
            _l("Proposals short of reviewers free of conflicts"),
            short,
            url_for("proposals.mine", state="in_review", short="1"),
            urgent=True,
        ),
        Waiting(
            "programs",
            _l("Programs with fewer reviewers than a proposal needs"),
            short_programs,
            url_for("accounts.users"),
            urgent=True,
        ),
        Waiting(
            "late",
            _l("Proposals past their target time"),
            late,
            url_for("proposals.staff_queue", overdue=1),
            urgent=True,
        ),
        Waiting(
            "ending", _l("Disclosures ending in 3 days"), ending, f"{proposals}?state=approved"
        ),
        Waiting("sign", _l("Agreements to sign"), sign, f"{proposals}?state=approved"),
        Waiting(
            "first", _l("Payments waiting for a first sign-off"), first, url_for("grants.index")
        ),
        Waiting(
            "second", _l("Payments waiting for a second sign-off"), second, url_for("grants.index")
        ),
        Waiting(
            "overdue",
            _l("Pledge instalments overdue"),
            overdue,
            url_for("pledges.instalments"),
            urgent=True,
        ),
        Waiting("coming", _l("Instalments due in 14 days"), coming, url_for("pledges.instalments")),
        Waiting(
            "objections",
            _l("Objections to answer"),
            objections,
            url_for("proposals.objections"),
            urgent=True,
        ),
    ]


def grants_to_rate(worker: User) -> list[Grant]:
    """Projects in the worker's community still running and not rated by it yet: the last
    payment of a grant waits for the community's rating."""
    rated = sa.exists().where(
        CommunityRating.grant_id == Grant.id,
        CommunityRating.community_id == worker.community_id,
    )
    return list(
        db.session.scalars(
            sa.select(Grant)
            .join(Grant.proposal)
            .join(served, served.c.proposal_id == Proposal.id)
            .options(contains_eager(Grant.proposal))
            .where(
                served.c.community_id == worker.community_id,
                Grant.state.in_(LIVE_STATES),
                ~rated,
            )
            .order_by(Grant.id)
            .limit(20)
        )
    )


#: What comes next for a proposal in each state, and who holds it: the applicant's view.
NEXT_STEP = {
    ProposalState.DRAFT: _l("Complete and submit it (you)"),
    ProposalState.RETURNED: _l("Revise and submit it again (you)"),
    ProposalState.SCREENING: _l("Eligibility screening (the foundation)"),
    ProposalState.IN_REVIEW: _l("Expert review, then the decision (the foundation)"),
    ProposalState.APPROVED: _l("Public disclosure, then the agreement (the foundation)"),
    ProposalState.AGREEMENT_SIGNED: _l("Report and request each tranche (you)"),
}


def tranches_to_request(organization_id: int) -> list[Tranche]:
    """The organization's next tranche of each reserved, running grant: what it can ask for
    now, with its progress report (the first unpaid one, never one whose turn has not come)."""
    other = aliased(Tranche)
    first_unpaid = (
        sa.select(sa.func.min(other.number))
        .where(other.grant_id == Tranche.grant_id, other.state != TrancheState.PAID)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Tranche)
            .join(Tranche.grant)
            .join(Grant.proposal)
            .where(
                Proposal.organization_id == organization_id,
                Grant.state.in_(LIVE_STATES),
                Grant.reserved_at.is_not(None),
                Tranche.state.in_([TrancheState.PENDING, TrancheState.RETURNED]),
                Tranche.number == first_unpaid,
                # the second tranche follows the mid-term review
                sa.or_(Tranche.number != 2, Grant.state == GrantState.MIDTERM_PASSED),
            )
            .options(contains_eager(Tranche.grant).contains_eager(Grant.proposal))
            .order_by(Tranche.id)
            .limit(20)
        )
    )
