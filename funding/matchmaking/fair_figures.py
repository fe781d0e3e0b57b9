"""Figures of a fair: the live board's bars, the report's conversion funnel and charts."""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy.orm import joinedload, selectinload

from funding.directory.models import Community, Need
from funding.extensions import db, sum_fen
from funding.i18n import localized
from funding.matchmaking.models import Fair, FairIntent, IntentState
from funding.pledges.models import Pledge, PledgeState
from funding.proposals.models import Proposal
from funding.transparency.charts import Chart

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
    """Raised -> pledged -> arrived -> granted, in money, for one project, program or
    enterprise."""

    label: str
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


@dataclass
class Answered:
    """A community's needs answered at the fair: those of projects that drew a pledge there."""

    community: Community
    needs: list[Need] = field(default_factory=list)


#: What the report reads of a fair, loaded with it in a fixed number of statements.
REPORT_LOAD = (
    selectinload(Fair.projects).selectinload(Proposal.program),
    selectinload(Fair.projects).selectinload(Proposal.needs).joinedload(Need.community),
    selectinload(Fair.enterprises),
    selectinload(Fair.intents).joinedload(FairIntent.pledge),
    selectinload(Fair.intents).joinedload(FairIntent.enterprise),
    selectinload(Fair.intents)
    .joinedload(FairIntent.proposal)
    .options(joinedload(Proposal.program), selectinload(Proposal.needs).joinedload(Need.community)),
)


def report(fair: Fair) -> dict:
    """The funnel per project, program and enterprise and in total, and the needs answered
    (load the fair with ``REPORT_LOAD``)."""
    projects = {p.id: Funnel(p.title) for p in fair.projects}
    programs = {p.program_id: Funnel(localized(p.program, "name")) for p in fair.projects}
    enterprises = {e.id: Funnel(e.name) for e in fair.enterprises}
    total = Funnel("")
    answered: dict[int, Answered] = {}
    for intent in fair.intents:
        project = intent.proposal
        projects.setdefault(project.id, Funnel(project.title)).add(intent)
        programs.setdefault(project.program_id, Funnel(localized(project.program, "name")))
        programs[project.program_id].add(intent)
        enterprises.setdefault(intent.enterprise_id, Funnel(intent.enterprise.name)).add(intent)
        total.add(intent)
        if intent.pledge is not None and intent.pledge.state != PledgeState.CANCELLED:
            for need in project.needs:
                found = answered.setdefault(need.community_id, Answered(need.community)).needs
                if need not in found:
                    found.append(need)
    return {
        "projects": [f.finish() for f in projects.values()],
        "programs": [f.finish() for f in programs.values()],
        "enterprises": [f.finish() for f in enterprises.values()],
        "total": total.finish(),
        "answered": sorted(answered.values(), key=lambda a: a.community.name),
    }


def raised_chart(funnels: list[Funnel]) -> Chart:
    """Money raised at the fair, one bar per project, program or enterprise."""
    return Chart([pgettext("paddle raise", "Raised")], [(f.label, [f.raised_fen]) for f in funnels])


def answered_chart(answered: list[Answered]) -> Chart:
    """How many needs each community had answered at the fair."""
    return Chart([_("Needs answered")], [(a.community.name, [len(a.needs)]) for a in answered])
