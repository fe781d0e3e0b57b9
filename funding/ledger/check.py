"""Invariants of the money, checked from the ledger itself (``flask ledger check``)."""

from collections import defaultdict

import sqlalchemy as sa

from funding.extensions import db, sum_fen
from funding.grants.models import Grant
from funding.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from funding.pledges.models import Pledge, PledgeState


def violations() -> list[str]:
    """Every broken invariant, as a sentence; an empty list means the books are sound."""
    problems = []
    unbalanced = db.session.execute(
        sa.select(Entry.transaction_id, sum_fen(Entry.amount_fen))
        .group_by(Entry.transaction_id)
        .having(sa.func.sum(Entry.amount_fen) != 0)
    ).all()
    problems += [f"transaction {t} sums to {s}, not 0" for t, s in unbalanced]
    empty = db.session.scalars(
        sa.select(LedgerTransaction.id).where(~LedgerTransaction.entries.any())
    ).all()
    problems += [f"transaction {t} has no entries" for t in empty]
    sums = dict(
        db.session.execute(
            sa.select(Entry.account_id, sum_fen(Entry.amount_fen)).group_by(Entry.account_id)
        ).all()
    )
    by_ref: dict[tuple, int] = {}
    for acc in db.session.scalars(sa.select(Account)):
        total = sums.get(acc.id, 0)
        by_ref[(acc.kind, acc.ref)] = acc.balance_fen
        if acc.balance_fen != total:
            problems.append(
                f"account {acc.kind}:{acc.ref} shows {acc.balance_fen} but its "
                f"entries sum to {total}"
            )
        if acc.kind != AccountKind.OUTSIDE and acc.balance_fen < 0:
            problems.append(f"account {acc.kind}:{acc.ref} is negative ({acc.balance_fen})")
    owed: dict[str, int] = defaultdict(int)
    for pledge in db.session.scalars(sa.select(Pledge).where(Pledge.state == PledgeState.PLEDGED)):
        owed[str(pledge.enterprise_id)] += pledge.amount_fen
    for (kind, ref), value in by_ref.items():
        if kind == AccountKind.PLEDGES_RECEIVABLE and value != owed.get(ref, 0):
            problems.append(
                f"enterprise {ref} owes {owed.get(ref, 0)} in open pledges but its "
                f"receivable holds {value}"
            )
    for grant in db.session.scalars(sa.select(Grant).where(Grant.reserved_at.is_not(None))):
        problems += _grant_problems(grant, by_ref)
    return problems


def _grant_problems(grant: Grant, by_ref: dict) -> list[str]:
    problems = []
    sources = grant.sources
    if sum(s.amount_fen for s in sources) != grant.amount_fen:
        problems.append(f"grant {grant.id}: sources do not add up to its amount")
    held = sum(
        v
        for (k, ref), v in by_ref.items()
        if (k == AccountKind.GRANT_RESERVED and ref == str(grant.id))
        or (k == AccountKind.GRANT_HELD and ref.startswith(f"{grant.id}:"))
    )
    unpaid = sum(s.unpaid_fen for s in sources)
    if held != unpaid:
        problems.append(f"grant {grant.id}: {held} is reserved or held but {unpaid} is unpaid")
    return problems
