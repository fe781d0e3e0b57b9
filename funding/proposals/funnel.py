"""The cycle's funnel: how many proposals reached each stage, and how long the stages take.

Each stage counts the proposals that ever reached it (a proposal rejected after review still
counts as screened and reviewed), so the funnel only narrows. One query per figure, whatever
the number of proposals.
"""

import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from funding.extensions import db
from funding.proposals.models import Proposal, ProposalEvent
from funding.reviews.models import AssignmentState, ReviewAssignment

STAGES = {
    "submitted": _l("Submitted"),
    "screened": _l("Passed screening"),
    "reviewed": _l("Reviewed"),
    "approved": _l("Approved"),
    "signed": _l("Agreement signed"),
}


@dataclass(frozen=True)
class Funnel:
    counts: dict[str, int]
    #: Median days from submission to the decision, and from the decision to the agreement.
    days_to_decision: float | None
    days_to_agreement: float | None


def _reached(*where) -> sa.ScalarSelect:
    return sa.select(sa.func.count(Proposal.id)).where(*where).scalar_subquery()


def funnel() -> Funnel:
    screened = sa.exists().where(
        ProposalEvent.proposal_id == Proposal.id, ProposalEvent.action == "pass_screening"
    )
    reviewed = sa.exists().where(
        ReviewAssignment.proposal_id == Proposal.id,
        ReviewAssignment.state == AssignmentState.SUBMITTED,
    )
    row = db.session.execute(
        sa.select(
            _reached(Proposal.submitted_at.is_not(None)),
            _reached(screened),
            _reached(reviewed),
            _reached(Proposal.approved_amount_fen.is_not(None)),
            _reached(Proposal.agreement_signed_at.is_not(None)),
        )
    ).one()
    times = db.session.execute(
        sa.select(Proposal.submitted_at, Proposal.decided_at, Proposal.agreement_signed_at).where(
            Proposal.decided_at.is_not(None), Proposal.submitted_at.is_not(None)
        )
    ).all()
    decision = [(d - s).total_seconds() / 86400 for s, d, _a in times]
    agreement = [(a - d).total_seconds() / 86400 for _s, d, a in times if a is not None]
    return Funnel(
        counts=dict(zip(STAGES, row, strict=True)),
        days_to_decision=statistics.median(decision) if decision else None,
        days_to_agreement=statistics.median(agreement) if agreement else None,
    )
