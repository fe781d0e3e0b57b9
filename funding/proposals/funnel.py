"""The cycle's funnel: how many proposals reached each stage, and how long the stages take.

Each stage counts the proposals that ever reached it (a proposal rejected after review still
counts as screened and reviewed), so the funnel only narrows. One query per figure, whatever
the number of proposals.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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
#: The stretches of time between stages, each measured on the proposals that crossed it.
STRETCHES = {
    "screening": _l("From submission to passing screening"),
    "review": _l("From passing screening to the decision"),
    "agreement": _l("From the decision to the agreement"),
}


@dataclass(frozen=True)
class Funnel:
    counts: dict[str, int]
    #: Median days from submission to the decision.
    days_to_decision: float | None
    #: Median days of each stretch in ``STRETCHES`` (None when no proposal crossed it yet).
    stretches: dict[str, float | None]

    @property
    def days_to_agreement(self) -> float | None:
        return self.stretches["agreement"]


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
    first_screened = (
        sa.select(ProposalEvent.proposal_id, sa.func.min(ProposalEvent.at).label("at"))
        .where(ProposalEvent.action == "pass_screening")
        .group_by(ProposalEvent.proposal_id)
        .subquery()
    )
    times = db.session.execute(
        sa.select(
            Proposal.submitted_at,
            first_screened.c.at,
            Proposal.decided_at,
            Proposal.agreement_signed_at,
        )
        .outerjoin(first_screened, first_screened.c.proposal_id == Proposal.id)
        .where(Proposal.submitted_at.is_not(None))
    ).all()
    return Funnel(
        counts=dict(zip(STAGES, row, strict=True)),
        days_to_decision=_days((s, d) for s, _p, d, _a in times),
        stretches={
            "screening": _days((s, p) for s, p, _d, _a in times),
            "review": _days((p, d) for _s, p, d, _a in times),
            "agreement": _days((d, a) for _s, _p, d, a in times),
        },
    )


def _days(spans: Iterable[tuple[datetime | None, datetime | None]]) -> float | None:
    """The median length in days of the spans whose both ends are known."""
    days = [(end - start).total_seconds() / 86400 for start, end in spans if start and end]
    return statistics.median(days) if days else None
