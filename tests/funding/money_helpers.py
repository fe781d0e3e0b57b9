"""Shared helpers for the money tests: a reset usable inside hypothesis examples, a signed
grant built through the real services, and an independent recomputation of the books."""

from collections import defaultdict
from datetime import date, timedelta
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app

from funding.accounts.models import Role, User
from funding.dates import today
from funding.directory.services import load_reference_data
from funding.extensions import db
from funding.grants import ratings, reservation, tranches
from funding.grants.models import Grant, GrantState, TrancheState
from funding.ledger.models import Account, AccountKind, Entry, Flow, LedgerTransaction
from funding.pledges import services as pledges
from funding.pledges.models import PaymentMethod, Pledge, PledgeTarget, UnusedMoney
from funding.proposals import services as proposals
from funding.proposals.models import (
    BudgetCategory,
    BudgetLine,
    Program,
    Proposal,
    ProposalState,
)
from tests import factories

TODAY = date(2027, 3, 1)  # the factories' disclosure dates are relative to this


def key() -> str:
    """A fresh idempotency key, as a form would carry."""
    return uuid4().hex


def reset_database() -> None:
    """Empty every table and load the reference data again (what ``clean_db`` does), for use
    inside one hypothesis example; the caller is already inside the app context."""
    db.session.remove()
    present = set(sa.inspect(db.engine).get_table_names())
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in present]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))
    load_reference_data()
    db.session.commit()
    outbox = getattr(current_app.extensions.get("mailman"), "outbox", None)
    if isinstance(outbox, list):
        outbox.clear()


def matching_program(
    *,
    own_fen: int,
    ratio_pct: int = 100,
    cap_project_fen: int = 0,
    cap_program_fen: int = 0,
    tranches: list[int] | None = None,
) -> Program:
    """A program whose fund holds ``own_fen`` of the foundation's money (through the ledger)."""
    prog = factories.program(
        budget_fen=own_fen,
        match_ratio_pct=ratio_pct,
        match_cap_project_fen=cap_project_fen,
        match_cap_program_fen=cap_program_fen,
        tranches=tranches or [50, 30, 20],
    )
    db.session.commit()
    return prog


def budget_for(amount_fen: int) -> dict:
    """Proposal fields asking for ``amount_fen``: a budget of the amount on personnel and half
    as much again, self-funded, on activities."""
    return {
        "budget_lines": [
            BudgetLine(
                item="人员经费",
                category=BudgetCategory.PERSONNEL,
                quantity=1,
                unit_price_fen=amount_fen,
            ),
            BudgetLine(
                item="活动经费",
                category=BudgetCategory.ACTIVITIES,
                quantity=1,
                unit_price_fen=max(1, amount_fen // 2),
                position=1,
            ),
        ],
        "amount_requested_fen": amount_fen,
        "self_funded_fen": max(1, amount_fen // 2),
    }


def approved_proposal(member: User, program: Program, amount_fen: int, **fields) -> Proposal:
    """A proposal approved for ``amount_fen`` (all it asked) whose public disclosure has ended."""
    fields = budget_for(amount_fen) | fields
    return factories.proposal(
        member,
        state=ProposalState.APPROVED,
        program=program,
        approved_amount_fen=amount_fen,
        disclosure_until=TODAY - timedelta(days=1),
        **fields,
    )


def signed_grant(staff: User, member: User, program: Program, amount_fen: int, **fields) -> Grant:
    """A proposal carried to AGREEMENT_SIGNED by the real service, which creates the grant."""
    proposal = approved_proposal(member, program, amount_fen, **fields)
    return proposals.sign_agreement(staff, proposal, TODAY)


def pledge_data(
    target: PledgeTarget,
    amount_fen: int,
    *,
    program_id=None,
    category_code=None,
    proposal_id=None,
    tranche_no=None,
    instalments: int = 1,
    if_unused=UnusedMoney.PROGRAM,
):
    """A pledge paid in ``instalments`` equal parts (the last takes the rest), a month apart."""
    part = amount_fen // instalments
    amounts = [part] * (instalments - 1) + [amount_fen - part * (instalments - 1)]
    return pledges.PledgeData(
        target=target,
        amount_fen=amount_fen,
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=tuple(
            pledges.InstalmentData(today() + timedelta(days=30 * (n + 1)), a)
            for n, a in enumerate(amounts)
        ),
        program_id=program_id,
        category_code=category_code,
        proposal_id=proposal_id,
        tranche_no=tranche_no,
        if_unused=if_unused,
    )


def promise(member: User, data) -> Pledge:
    """An enterprise member previews a pledge and confirms it with the match it was shown."""
    preview = pledges.preview_pledge(member, member.party, data)
    return pledges.create_pledge(member, member.party, data, key(), preview.match_fen)


def receive(staff: User, pledge: Pledge) -> int:
    """Staff record every instalment still due; returns the matching added."""
    return sum(
        pledges.confirm_instalment(staff, i, f"R-{i.id}", today(), key())
        for i in list(pledge.open_instalments)
    )


def enterprise_member() -> User:
    """A member of a new verified enterprise."""
    return factories.user(Role.ENTERPRISE_MEMBER)


def balances() -> dict[tuple[str, str], int]:
    """Every account's stored balance, by (kind, ref)."""
    return {
        (str(k), r): b
        for k, r, b in db.session.execute(sa.select(Account.kind, Account.ref, Account.balance_fen))
    }


def books() -> tuple[dict[tuple[str, str], int], int, int]:
    """What must not change when a service refuses: balances, entry and transaction counts."""
    return (
        balances(),
        db.session.scalar(sa.select(sa.func.count(Entry.id))),
        db.session.scalar(sa.select(sa.func.count(LedgerTransaction.id))),
    )


def independent_problems() -> list[str]:
    """The books recomputed here, without ``funding.ledger.check``: stored balances and the
    running flows equal the sums of the entries, nothing but the outside account is negative,
    every transaction and the whole ledger sum to zero, and no pledge's slice of an account
    (nor the untagged rest) is below zero."""
    problems = []
    sums: dict[int, int] = defaultdict(int)
    per_txn: dict[int, int] = defaultdict(int)
    flows: dict[tuple, int] = defaultdict(int)
    grand = 0
    for account_id, txn_id, movement, pledge_id, amount in db.session.execute(
        sa.select(
            Entry.account_id,
            Entry.transaction_id,
            LedgerTransaction.kind,
            Entry.pledge_id,
            Entry.amount_fen,
        ).join(Entry.transaction)
    ):
        sums[account_id] += amount
        per_txn[txn_id] += amount
        flows[account_id, movement, pledge_id or 0] += amount
        grand += amount
    kept = {
        (a, m, p): fen
        for a, m, p, fen in db.session.execute(
            sa.select(Flow.account_id, Flow.movement, Flow.pledge_key, Flow.total_fen)
        )
    }
    problems += [
        f"flow {k} is {kept.get(k, 0)}, entries {flows.get(k, 0)}"
        for k in flows.keys() | kept.keys()
        if kept.get(k, 0) != flows.get(k, 0)
    ]
    if grand != 0:
        problems.append(f"all entries sum to {grand}")
    problems += [f"txn {t} sums to {s}" for t, s in per_txn.items() if s != 0]
    for acc in db.session.scalars(sa.select(Account)):
        if acc.balance_fen != sums[acc.id]:
            problems.append(f"{acc.kind}:{acc.ref} balance {acc.balance_fen} != {sums[acc.id]}")
        if acc.kind != AccountKind.OUTSIDE and acc.balance_fen < 0:
            problems.append(f"{acc.kind}:{acc.ref} negative {acc.balance_fen}")
    slices = db.session.execute(
        sa.select(Account.kind, Account.ref, Entry.pledge_id, sa.func.sum(Entry.amount_fen))
        .join(Entry.account)
        .where(Account.kind != AccountKind.OUTSIDE)
        .group_by(Account.kind, Account.ref, Entry.pledge_id)
        .having(sa.func.sum(Entry.amount_fen) < 0)
    ).all()
    problems += [f"{k}:{r} holds {s} of pledge {p}" for k, r, p, s in slices]
    return problems


def total(kind: AccountKind) -> int:
    """The sum of the balances of every account of ``kind``."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Account.balance_fen), 0)).where(Account.kind == kind)
    )


def reserve_proposed(staff: User, grant: Grant) -> None:
    """Reserve a grant with the amounts ``source_options`` proposes (they must cover it)."""
    amounts = {o.key: o.proposed_fen for o in reservation.source_options(grant)}
    assert sum(amounts.values()) == grant.amount_fen
    reservation.reserve_grant(staff, grant, amounts, key())


def spending(grant: Grant, share_pct: int = 100) -> dict[int, int]:
    """Grant money spent per budget line: ``share_pct`` of the grant, line by line in order,
    none above its line's budget."""
    left = grant.amount_fen * share_pct // 100
    spent = {}
    for line in grant.proposal.budget_lines:
        take = min(left, line.total_fen)
        spent[line.position] = take
        left -= take
    assert left == 0, "the budget lines cannot hold that much spending"
    return spent


def request_next(
    member: User, staff: User, worker: User | None, grant: Grant, spent_pct: int = 100
):
    """The organization requests the next unpaid tranche, after the mid-term review (before
    the second) and a community rating with a final report spending ``spent_pct`` of the grant
    (for the last)."""
    tranche = next(t for t in grant.tranches if t.state != TrancheState.PAID)
    if tranche.number == 2 and grant.state == GrantState.ACTIVE:
        tranches.pass_midterm(staff, grant)
    last = tranches.is_final(tranche)
    if last:
        ratings.rate_project(worker, grant, 5, "很好")
    report = tranches.Report("助餐", 40, spending(grant, spent_pct if last else 50), final=last)
    tranches.request_tranche(member, tranche, report)
    return tranche


def ledger_count(kind: str, cause: str | None = None) -> int:
    """How many ledger transactions of ``kind`` (with ``cause``) there are."""
    query = sa.select(sa.func.count(LedgerTransaction.id)).where(LedgerTransaction.kind == kind)
    if cause is not None:
        query = query.where(LedgerTransaction.cause == cause)
    return db.session.scalar(query)


def pledge_money_in(account_: Account, pledge_id: int | None) -> int:
    """The ledger's own sum of a pledge's (or, with None, the untagged) money in an account."""
    query = sa.select(sa.func.coalesce(sa.func.sum(Entry.amount_fen), 0)).where(
        Entry.account_id == account_.id
    )
    query = query.where(
        Entry.pledge_id.is_(None) if pledge_id is None else Entry.pledge_id == pledge_id
    )
    return db.session.scalar(query)
