"""What each yuan did, on an enterprise's workbench: per pledge, what arrived and the matching
gift it drew, the grants its money went into (its part reserved, paid and returned), their
paid tranches and filed reports. Amounts come from ``figures.giving`` (the ledger) and the
grants' sources; every table is read in one grouped query, whatever the number of pledges."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from funding import figures
from funding.extensions import db
from funding.grants.models import Grant, GrantSource
from funding.pledges.models import Pledge
from funding.proposals.models import Proposal


@dataclass(frozen=True)
class PledgeUse:
    pledge: Pledge
    money: figures.Giving
    #: The grants its money went into, each with its grant, tranches and reports loaded.
    sources: list[GrantSource]


@dataclass(frozen=True)
class Impact:
    pledges: list[PledgeUse]  # the newest ``shown``
    count: int  # all the enterprise's pledges
    total: figures.Giving  # over all its pledges, from the ledger


def impact(enterprise_id: int, shown: int) -> Impact:
    """The enterprise's newest ``shown`` pledges followed into grants, and its totals."""
    pledges = db.session.scalars(
        sa.select(Pledge)
        .where(Pledge.enterprise_id == enterprise_id)
        .options(
            selectinload(Pledge.proposal),
            selectinload(Pledge.program),
            selectinload(Pledge.category),
        )
        .order_by(Pledge.created_at.desc(), Pledge.id.desc())
        .limit(shown)
    ).all()
    ids = [p.id for p in pledges]
    money = figures.giving(by_pledge=True, enterprise_ids=[enterprise_id])
    sources: dict[int, list[GrantSource]] = {}
    for source in db.session.scalars(
        sa.select(GrantSource)
        .where(GrantSource.pledge_id.in_(ids))
        .options(
            selectinload(GrantSource.grant)
            .selectinload(Grant.proposal)
            .selectinload(Proposal.organization),
            selectinload(GrantSource.grant).selectinload(Grant.tranches),
        )
        .order_by(GrantSource.id)
    ):
        sources.setdefault(source.pledge_id, []).append(source)
    count = db.session.scalar(
        sa.select(sa.func.count(Pledge.id)).where(Pledge.enterprise_id == enterprise_id)
    )
    return Impact(
        [
            PledgeUse(p, money.get(p.id, figures.Giving(p.id)), sources.get(p.id, []))
            for p in pledges
        ],
        count,
        figures.giving(enterprise_ids=[enterprise_id]).get(
            enterprise_id, figures.Giving(enterprise_id)
        ),
    )
