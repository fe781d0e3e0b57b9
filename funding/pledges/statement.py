"""A funder's statement: each of its pledges, the matching it earned, the grants its money
went to and what was paid, as one table staff can send or file."""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from funding import figures
from funding.directory.models import Enterprise
from funding.exports import Column, Kind, Table, total_label
from funding.extensions import db
from funding.grants.models import Grant, GrantSource
from funding.i18n import localized
from funding.pledges.models import Pledge, PledgeTarget


def target_label(pledge: Pledge) -> str:
    """What the pledge is for, in the reader's language."""
    if pledge.target == PledgeTarget.PROJECT:
        return f"{_('Project')}: {pledge.proposal.title}"
    if pledge.target == PledgeTarget.PROGRAM:
        return f"{_('Program')}: {localized(pledge.program, 'name')}"
    if pledge.target == PledgeTarget.CATEGORY:
        return f"{_('Service category')}: {localized(pledge.category, 'name')}"
    return _("The general pool")


def statement_size(params: dict) -> int:
    """How many rows the statement has: one per pledge and one per grant slice."""
    pledges = sa.select(Pledge.id).where(Pledge.enterprise_id == params["enterprise_id"])
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(pledges.subquery())
    ) + db.session.scalar(
        sa.select(sa.func.count(GrantSource.id)).where(GrantSource.pledge_id.in_(pledges))
    )


def statement(params: dict) -> Table:
    """One row per pledge (what was promised, arrived, matched, refunded, is waiting), then one
    per grant its money went to (reserved, paid, returned by the grant). Every amount appears
    once, so each column's total is the enterprise's total."""
    enterprise = db.session.get(Enterprise, params["enterprise_id"])
    money = figures.giving(by_pledge=True, enterprise_ids=[enterprise.id])
    pledges = db.session.scalars(
        sa.select(Pledge)
        .where(Pledge.enterprise_id == enterprise.id)
        .options(
            selectinload(Pledge.proposal),
            selectinload(Pledge.program),
            selectinload(Pledge.category),
        )
        .order_by(Pledge.id)
    ).all()
    sources: dict[int, list[GrantSource]] = {}
    for source in db.session.scalars(
        sa.select(GrantSource)
        .where(GrantSource.pledge_id.in_([p.id for p in pledges]))
        .options(selectinload(GrantSource.grant).selectinload(Grant.proposal))
        .order_by(GrantSource.id)
    ):
        sources.setdefault(source.pledge_id, []).append(source)
    columns = [
        Column(_("Pledge"), Kind.INT),
        Column(_("Made on"), Kind.DATETIME),
        Column(_("For")),
        Column(_("Grant")),
        Column(_("Pledged"), Kind.YUAN, total=True),
        Column(_("Received"), Kind.YUAN, total=True),
        Column(_("Not yet arrived"), Kind.YUAN, total=True),
        Column(_("Matching added"), Kind.YUAN, total=True),
        Column(_("Reserved for the grant"), Kind.YUAN, total=True),
        Column(_("Paid to the organization"), Kind.YUAN, total=True),
        Column(_("Returned by the grant"), Kind.YUAN, total=True),
        Column(_("Refunded"), Kind.YUAN, total=True),
        Column(_("Waiting in funds"), Kind.YUAN, total=True),
    ]

    def rows():
        for pledge in pledges:
            m = money.get(pledge.id, figures.Giving(pledge.id))
            yield [
                pledge.id,
                pledge.created_at,
                target_label(pledge),
                "",
                m.pledged_fen,
                m.received_fen,
                m.due_fen,
                m.matched_fen,
                None,
                None,
                None,
                m.refunded_fen,
                m.waiting_fen,
            ]
            for s in sources.get(pledge.id, []):
                yield [
                    pledge.id,
                    None,
                    "",
                    s.grant.proposal.title,
                    None,
                    None,
                    None,
                    None,
                    s.amount_fen,
                    s.paid_fen,
                    s.returned_fen,
                    None,
                    None,
                ]

    return Table(columns, rows(), totals=total_label())
