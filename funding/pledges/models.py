"""A pledge from an enterprise to the pool, a program, a service category or one project, paid
in one or more instalments."""

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
    PLEDGED = "pledged"  # promised, nothing arrived yet
    PARTLY_RECEIVED = "partly_received"  # some instalments arrived, others are due
    RECEIVED = "received"  # every instalment that was not cancelled arrived
    ALLOCATED = "allocated"  # reserved for a grant (wholly or in part)
    PAID_OUT = "paid_out"  # all of it reached organizations
    REFUNDED = "refunded"  # what was not used went back to the donor
    CANCELLED = "cancelled"  # the promise was withdrawn before any money arrived


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    ONLINE = "online"


class UnusedMoney(enum.StrEnum):
    """What happens to project money the project cannot use (its grant ended under budget, was
    terminated, or never came): it goes to the project's program, or back to the donor."""

    PROGRAM = "program"
    REFUND = "refund"


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
        sa.CheckConstraint("promised_match_fen >= 0", name="match_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    target: Mapped[PledgeTarget] = mapped_column(str_enum(PledgeTarget))
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("service_categories.code"))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    #: The promise, the sum of its instalments (cancelled ones included).
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[PledgeState] = mapped_column(
        str_enum(PledgeState), default=PledgeState.PLEDGED, index=True
    )
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    #: Milestone tie: released only when this tranche of the project's grant is approved.
    tranche_no: Mapped[int | None]
    if_unused: Mapped[UnusedMoney] = mapped_column(
        str_enum(UnusedMoney), default=UnusedMoney.PROGRAM
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The matching gift (配捐) shown to the donor and confirmed with the pledge: the program
    #: keeps it for the project and adds it as the instalments arrive. Cancelling what is still
    #: due shrinks it to what was already added.
    promised_match_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    enterprise: Mapped[Enterprise] = relationship()
    program: Mapped[Program | None] = relationship()
    category: Mapped[ServiceCategory | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    instalments: Mapped[list["Instalment"]] = relationship(
        back_populates="pledge", order_by="Instalment.number", cascade="all, delete-orphan"
    )

    @property
    def due_date(self) -> date:
        """When the last instalment is due."""
        return self.instalments[-1].due_date

    @property
    def open_instalments(self) -> list["Instalment"]:
        return [i for i in self.instalments if i.state == InstalmentState.DUE]

    @property
    def received_fen(self) -> int:
        return sum(i.amount_fen for i in self.instalments if i.state == InstalmentState.RECEIVED)

    @property
    def matched_fen(self) -> int:
        """Matching money the program has added so far."""
        return sum(i.matched_fen for i in self.instalments)

    @property
    def kept_fen(self) -> int:
        """The promise less cancelled instalments: what the donor still gives."""
        return sum(i.amount_fen for i in self.instalments if i.state != InstalmentState.CANCELLED)

    def is_overdue(self, today: date) -> bool:
        return any(i.is_overdue(today) for i in self.instalments)


class InstalmentState(enum.StrEnum):
    DUE = "due"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Instalment(db.Model):
    """One payment of a pledge: an amount due on a date; staff record its receipt."""

    __tablename__ = "pledge_instalments"
    __table_args__ = (
        sa.UniqueConstraint("pledge_id", "number"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(state = 'received') = (receipt_no IS NOT NULL AND received_on IS NOT NULL)",
            name="receipt",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id"), index=True)
    number: Mapped[int]
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[InstalmentState] = mapped_column(
        str_enum(InstalmentState), default=InstalmentState.DUE, index=True
    )
    receipt_no: Mapped[str | None] = mapped_column(sa.String(64))
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Matching money the program added when this instalment arrived.
    matched_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    pledge: Mapped[Pledge] = relationship(back_populates="instalments")

    def is_overdue(self, today: date) -> bool:
        return self.state == InstalmentState.DUE and self.due_date < today
