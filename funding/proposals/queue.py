"""The rolling queue: who each proposal waits on, for how long, and when a decision is due."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from funding.extensions import db, utcnow
from funding.proposals.models import Program, Proposal, ProposalState
from funding.reviews.models import AssignmentState

#: Days a proposal may sit in a state before the queue flags it.
TARGET_DAYS = {
    ProposalState.SCREENING: 5,
    ProposalState.IN_REVIEW: 20,
    ProposalState.RETURNED: 30,
    ProposalState.APPROVED: 15,
}
#: Used when a program has no recent decisions to learn from.
DEFAULT_DECISION_DAYS = 30
RECENT_DECISIONS = 20


@dataclass(frozen=True)
class QueueRow:
    proposal: Proposal
    age_days: int
    waits_on: str
    overdue: bool


def waits_on(p: Proposal) -> str:
    """Who must act next: 'applicant', 'staff' or 'reviewers'."""
    if p.state == ProposalState.RETURNED:
        return "applicant"
    if p.state == ProposalState.IN_REVIEW:
        pending = any(
            a.state in (AssignmentState.ASSIGNED, AssignmentState.CLEARED) for a in p.assignments
        )
        return "reviewers" if pending else "staff"  # staff assign more reviewers, or decide
    return "staff"


def queue_query(
    now: datetime | None = None, program_id: int | None = None, overdue: bool = False
) -> sa.Select:
    """Every proposal still moving (or only those past their state's target), oldest in its
    state first."""
    now = now or utcnow()
    query = (
        sa.select(Proposal)
        .where(Proposal.state.in_(list(TARGET_DAYS)))
        .options(
            selectinload(Proposal.assignments),
            selectinload(Proposal.organization),
            selectinload(Proposal.program),
        )
    )
    if program_id:
        query = query.where(Proposal.program_id == program_id)
    if overdue:
        query = query.where(
            sa.or_(
                *(
                    sa.and_(Proposal.state == state, Proposal.state_since < now - timedelta(days))
                    for state, days in TARGET_DAYS.items()
                )
            )
        )
    return query.order_by(Proposal.state_since, Proposal.id)


def queue_rows(proposals, now: datetime | None = None) -> list[QueueRow]:
    """Each proposal with its age in its state, who it waits on and whether it is overdue."""
    now = now or utcnow()
    rows = []
    for p in proposals:
        age = (now - p.state_since).days
        rows.append(QueueRow(p, age, waits_on(p), age > TARGET_DAYS[p.state]))
    return rows


def queue(now: datetime | None = None, program_id: int | None = None) -> list[QueueRow]:
    """The whole queue (tests and small lists; pages show it a page at a time)."""
    return queue_rows(db.session.scalars(queue_query(now, program_id)), now)


def typical_decision_days(program: Program) -> int:
    """The median days from submission to decision over the program's recent decisions."""
    decided = db.session.execute(
        sa.select(Proposal.submitted_at, Proposal.decided_at)
        .where(
            Proposal.program_id == program.id,
            Proposal.decided_at.is_not(None),
            Proposal.submitted_at.is_not(None),
        )
        .order_by(Proposal.decided_at.desc())
        .limit(RECENT_DECISIONS)
    ).all()
    if not decided:
        return DEFAULT_DECISION_DAYS
    return max(1, round(median((d - s).total_seconds() / 86400 for s, d in decided)))


def expected_decision(p: Proposal) -> date | None:
    """When the applicant can expect a decision, from the program's recent pace."""
    if p.submitted_at is None or p.state not in (ProposalState.SCREENING, ProposalState.IN_REVIEW):
        return None
    return (p.submitted_at + timedelta(days=typical_decision_days(p.program))).date()
