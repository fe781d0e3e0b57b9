"""The public tables, each defined once: the transparency page shows them and its downloads
write them, so the page and the files always agree. Each states the identity its columns obey.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from funding import figures
from funding.directory.models import Enterprise, ServiceCategory, Street
from funding.exports import Column, Kind, Table, total_label
from funding.extensions import db
from funding.i18n import localized
from funding.labels import label
from funding.money import format_fen
from funding.proposals.models import Program


@dataclass
class PublicTable:
    """A table with the sentence that says how its columns add up."""

    table: Table
    identity: str

    def materialized(self) -> "PublicTable":
        """Rows and totals as lists, to be shown on a page."""
        lines = list(self.table.lines())
        rows = lines[:-1] if self.table.totals is not None else lines
        self.table = Table(self.table.columns, rows, self.table.totals)
        self.total_row = lines[-1] if self.table.totals is not None else None
        return self


_OPEN = {Kind.YUAN: '<td class="text-end text-nowrap">', Kind.INT: '<td class="text-end">'}


def _shown(column: Column, value) -> str:
    if value is None:
        return ""
    return escape(format_fen(value) if column.kind == Kind.YUAN else value)


def cells(row: list, columns: list[Column]) -> Markup:
    """A row's cells as HTML: money as ¥1,234.56, numbers aligned right. A page shows a
    hundred rows of ten cells, so this is one call a row with plain string work."""
    html = "".join(
        f"{_OPEN.get(column.kind, '<td>')}{_shown(column, value)}</td>"
        for column, value in zip(columns, row, strict=True)
    )
    return Markup(html)  # noqa: S704 -- every value in it was escaped by _shown


def _money(title) -> Column:
    return Column(str(title), Kind.YUAN, total=True)


PROGRAM_IDENTITY = _l(
    "Raised + from shared funds − refunded to donors = paid + reserved + for projects + "
    "committed + available."
)


def programs(money: list[figures.ProgramMoney] | None = None) -> PublicTable:
    """Each program's money (definitions in ``funding.figures``)."""
    columns = [
        Column(_("Program")),
        _money(_("Raised")),
        _money(_("From shared funds")),
        _money(_("Refunded to donors")),
        _money(_("Paid")),
        _money(_("Reserved")),
        _money(_("For projects")),
        _money(_("Committed")),
        _money(_("Available")),
        _money(_("Matching added")),
        _money(_("Pledged, not yet arrived")),
    ]
    rows = [
        [
            localized(r.program, "name"),
            r.raised_fen,
            r.from_shared_fen,
            r.refunded_fen,
            r.paid_fen,
            r.reserved_fen,
            r.for_projects_fen,
            r.committed_fen,
            r.available_fen,
            r.matched_fen,
            r.due_fen,
        ]
        for r in (figures.program_money() if money is None else money)
    ]
    return PublicTable(Table(columns, rows, totals=total_label()), str(PROGRAM_IDENTITY))


GRANT_IDENTITY = _l("Amount = paid + reserved + returned + not yet reserved.")


def _grant_columns(first: list[Column]) -> list[Column]:
    return [
        *first,
        _money(_("Amount")),
        _money(_("Paid")),
        _money(_("Reserved")),
        _money(_("Returned")),
        _money(_("Not yet reserved")),
    ]


def grants(money: list[figures.GrantMoney] | None = None) -> PublicTable:
    """Every grant (signed agreement) and what became of its money."""
    money = figures.grant_money() if money is None else money
    first = [Column(_("Project")), Column(_("Organization")), Column(_("Program"))]
    columns = [*_grant_columns(first), Column(_("State"))]
    rows = [
        [
            m.grant.proposal.title,
            m.grant.proposal.organization.name,
            localized(m.grant.proposal.program, "name"),
            m.amount_fen,
            m.paid_fen,
            m.reserved_fen,
            m.returned_fen,
            m.unreserved_fen,
            label(m.grant.state),
        ]
        for m in money
    ]
    return PublicTable(Table(columns, rows, totals=total_label()), str(GRANT_IDENTITY))


BREAKDOWN_TITLES = {
    "program": _l("Program"),
    "street": _l("Street"),
    "category": _l("Service category"),
    "year": _l("Year of the agreement"),
}


def _bucket_names(dimension: str) -> dict[str, str]:
    names = {
        figures.SEVERAL_STREETS: _("Several streets"),
        figures.DISTRICT_WIDE: _("District-wide"),
    }
    if dimension == "street":
        names |= {s.code: localized(s, "name") for s in db.session.scalars(sa.select(Street))}
    elif dimension == "program":
        names |= {str(p.id): localized(p, "name") for p in db.session.scalars(sa.select(Program))}
    elif dimension == "category":
        names |= {
            c.code: localized(c, "name") for c in db.session.scalars(sa.select(ServiceCategory))
        }
    return names


def breakdown_rows(
    dimension: str, money: list[figures.GrantMoney] | None = None
) -> list[tuple[str, figures.Bucket]]:
    """The buckets of a breakdown with their names in the reader's language."""
    names = _bucket_names(dimension)
    return [(names.get(b.key, b.key), b) for b in figures.breakdown(dimension, money)]


def breakdown(
    dimension: str,
    money: list[figures.GrantMoney] | None = None,
    named: list[tuple[str, figures.Bucket]] | None = None,
) -> PublicTable:
    """Grants by street, service category or year; each grant counts once, so the totals are
    the grants table's totals."""
    columns = _grant_columns(
        [Column(str(BREAKDOWN_TITLES[dimension])), Column(_("Grants"), Kind.INT, total=True)]
    )
    rows = [
        [
            name,
            b.grants,
            b.amount_fen,
            b.paid_fen,
            b.reserved_fen,
            b.returned_fen,
            b.unreserved_fen,
        ]
        for name, b in (breakdown_rows(dimension, money) if named is None else named)
    ]
    return PublicTable(Table(columns, rows, totals=total_label()), str(GRANT_IDENTITY))


ENTERPRISE_IDENTITY = _l(
    "Pledged = received + not yet arrived; received = paid to projects + reserved + waiting "
    "in funds + refunded."
)


def enterprises() -> PublicTable:
    """Enterprises that agreed to be listed: their gifts followed through the ledger."""
    listed = db.session.execute(
        sa.select(Enterprise.id, Enterprise.name)
        .where(Enterprise.public_listing, Enterprise.verified_at.is_not(None))
        .order_by(Enterprise.name)
    ).all()
    money = figures.giving(enterprise_ids=[e.id for e in listed])
    columns = [
        Column(_("Enterprise")),
        _money(_("Pledged")),
        _money(_("Received")),
        _money(_("Not yet arrived")),
        _money(_("Paid to projects")),
        _money(_("Reserved")),
        _money(_("Waiting in funds")),
        _money(_("Refunded")),
        _money(_("Matching it earned")),
    ]
    rows = [
        [
            e.name,
            m.pledged_fen,
            m.received_fen,
            m.due_fen,
            m.paid_fen,
            m.reserved_fen,
            m.waiting_fen,
            m.refunded_fen,
            m.matched_fen,
        ]
        for e in listed
        if (m := money.get(e.id)) is not None and m.pledged_fen
    ]
    return PublicTable(Table(columns, rows, totals=total_label()), str(ENTERPRISE_IDENTITY))


TABLES = {
    "programs": programs,
    "grants": grants,
    "street": lambda: breakdown("street"),
    "category": lambda: breakdown("category"),
    "year": lambda: breakdown("year"),
    "enterprises": enterprises,
}
