"""Demo matchmaking: one stored run and a fair with two enterprises and a few paddle raises.

Found by natural keys first (any run; the fair's name), so running the seed twice adds nothing.
"""

from datetime import timedelta
from uuid import uuid4

import sqlalchemy as sa

from funding.accounts.models import User
from funding.dates import today
from funding.directory.models import Enterprise
from funding.extensions import db
from funding.matchmaking.adapter import short_projects
from funding.matchmaking.fairs import (
    FairData,
    confirm_intent,
    create_fair,
    invite_enterprises,
    raise_paddle,
    set_projects,
)
from funding.matchmaking.models import Fair, MatchBatch
from funding.matchmaking.services import run_batch

FAIR_NAME = "上城区公益创投相亲会（春季场）"


def seed_matchmaking(staff: User) -> None:
    """A fair where enterprise@demo.local confirmed one raise, then a run of the allocation."""
    seed_fair(staff)
    if db.session.scalar(sa.select(MatchBatch.id).limit(1)) is None:
        run_batch(staff)


def seed_fair(staff: User) -> None:
    if db.session.scalar(sa.select(Fair.id).filter_by(name=FAIR_NAME)) is not None:
        return
    member = db.session.scalar(sa.select(User).filter_by(email="enterprise@demo.local"))
    projects = short_projects()[:4]
    if member is None or not projects:
        return
    second = db.session.scalar(
        sa.select(Enterprise)
        .where(Enterprise.verified_at.is_not(None), Enterprise.id != member.party_id)
        .order_by(Enterprise.id)
    )
    fair = create_fair(
        staff, FairData(FAIR_NAME, today() + timedelta(days=14), "上城区社会组织服务中心")
    )
    set_projects(staff, fair, [p.id for p in projects])
    invite_enterprises(staff, fair, [member.party_id, second.id])
    first = None
    for proposal in projects:
        share = max(proposal.approved_amount_fen // 3 // 10_000 * 10_000, 10_000)
        mine = raise_paddle(member, fair, proposal, member.party, share)
        first = first or mine
        raise_paddle(staff, fair, proposal, second, share)
    confirm_intent(member, first, today() + timedelta(days=30), uuid4().hex)
