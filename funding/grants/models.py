"""The grant a signed agreement creates."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import str_enum
from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
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
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Terminated because the organization broke the agreement (bars it for three years).
    breach: Mapped[bool] = mapped_column(default=False)

    proposal: Mapped["Proposal"] = relationship()
