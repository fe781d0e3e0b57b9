"""The public figures, every one summed from ledger entries."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from funding.directory.models import Enterprise
from funding.extensions import db, sum_fen
from funding.grants.models import Grant, Tranche
from funding.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from funding.pledges.models import Pledge, PledgeState
from funding.proposals.models import Program, Proposal

RAISED_KINDS = ("program_funded", "pledge_received")


@dataclass(frozen=True)
class ProgramFigures:
    program: Program
    raised_fen: int  # money that arrived for the program and its projects
    reserved_fen: int  # reserved for grants and not yet paid
    paid_fen: int  # paid to organizations
    available_fen: int  # in the program fund, not reserved


def _sum(query) -> int:
    return db.session.scalar(query) or 0


def _entries_into(kinds: tuple[AccountKind, ...], refs: list[str], txn_kinds=None):
    query = (
        sa.select(sum_fen(Entry.amount_fen))
        .join(Entry.account)
        .where(Account.kind.in_(kinds), Account.ref.in_(refs))
    )
    if txn_kinds:
        query = query.join(Entry.transaction).where(LedgerTransaction.kind.in_(txn_kinds))
    return query


def paid_by_grant() -> dict[int, int]:
    """Payments to organizations per grant, summed from the tranche payment entries."""
    rows = db.session.execute(
        sa.select(LedgerTransaction.cause, sum_fen(Entry.amount_fen))
        .join(Entry.transaction)
        .join(Entry.account)
        .where(Account.kind == AccountKind.PAYEE, LedgerTransaction.kind == "tranche_paid")
        .group_by(LedgerTransaction.cause)
    ).all()
    tranche_grant = dict(db.session.execute(sa.select(Tranche.id, Tranche.grant_id)).all())
    paid: dict[int, int] = defaultdict(int)
    for cause, amount in rows:
        paid[tranche_grant[int(cause.split(":")[1])]] += amount
    return paid


def reserved_by_grant() -> dict[int, int]:
    """Money reserved or held for each grant now (unpaid), summed from the entries."""
    rows = db.session.execute(
        sa.select(Account.ref, sum_fen(Entry.amount_fen))
        .join(Entry.account)
        .where(Account.kind.in_((AccountKind.GRANT_RESERVED, AccountKind.GRANT_HELD)))
        .group_by(Account.ref)
    ).all()
    reserved: dict[int, int] = defaultdict(int)
    for ref, amount in rows:  # "7" for the reserve, "7:2" for money held for tranche 2
        reserved[int(ref.split(":")[0])] += amount
    return reserved


def program_figures() -> list[ProgramFigures]:
    rows = []
    grants = list(db.session.scalars(sa.select(Grant)))
    paid, reserved = paid_by_grant(), reserved_by_grant()
    for program in db.session.scalars(sa.select(Program).order_by(Program.id)):
        own = [g.id for g in grants if g.proposal.program_id == program.id]
        projects = [
            str(p)
            for p in db.session.scalars(
                sa.select(Proposal.id).where(Proposal.program_id == program.id)
            )
        ]
        raised = _sum(
            _entries_into((AccountKind.PROGRAM_FUND,), [str(program.id)], RAISED_KINDS).where(
                Entry.amount_fen > 0
            )
        )
        raised += _sum(
            _entries_into((AccountKind.PROJECT_FUND,), projects, RAISED_KINDS).where(
                Entry.amount_fen > 0, Entry.pledge_id.is_not(None)
            )
        )
        rows.append(
            ProgramFigures(
                program,
                raised,
                sum(reserved.get(g, 0) for g in own),
                sum(paid.get(g, 0) for g in own),
                _sum(_entries_into((AccountKind.PROGRAM_FUND,), [str(program.id)])),
            )
        )
    return rows


@dataclass(frozen=True)
class Total:
    key: str
    grants: int
    amount_fen: int  # granted (reserved + paid)
    paid_fen: int


def totals_by(dimension: str) -> list[Total]:
    """Grants with reserved money, by street, service category or year of the agreement."""
    grants = list(db.session.scalars(sa.select(Grant).where(Grant.reserved_at.is_not(None))))
    paid, reserved = paid_by_grant(), reserved_by_grant()
    buckets: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g in grants:
        p = g.proposal
        if dimension == "street":
            keys = {c.street.name for c in p.communities} or {"—"}
        elif dimension == "category":
            keys = {p.category.name if p.category else "—"}
        else:
            keys = {str(g.created_at.year)}
        for key in keys:
            bucket = buckets[key]
            bucket[0] += 1
            bucket[1] += reserved.get(g.id, 0) + paid.get(g.id, 0)
            bucket[2] += paid.get(g.id, 0)
    return [Total(k, *v) for k, v in sorted(buckets.items())]


@dataclass(frozen=True)
class Giving:
    enterprise: Enterprise
    pledged_fen: int
    received_fen: int
    paid_out_fen: int


def enterprise_giving() -> list[Giving]:
    """Listed enterprises: what they pledged, what arrived, and what reached organizations."""
    rows = []
    for ent in db.session.scalars(
        sa.select(Enterprise)
        .where(Enterprise.public_listing, Enterprise.verified_at.is_not(None))
        .order_by(Enterprise.name)
    ):
        pledges = list(
            db.session.scalars(
                sa.select(Pledge).where(
                    Pledge.enterprise_id == ent.id, Pledge.state != PledgeState.CANCELLED
                )
            )
        )
        if not pledges:
            continue
        ids = [p.id for p in pledges]
        pledged = _sum(
            sa.select(sum_fen(Entry.amount_fen))
            .join(Entry.transaction)
            .where(
                LedgerTransaction.kind == "pledge", Entry.pledge_id.in_(ids), Entry.amount_fen > 0
            )
        )
        received = _sum(
            sa.select(sum_fen(Entry.amount_fen))
            .join(Entry.transaction)
            .join(Entry.account)
            .where(
                LedgerTransaction.kind == "pledge_received",
                Entry.pledge_id.in_(ids),
                Account.kind != AccountKind.PLEDGES_RECEIVABLE,
            )
        )
        paid_out = _sum(
            sa.select(sum_fen(Entry.amount_fen))
            .join(Entry.account)
            .where(Account.kind == AccountKind.PAYEE, Entry.pledge_id.in_(ids))
        )
        rows.append(Giving(ent, pledged, received, paid_out))
    return rows


def public_grants() -> list[tuple[Grant, int, int]]:
    """Active and finished grants with reserved and paid money."""
    grants = list(db.session.scalars(sa.select(Grant).order_by(Grant.id.desc())))
    paid, reserved = paid_by_grant(), reserved_by_grant()
    return [(g, reserved.get(g.id, 0), paid.get(g.id, 0)) for g in grants]
