"""Invariants of the money, checked from the ledger itself (``flask ledger check``)."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from funding.extensions import db, sum_fen
from funding.figures import FUNDABLE, identity_problems
from funding.grants.models import Grant, GrantState
from funding.ledger.models import Account, AccountKind, Entry, Flow, LedgerTransaction
from funding.proposals.models import Proposal


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
    for acc in db.session.scalars(sa.select(Account)):
        total = sums.get(acc.id, 0)
        if acc.balance_fen != total:
            problems.append(
                f"account {acc.kind}:{acc.ref} shows {acc.balance_fen} but its "
                f"entries sum to {total}"
            )
        if acc.kind != AccountKind.OUTSIDE and acc.balance_fen < 0:
            problems.append(f"account {acc.kind}:{acc.ref} is negative ({acc.balance_fen})")
    problems += _flow_problems()
    negative_slices = db.session.execute(
        sa.select(Account.kind, Account.ref, Entry.pledge_id, sum_fen(Entry.amount_fen))
        .join(Entry.account)
        .where(Account.kind != AccountKind.OUTSIDE)
        .group_by(Account.kind, Account.ref, Entry.pledge_id)
        .having(sa.func.sum(Entry.amount_fen) < 0)
    ).all()
    problems += [
        f"account {k}:{r} holds {s} of {'pledge ' + str(p) if p else 'untagged money'}"
        for k, r, p, s in negative_slices
    ]
    problems += _grant_problems()
    problems += _stranded()
    problems += identity_problems()
    return problems


def _flow_problems() -> list[str]:
    """The running totals the public figures read equal the entries they sum."""
    key = (Entry.account_id, LedgerTransaction.kind, sa.func.coalesce(Entry.pledge_id, 0))
    summed = {
        (acc, movement, pledge): fen
        for acc, movement, pledge, fen in db.session.execute(
            sa.select(*key, sum_fen(Entry.amount_fen)).join(Entry.transaction).group_by(*key)
        )
    }
    kept = {
        (acc, movement, pledge): fen
        for acc, movement, pledge, fen in db.session.execute(
            sa.select(Flow.account_id, Flow.movement, Flow.pledge_key, Flow.total_fen)
        )
    }
    return [
        f"account {acc}: its {movement} flow of pledge {pledge or '-'} is "
        f"{kept.get((acc, movement, pledge), 0)} but its entries sum to "
        f"{summed.get((acc, movement, pledge), 0)}"
        for acc, movement, pledge in sorted(summed.keys() | kept.keys())
        if kept.get((acc, movement, pledge), 0) != summed.get((acc, movement, pledge), 0)
    ]


def _grant_problems() -> list[str]:
    """A reserved grant's sources add up to it, and its accounts hold exactly what is unpaid."""
    problems = []
    held: dict[int, int] = {}
    for ref, balance in db.session.execute(
        sa.select(Account.ref, Account.balance_fen).where(
            Account.kind.in_((AccountKind.GRANT_RESERVED, AccountKind.GRANT_HELD))
        )
    ):
        grant_id = int(ref.split(":")[0])
        held[grant_id] = held.get(grant_id, 0) + balance
    for grant in db.session.scalars(sa.select(Grant).where(Grant.reserved_at.is_not(None))):
        sources = grant.sources
        if sum(s.amount_fen for s in sources) != grant.amount_fen:
            problems.append(f"grant {grant.id}: sources do not add up to its amount")
        unpaid = sum(s.unpaid_fen for s in sources)
        if held.get(grant.id, 0) != unpaid:
            problems.append(
                f"grant {grant.id}: {held.get(grant.id, 0)} is reserved or held but "
                f"{unpaid} is unpaid"
            )
        if grant.state in (GrantState.COMPLETED, GrantState.TERMINATED) and unpaid:
            problems.append(f"grant {grant.id} has ended with {unpaid} still reserved")
    return problems


def _stranded() -> list[str]:
    """Money left in the fund of a project that can no longer use it: its grant is reserved
    or has ended, or the proposal is no longer approved or signed."""
    fund = aliased(Account)
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.state, Grant.state, Grant.reserved_at, fund.balance_fen)
        .join(fund, fund.ref == sa.cast(Proposal.id, sa.String))
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .where(fund.kind == AccountKind.PROJECT_FUND, fund.balance_fen != 0)
    ).all()
    return [
        f"project {pid}: {balance} is left in its fund, which it can no longer use"
        for pid, state, _grant_state, reserved_at, balance in rows
        if state not in FUNDABLE or reserved_at is not None
    ]
