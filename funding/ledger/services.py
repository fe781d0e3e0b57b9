"""Posting to the ledger, under one rule for every money path.

The rule: a money service runs in its own write transaction (``money_transaction``). On
SQLite that transaction starts with BEGIN IMMEDIATE, so writers queue up front; on PostgreSQL
each balance changes by a conditional ``UPDATE ... SET balance = balance + d WHERE balance + d
>= 0``, which locks the row and re-checks after any concurrent writer commits. Either way a
balance can never go below zero, and a refused update rolls the whole movement back.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.exc import IntegrityError

from funding.audit.services import record
from funding.extensions import db, sum_fen, upsert
from funding.jobs.queue import dispatch
from funding.ledger.models import (
    Account,
    AccountKind,
    Entry,
    Flow,
    IdempotencyKey,
    LedgerTransaction,
)
from funding.transactions import DomainError


class InsufficientFunds(DomainError):
    def __init__(self, account: Account, need: int) -> None:
        super().__init__("insufficient_funds", account=account.id, need=need)


@dataclass(frozen=True)
class Leg:
    """One side of a movement: ``amount_fen`` added to (or, negative, taken from) ``account``."""

    account: Account
    amount_fen: int
    pledge_id: int | None = None


def money_transaction(fn: Callable) -> Callable:
    """Run a money service in one write transaction that takes its locks before reading."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        session = db.session()
        if session.info.get("in_service"):
            return fn(*args, **kwargs)
        if session.in_transaction():
            session.commit()  # end the request's read transaction; BEGIN IMMEDIATE comes next
        session.info["in_service"] = True
        session.info["write_lock"] = True
        try:
            result = fn(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop("in_service", None)
            session.info.pop("write_lock", None)
        dispatch()
        return result

    return wrapper


def install_sqlite_locking(engine: sa.Engine) -> None:
    """Let money transactions on SQLite start with BEGIN IMMEDIATE (others stay deferred),
    with write-ahead logging so that readers and the one writer do not block each other."""

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, emits BEGIN
        # Write-ahead logging: a reader's open transaction never blocks a writer.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = has_app_context() and db.session.info.get("write_lock", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def account(kind: AccountKind, ref: object = "") -> Account:
    """The account for ``(kind, ref)``, created on first use."""
    ref = str(ref)
    found = db.session.scalar(sa.select(Account).filter_by(kind=kind, ref=ref))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = Account(kind=kind, ref=ref, balance_fen=0)
            db.session.add(found)
    except IntegrityError:  # another request created it first
        found = db.session.scalar(sa.select(Account).filter_by(kind=kind, ref=ref))
    return found


def balance(kind: AccountKind, ref: object = "") -> int:
    """The balance of an account (0 if it has never been used); reads the ledger's totals."""
    value = db.session.scalar(sa.select(Account.balance_fen).filter_by(kind=kind, ref=str(ref)))
    return value or 0


def _apply(account_: Account, delta: int) -> None:
    """Change a balance atomically; refuse (rolling back everything) if it would go negative."""
    stmt = sa.update(Account).where(Account.id == account_.id)
    if delta < 0 and account_.kind != AccountKind.OUTSIDE:
        stmt = stmt.where(Account.balance_fen + delta >= 0)
    done = db.session.execute(
        stmt.values(balance_fen=Account.balance_fen + delta).execution_options(
            synchronize_session=False
        )
    ).rowcount
    if done != 1:
        raise InsufficientFunds(account_, -delta)


def post(
    kind: str, cause: str, legs: Iterable[Leg], *, actor=None, memo: str = ""
) -> LedgerTransaction:
    """Record one movement whose legs sum to zero and apply it to the balances."""
    legs = [leg for leg in legs if leg.amount_fen != 0]
    if not legs:
        raise ValueError("a movement needs at least one non-zero leg")
    if sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError("the legs of a movement must sum to zero")
    txn = LedgerTransaction(
        kind=kind, cause=cause, memo=memo[:200], actor_id=getattr(actor, "id", None)
    )
    db.session.add(txn)
    for leg in legs:
        txn.entries.append(
            Entry(account_id=leg.account.id, amount_fen=leg.amount_fen, pledge_id=leg.pledge_id)
        )
    db.session.flush()
    deltas: dict[int, int] = defaultdict(int)
    by_id = {}
    for leg in legs:
        deltas[leg.account.id] += leg.amount_fen
        by_id[leg.account.id] = leg.account
    # Takings first, in account order, so that concurrent movements lock rows alike.
    for account_id in sorted(deltas, key=lambda a: (deltas[a] >= 0, a)):
        if deltas[account_id]:
            _apply(by_id[account_id], deltas[account_id])
    for acc in by_id.values():
        db.session.expire(acc, ["balance_fen"])
    _add_flows(kind, legs)
    return txn


def _add_flows(movement: str, legs: list[Leg]) -> None:
    """Add a movement's legs to the running totals, in the transaction that posts it. Every
    account involved is locked by now, so concurrent postings cannot deadlock on these rows."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for leg in legs:
        totals[leg.account.id, leg.pledge_id or 0] += leg.amount_fen
    insert = upsert(Flow).values(
        [
            {"account_id": a, "movement": movement, "pledge_key": p, "total_fen": fen}
            for (a, p), fen in sorted(totals.items())
        ]
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Flow.account_id, Flow.movement, Flow.pledge_key],
            set_={"total_fen": Flow.total_fen + insert.excluded.total_fen},
        )
    )


def lock_accounts(accounts: Iterable[Account]) -> None:
    """Lock account rows before reading what they hold (PostgreSQL; SQLite's write lock is
    already held), in id order so that concurrent movements cannot deadlock."""
    ids = sorted({a.id for a in accounts})
    db.session.execute(
        sa.select(Account.id).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    ).all()


def slices(accounts: Iterable[Account]) -> dict[tuple[int, int | None], int]:
    """What each pledge (None: no pledge) holds in each account, from the tagged entries:
    ``{(account id, pledge id): fen}``, non-zero slices only."""
    ids = [a.id for a in accounts]
    rows = db.session.execute(
        sa.select(Entry.account_id, Entry.pledge_id, sum_fen(Entry.amount_fen))
        .where(Entry.account_id.in_(ids))
        .group_by(Entry.account_id, Entry.pledge_id)
    )
    return {(acc, pledge): amount for acc, pledge, amount in rows if amount}


def untagged_balance(account_: Account) -> int:
    """Money in an account that belongs to no pledge (the foundation's own, or matching)."""
    return db.session.scalar(
        sa.select(sum_fen(Entry.amount_fen)).where(
            Entry.account_id == account_.id, Entry.pledge_id.is_(None)
        )
    )


def claim_key(key: str | None, user, action: str) -> IdempotencyKey | None:
    """Claim a form's idempotency key; an already used key returns the first claim."""
    if not key:
        raise DomainError("idempotency_key_missing")
    existing = db.session.get(IdempotencyKey, key)
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            db.session.add(IdempotencyKey(key=key, user_id=user.id, action=action))
    except IntegrityError:
        return db.session.get(IdempotencyKey, key)
    return None


def remember_result(key: str, result: str) -> None:
    db.session.get(IdempotencyKey, key).result = result


def audit_money(actor, action: str, obj, txn: LedgerTransaction, **after) -> None:
    """The audit record of a money movement names its ledger transaction."""
    record(actor, action, obj, after={"ledger_transaction": txn.id, **after})
