"""Grants, where their money came from, their tranches, and the two-way evaluation."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import str_enum
from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from funding.accounts.models import User
    from funding.ledger.models import Account
    from funding.pledges.models import Pledge
    from funding.proposals.models import Proposal


class GrantState(enum.StrEnum):
    ACTIVE = "active"
    MIDTERM_PASSED = "midterm_passed"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Grant(db.Model):
    __tablename__ = "grants"
    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[GrantState] = mapped_column(str_enum(GrantState), default=GrantState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the whole amount was reserved from its sources (None: not funded yet).
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    midterm_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Terminated because the organization broke the agreement (bars it for three years).
    breach: Mapped[bool] = mapped_column(default=False)

    proposal: Mapped["Proposal"] = relationship()
    sources: Mapped[list["GrantSource"]] = relationship(
        back_populates="grant", order_by="GrantSource.id"
    )
    tranches: Mapped[list["Tranche"]] = relationship(
        back_populates="grant", order_by="Tranche.number"
    )


class GrantSource(db.Model):
    """One slice of a grant's money: which account (and pledge) it was reserved from."""

    __tablename__ = "grant_sources"
    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            "paid_fen >= 0 AND returned_fen >= 0 AND paid_fen + returned_fen <= amount_fen",
            name="paid_returned",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    pledge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pledges.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: Milestone-tied money waits in a held account until this tranche is approved.
    tranche_no: Mapped[int | None]
    #: How much of this slice has been paid to the organization, and returned on termination.
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    returned_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    grant: Mapped[Grant] = relationship(back_populates="sources")

    @property
    def unpaid_fen(self) -> int:
        return self.amount_fen - self.paid_fen - self.returned_fen

    account: Mapped["Account"] = relationship()
    pledge: Mapped["Pledge | None"] = relationship()


class TrancheState(enum.StrEnum):
    PENDING = "pending"  # not requested yet
    REQUESTED = "requested"  # the organization asked, with its progress report
    SIGNED = "signed"  # one staff sign-off; a second is needed above the threshold
    PAID = "paid"
    RETURNED = "returned"  # staff sent the request back; it can be made again


class Tranche(db.Model):
    """One payment of the grant (资金拨付), requested with a progress report (资金申领)."""

    __tablename__ = "tranches"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "number"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            "second_signer_id IS NULL OR second_signer_id <> first_signer_id", name="two_people"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), index=True)
    number: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[TrancheState] = mapped_column(
        str_enum(TrancheState), default=TrancheState.PENDING
    )
    #: {"activities", "beneficiaries_served", "spending": [{"line", "amount_fen"}], "final"}
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    second_signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What was paid: the scheduled amount, or less for a last tranche whose final report
    #: shows the grant was not spent in full (the rest goes back to its sources).
    paid_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    grant: Mapped[Grant] = relationship(back_populates="tranches")
    requested_by: Mapped["User | None"] = relationship(foreign_keys=[requested_by_id])
    first_signer: Mapped["User | None"] = relationship(foreign_keys=[first_signer_id])
    second_signer: Mapped["User | None"] = relationship(foreign_keys=[second_signer_id])


def schedule(amount_fen: int, percents: list[int]) -> list[Tranche]:
    """Split a grant by the program's percentages; the last tranche takes the remainder."""
    tranches, paid = [], 0
    for number, pct in enumerate(percents, start=1):
        amount = amount_fen - paid if number == len(percents) else amount_fen * pct // 100
        paid += amount
        tranches.append(Tranche(number=number, amount_fen=amount))
    return tranches


class CommunityRating(db.Model):
    """A community worker rates the project their community received (1–5)."""

    __tablename__ = "community_ratings"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "community_id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FoundationRating(db.Model):
    """The organization rates the foundation's process for a grant (1–5)."""

    __tablename__ = "foundation_ratings"
    __table_args__ = (
        sa.UniqueConstraint("grant_id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
