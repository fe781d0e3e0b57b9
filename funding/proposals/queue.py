"""The rolling queue: who each proposal waits on, for how long, and when a decision is due."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from funding.extensions import db, utcnow
from funding.proposals.models import Proposal, ProposalState
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


def decision_pace(program_ids: Iterable[int]) -> dict[int, int]:
    """Each program's median days from submission to decision over its recent decisions, in
    one query for all of them (a program without decisions yet gets the default)."""
    wanted = set(program_ids)
    recent = (
        sa.select(
            Proposal.program_id,
            Proposal.submitted_at,
            Proposal.decided_at,
            sa.func.row_number()
            .over(partition_by=Proposal.program_id, order_by=Proposal.decided_at.desc())
            .label("n"),
        )
        .where(
            Proposal.program_id.in_(wanted),
            Proposal.decided_at.is_not(None),
            Proposal.submitted_at.is_not(None),
        )
        .subquery()
    )
    days: dict[int, list[float]] = {pid: [] for pid in wanted}
    for pid, submitted, decided in db.session.execute(
        sa.select(recent.c.program_id, recent.c.submitted_at, recent.c.decided_at).where(
            recent.c.n <= RECENT_DECISIONS
        )
    ):
        days[pid].append((decided - submitted).total_seconds() / 86400)
    return {
        pid: max(1, round(median(found))) if found else DEFAULT_DECISION_DAYS
        for pid, found in days.items()
    }


def expected_decisions(proposals: Iterable[Proposal]) -> dict[int, date]:
    """When each applicant can expect a decision, from its program's recent pace (one query
    per program, however many proposals)."""
    waiting = [
        p
        for p in proposals
        if p.submitted_at is not None
        and p.state in (ProposalState.SCREENING, ProposalState.IN_REVIEW)
    ]
    pace = decision_pace(p.program_id for p in waiting) if waiting else {}
    return {p.id: (p.submitted_at + timedelta(days=pace[p.program_id])).date() for p in waiting}


def expected_decision(p: Proposal) -> date | None:
    """When the applicant can expect a decision on this proposal."""
    return expected_decisions([p]).get(p.id)
