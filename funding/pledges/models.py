"""A pledge from an enterprise to the pool, a program, a service category or one project."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import Enterprise, ServiceCategory, str_enum
from funding.extensions import UTCDateTime, db, utcnow
from funding.proposals.models import Program, Proposal


class PledgeTarget(enum.StrEnum):
    POOL = "pool"
    PROGRAM = "program"
    CATEGORY = "category"
    PROJECT = "project"


class PledgeState(enum.StrEnum):
    PLEDGED = "pledged"
    RECEIVED = "received"
    ALLOCATED = "allocated"
    PAID_OUT = "paid_out"
    CANCELLED = "cancelled"


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    ONLINE = "online"


class Pledge(db.Model):
    __tablename__ = "pledges"
    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(target = 'program') = (program_id IS NOT NULL) AND "
            "(target = 'category') = (category_code IS NOT NULL) AND "
            "(target = 'project') = (proposal_id IS NOT NULL)",
            name="target_matches",
        ),
        sa.CheckConstraint("tranche_no IS NULL OR target = 'project'", name="milestone_project"),
        sa.CheckConstraint("state <> 'received' OR receipt_no IS NOT NULL", name="receipt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    target: Mapped[PledgeTarget] = mapped_column(str_enum(PledgeTarget))
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("service_categories.code"))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[PledgeState] = mapped_column(
        str_enum(PledgeState), default=PledgeState.PLEDGED, index=True
    )
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    due_date: Mapped[date] = mapped_column(sa.Date)
    #: Optional instalments: [{"due": "YYYY-MM-DD", "amount_fen": int}], summing to the amount.
    instalments: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Milestone tie: released only when this tranche of the project's grant is approved.
    tranche_no: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    receipt_no: Mapped[str | None] = mapped_column(sa.String(64))
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Matching money (配捐) the program added when this pledge arrived.
    matched_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    enterprise: Mapped[Enterprise] = relationship()
    program: Mapped[Program | None] = relationship()
    category: Mapped[ServiceCategory | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.state == PledgeState.PLEDGED and self.due_date < today
