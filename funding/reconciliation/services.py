"""Storing an uploaded statement's lines once, and confirming lines as the receipts of the
instalments they pay: each through ``pledges.services.confirm_instalment``, the whole batch
in one transaction."""

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.ledger.services import claim_key, money_transaction, remember_result
from funding.pledges.models import Instalment, InstalmentState
from funding.pledges.services import confirm_instalment
from funding.reconciliation.models import BankLine, BankStatement
from funding.reconciliation.reading import read_statement
from funding.transactions import DomainError, transactional


@transactional
def upload_statement(actor: User, filename: str, data: bytes) -> BankStatement:
    """Read the statement and keep the lines not already known (by their key)."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    lines = read_statement(filename, data)
    keys = [line.key for line in lines]
    known = set(db.session.scalars(sa.select(BankLine.line_key).where(BankLine.line_key.in_(keys))))
    statement = BankStatement(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
        lines_read=len(lines),
        lines_new=len([k for k in keys if k not in known]),
    )
    db.session.add(statement)
    db.session.flush()
    db.session.add_all(
        BankLine(
            statement_id=statement.id,
            line_key=line.key,
            booked_on=line.booked_on,
            amount_fen=line.amount_fen,
            payer=line.payer,
            reference=line.reference,
        )
        for line in lines
        if line.key not in known
    )
    record(
        actor,
        "bank_statement.upload",
        statement,
        after={
            "file": statement.filename,
            "read": statement.lines_read,
            "new": statement.lines_new,
        },
    )
    return statement


@dataclass(frozen=True)
class Pair:
    line_id: int
    instalment_id: int


def receipt_number(line: BankLine) -> str:
    """The receipt number a line records: its id and the bank's reference."""
    return f"BANK-{line.id} {line.reference}".strip()[:64]


@money_transaction
def confirm_matches(actor: User, pairs: list[Pair], key: str) -> int:
    """Record each chosen line as the receipt of its instalment, as the pledge page would;
    any refusal refuses the whole batch. A line pays once: a line already used, a debit, or
    an amount that is not the instalment's is refused. Returns the matching money added."""
    done = claim_key(key, actor, "bank.confirm")
    if done is not None:
        return int(done.result)
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if not pairs or len({p.line_id for p in pairs}) != len(pairs):
        raise DomainError("bank_nothing_chosen")
    lines = {
        line.id: line
        for line in db.session.scalars(
            sa.select(BankLine).where(BankLine.id.in_([p.line_id for p in pairs]))
        )
    }
    instalments = {
        i.id: i
        for i in db.session.scalars(
            sa.select(Instalment).where(Instalment.id.in_([p.instalment_id for p in pairs]))
        )
    }
    matched = 0
    now = utcnow()
    for pair in pairs:
        line, instalment = lines.get(pair.line_id), instalments.get(pair.instalment_id)
        if line is None or instalment is None:
            raise DomainError("bank_line_unknown")
        if line.amount_fen != instalment.amount_fen:
            raise DomainError("bank_amount_differs")
        if instalment.state != InstalmentState.DUE:
            raise DomainError("pledge_not_pending")
        used = db.session.execute(
            sa.update(BankLine)
            .where(BankLine.id == line.id, BankLine.instalment_id.is_(None))
            .values(instalment_id=instalment.id, matched_by_id=actor.id, matched_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if used != 1:
            raise DomainError("bank_line_used")
        line_key = hashlib.sha256(f"{key}:{line.id}".encode()).hexdigest()
        matched += confirm_instalment(
            actor, instalment, receipt_number(line), line.booked_on, line_key
        )
    record(
        actor,
        "bank_statement.confirm",
        object_type="bank_lines",
        after={"pairs": [[p.line_id, p.instalment_id] for p in pairs], "matched_fen": matched},
    )
    remember_result(key, str(matched))
    return matched
