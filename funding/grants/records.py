"""What grants say about their funders and organizations: each funder's slice of a grant, and
each organization's track record."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from funding.extensions import db
from funding.grants.models import CommunityRating, Grant, GrantState
from funding.grants.reservation import LIVE_STATES
from funding.proposals.models import Proposal


@dataclass(frozen=True)
class FunderShare:
    enterprise_id: int | None  # None: the foundation's own money and matching
    reserved_fen: int
    paid_fen: int
    returned_fen: int


def funder_shares(grant: Grant) -> list[FunderShare]:
    """Each funder's slice of a grant (a co-funding syndicate), from the grant's sources."""
    totals: dict[int | None, list[int]] = {}
    for s in grant.sources:
        key = s.pledge.enterprise_id if s.pledge else None
        row = totals.setdefault(key, [0, 0, 0])
        row[0] += s.amount_fen
        row[1] += s.paid_fen
        row[2] += s.returned_fen
    return [FunderShare(k, *v) for k, v in totals.items()]


def track_records() -> tuple[dict[int, int], dict[int, float], dict[int, int]]:
    """Per organization: running grants, mean community rating, completed grants (the
    track record shown on profiles and given to matching)."""
    running: dict[int, int] = defaultdict(int)
    completed: dict[int, int] = defaultdict(int)
    for org_id, state, count in db.session.execute(
        sa.select(Proposal.organization_id, Grant.state, sa.func.count())
        .join(Grant, Grant.proposal_id == Proposal.id)
        .group_by(Proposal.organization_id, Grant.state)
    ):
        if state in LIVE_STATES:
            running[org_id] += count
        elif state == GrantState.COMPLETED:
            completed[org_id] += count
    ratings = dict(
        db.session.execute(
            sa.select(Proposal.organization_id, sa.func.avg(CommunityRating.score))
            .join(Grant, Grant.proposal_id == Proposal.id)
            .join(CommunityRating, CommunityRating.grant_id == Grant.id)
            .group_by(Proposal.organization_id)
        ).all()
    )
    return running, {k: float(v) for k, v in ratings.items() if v is not None}, completed
