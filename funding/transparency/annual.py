"""The annual report (年度报告): one year's grants, where they went, who gave, and what the
finished projects reported, from the same figures as the transparency page."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from funding import figures
from funding.dates import DISTRICT_ZONE
from funding.directory.models import Enterprise
from funding.extensions import db
from funding.grants.models import Tranche, TrancheState
from funding.pledges.models import Pledge, PledgeState
from funding.transparency import tables

DIMENSIONS = ("program", "street", "category")
#: The years a report can be asked for (a calendar can hold).
FIRST_YEAR, LAST_YEAR = 2000, 9998
#: The givers a report lists by name (those that agreed to be listed), largest first.
GIVERS_SHOWN = 30


@dataclass
class Annual:
    year: int
    totals: figures.Bucket
    breakdowns: dict[str, list[tuple[str, figures.Bucket]]]
    givers: list[tuple[str, int]]
    finished: int
    beneficiaries: int


def years(money: list[figures.GrantMoney]) -> list[int]:
    """The years that have grants, newest first."""
    return sorted({int(figures.grant_year(m.grant)) for m in money}, reverse=True)


def _bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=DISTRICT_ZONE), datetime(
        year + 1, 1, 1, tzinfo=DISTRICT_ZONE
    )


def annual(year: int) -> Annual:
    money = [m for m in figures.grant_money() if figures.grant_year(m.grant) == str(year)]
    start, end = _bounds(year)
    givers = db.session.execute(
        sa.select(Enterprise.name, sa.func.sum(Pledge.amount_fen))
        .join(Pledge.enterprise)
        .where(
            Enterprise.public_listing,
            Pledge.created_at >= start,
            Pledge.created_at < end,
            Pledge.state != PledgeState.CANCELLED,
        )
        .group_by(Enterprise.name)
        .order_by(sa.func.sum(Pledge.amount_fen).desc(), Enterprise.name)
        .limit(GIVERS_SHOWN)
    ).all()
    finished = defaultdict(int)
    for grant_id, report in db.session.execute(
        sa.select(Tranche.grant_id, Tranche.report).where(
            Tranche.state == TrancheState.PAID, Tranche.paid_at >= start, Tranche.paid_at < end
        )
    ):
        if (report or {}).get("final"):
            finished[grant_id] = int(report.get("beneficiaries_served") or 0)
    return Annual(
        year=year,
        totals=figures.grant_totals(money),
        breakdowns={d: tables.breakdown_rows(d, money) for d in DIMENSIONS},
        givers=[(name, int(total)) for name, total in givers],
        finished=len(finished),
        beneficiaries=sum(finished.values()),
    )
