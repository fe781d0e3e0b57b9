"""Accounts, transaction groups and entries; an account's balance is the sum of its entries."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import str_enum
from funding.extensions import UTCDateTime, db, utcnow


class AccountKind(enum.StrEnum):
    #: Money outside the platform: donations come from here, payments to organizations
    #: leave through payee accounts. The only account allowed below zero.
    OUTSIDE = "outside"
    GENERAL_FUND = "general_fund"  # the foundation's unrestricted pool
    PROGRAM_FUND = "program_fund"  # ref = program id
    CATEGORY_FUND = "category_fund"  # ref = service category code
    PLEDGES_RECEIVABLE = "pledges_receivable"  # ref = enterprise id: promised, not arrived
    PROJECT_FUND = "project_fund"  # ref = proposal id: money given to one project
    GRANT_RESERVED = "grant_reserved"  # ref = grant id: reserved, payable in tranches
    GRANT_HELD = "grant_held"  # ref = "grant:tranche": reserved but tied to a milestone
    PAYEE = "payee"  # ref = organization id: paid out


class Account(db.Model):
    """One account; ``balance_fen`` is kept equal to the sum of its entries."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        sa.UniqueConstraint("kind", "ref"),
        sa.CheckConstraint("kind = 'outside' OR balance_fen >= 0", name="never_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind))
    ref: Mapped[str] = mapped_column(sa.String(40), default="")
    balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class LedgerTransaction(db.Model):
    """One movement: its entries sum to zero and it is written with the change it belongs to."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    memo: Mapped[str] = mapped_column(sa.String(200), default="")
    #: What caused it, for the pages that explain money ("pledge:7", "tranche:3", ...).
    cause: Mapped[str] = mapped_column(sa.String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    entries: Mapped[list["Entry"]] = relationship(back_populates="transaction", order_by="Entry.id")


class Entry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (sa.CheckConstraint("amount_fen <> 0", name="nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"), index=True)
    #: Positive adds to the account, negative takes from it.
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: The pledge whose money this is, where it matters (funder shares of grants).
    pledge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pledges.id"), index=True)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class Flow(db.Model):
    """What one kind of movement has moved into one account for one pledge, summed as each
    movement is posted: the public figures read one row per (account, movement, pledge)
    instead of every entry, so their cost follows the number of accounts, not of movements.
    ``flask ledger check`` compares every row with the entries it sums."""

    __tablename__ = "ledger_flows"
    __table_args__ = (sa.UniqueConstraint("account_id", "movement", "pledge_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    #: The movement's kind (``LedgerTransaction.kind``).
    movement: Mapped[str] = mapped_column(sa.String(40))
    #: The pledge whose money it is, 0 for none (a unique key cannot hold NULL on SQLite).
    pledge_key: Mapped[int] = mapped_column(default=0, index=True)
    total_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class IdempotencyKey(db.Model):
    """A money form's key: a repeat of the same request finds the first result here."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    result: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
