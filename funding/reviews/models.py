"""Relationships between people and parties, reviewer assignments and reviews."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import Party, str_enum
from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from funding.accounts.models import User
    from funding.proposals.models import Proposal


class RelationKind(enum.StrEnum):
    EMPLOYEE = "employee"
    BOARD_MEMBER = "board_member"
    FOUNDER = "founder"
    FAMILY = "family"
    DONOR = "donor"
    DECLARED = "declared"


class Relationship(db.Model):
    """A link between a person and a party that makes them conflicted about it."""

    __tablename__ = "relationships"
    __table_args__ = (sa.UniqueConstraint("user_id", "party_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), index=True)
    kind: Mapped[RelationKind] = mapped_column(str_enum(RelationKind))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    party: Mapped[Party] = relationship()


class AssignmentState(enum.StrEnum):
    ASSIGNED = "assigned"  # waiting for the reviewer's conflict declaration
    CLEARED = "cleared"  # declared no conflict; may score
    SUBMITTED = "submitted"
    CONFLICTED = "conflicted"  # declared a conflict: removed from the review


class ReviewAssignment(db.Model):
    __tablename__ = "review_assignments"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[AssignmentState] = mapped_column(
        str_enum(AssignmentState), default=AssignmentState.ASSIGNED
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped["Proposal"] = relationship(back_populates="assignments")
    reviewer: Mapped["User"] = relationship(foreign_keys=[reviewer_id])
    review: Mapped[Optional["Review"]] = relationship(back_populates="assignment")


class Recommendation(enum.StrEnum):
    FUND = "fund"
    FUND_WITH_CHANGES = "fund_with_changes"
    DO_NOT_FUND = "do_not_fund"


class Review(db.Model):
    """One reviewer's scores (0–10 per rubric criterion); advisory, the decision is staff's."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("review_assignments.id"), unique=True)
    #: [{"score": 0..10, "comment": str}] in rubric order.
    scores: Mapped[list] = mapped_column(sa.JSON)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recommendation: Mapped[Recommendation] = mapped_column(str_enum(Recommendation))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="review")
