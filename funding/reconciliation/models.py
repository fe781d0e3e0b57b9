"""Uploaded bank statements and their lines; a line is stored once, whatever the uploads."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.extensions import UTCDateTime, db, utcnow
from funding.pledges.models import Instalment


class BankStatement(db.Model):
    """One upload of a bank export (the same file uploaded again is another upload whose
    lines are already known)."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lines_read: Mapped[int] = mapped_column(default=0)
    lines_new: Mapped[int] = mapped_column(default=0)


class BankLine(db.Model):
    """A credit (amount > 0) or debit (< 0) on the account, with what the bank says of it.

    ``line_key`` is a digest of the line's content and of how many identical lines came before
    it in its file, so an upload of the same statement (or of one that overlaps it) adds no
    line twice; ``instalment_id`` is unique, so a line pays one instalment and an instalment
    is paid by one line."""

    __tablename__ = "bank_lines"
    __table_args__ = (
        sa.CheckConstraint("amount_fen <> 0", name="amount_nonzero"),
        sa.CheckConstraint("instalment_id IS NULL OR amount_fen > 0", name="credit_matched"),
        sa.CheckConstraint("(instalment_id IS NULL) = (matched_by_id IS NULL)", name="matched_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_statements.id"), index=True)
    line_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    booked_on: Mapped[date] = mapped_column(sa.Date)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    payer: Mapped[str] = mapped_column(sa.String(200), default="")
    reference: Mapped[str] = mapped_column(sa.String(500), default="")
    instalment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("pledge_instalments.id"), unique=True
    )
    matched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instalment: Mapped[Instalment | None] = relationship()

    @property
    def is_credit(self) -> bool:
        return self.amount_fen > 0
