"""Figures of a fair: the live board's bars and the report's conversion funnel."""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from funding.extensions import db, sum_fen
from funding.matchmaking.models import Fair, FairIntent, IntentState
from funding.pledges.models import Pledge, PledgeState

#: Money that arrived (the pledge was confirmed by staff).
ARRIVED = (PledgeState.RECEIVED, PledgeState.ALLOCATED, PledgeState.PAID_OUT)
#: Money that went into a grant.
GRANTED = (PledgeState.ALLOCATED, PledgeState.PAID_OUT)
#: Width of a board bar in SVG user units.
BAR_WIDTH = 1000


@dataclass
class Bar:
    """One project on the board: what it needs, what is pledged, what was raised tonight."""

    proposal: object
    needed_fen: int
    pledged_fen: int
    intended_fen: int
    pledged_width: int = 0
    intended_width: int = 0
    needed_width: int = 0

    @property
    def percent(self) -> int:
        return min(999, round(100 * (self.pledged_fen + self.intended_fen) / self.needed_fen))


def board(fair: Fair) -> list[Bar]:
    """Per shortlisted project: needed, pledged (any pledge to it) and open raises here."""
    ids = [p.id for p in fair.projects]
    pledged = dict(
        db.session.execute(
            sa.select(Pledge.proposal_id, sum_fen(Pledge.amount_fen))
            .where(Pledge.proposal_id.in_(ids), Pledge.state != PledgeState.CANCELLED)
            .group_by(Pledge.proposal_id)
        ).all()
    )
    intended: dict[int, int] = defaultdict(int)
    for intent in fair.intents:
        if intent.state == IntentState.INTENT:
            intended[intent.proposal_id] += intent.amount_fen
    bars = [
        Bar(p, p.approved_amount_fen or 1, int(pledged.get(p.id) or 0), intended[p.id])
        for p in fair.projects
    ]
    for bar in bars:
        scale = max(bar.needed_fen, bar.pledged_fen + bar.intended_fen)
        bar.needed_width = round(BAR_WIDTH * bar.needed_fen / scale)
        bar.pledged_width = round(BAR_WIDTH * bar.pledged_fen / scale)
        bar.intended_width = round(BAR_WIDTH * bar.intended_fen / scale)
    return bars


@dataclass
class Funnel:
    """Raised -> pledged -> arrived -> granted, in money, for one project or enterprise."""

    label: object
    raises: int = 0
    raised_fen: int = 0
    pledged_fen: int = 0
    arrived_fen: int = 0
    granted_fen: int = 0
    rates: dict = field(default_factory=dict)

    def add(self, intent: FairIntent) -> None:
        self.raises += 1
        self.raised_fen += intent.amount_fen
        pledge = intent.pledge
        if pledge is None or pledge.state == PledgeState.CANCELLED:
            return
        self.pledged_fen += pledge.amount_fen
        if pledge.state in ARRIVED:
            self.arrived_fen += pledge.amount_fen
        if pledge.state in GRANTED:
            self.granted_fen += pledge.amount_fen

    def finish(self) -> "Funnel":
        def rate(part: int, whole: int) -> int | None:
            return round(100 * part / whole) if whole else None

        self.rates = {
            "pledged": rate(self.pledged_fen, self.raised_fen),
            "arrived": rate(self.arrived_fen, self.pledged_fen),
            "granted": rate(self.granted_fen, self.arrived_fen),
            "overall": rate(self.granted_fen, self.raised_fen),
        }
        return self


def report(fair: Fair) -> dict:
    """The funnel per project, per enterprise and in total."""
    projects = {p.id: Funnel(p) for p in fair.projects}
    enterprises = {e.id: Funnel(e) for e in fair.enterprises}
    total = Funnel(None)
    for intent in fair.intents:
        projects.setdefault(intent.proposal_id, Funnel(intent.proposal)).add(intent)
        enterprises.setdefault(intent.enterprise_id, Funnel(intent.enterprise)).add(intent)
        total.add(intent)
    return {
        "projects": [f.finish() for f in projects.values()],
        "enterprises": [f.finish() for f in enterprises.values()],
        "total": total.finish(),
    }
