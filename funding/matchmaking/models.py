"""Stored matchmaking: allocation batches and their pairings; fairs (相亲会) and paddle raises."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import Enterprise, str_enum
from funding.extensions import UTCDateTime, db, utcnow
from funding.proposals.models import Proposal

if TYPE_CHECKING:
    from funding.accounts.models import User
    from funding.pledges.models import Pledge


class BatchState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MatchBatch(db.Model):
    """One run of the global allocation over the instance built from the rows at that time."""

    __tablename__ = "match_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[BatchState] = mapped_column(
        str_enum(BatchState), default=BatchState.QUEUED, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The contract's instance JSON the run read, so that a result can be checked later.
    instance: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The contract's summary: needs, funded, funded_fen, demand_fen, seconds.
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The contract's result JSON; its reasons are {"code", "params"}, rendered when shown.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    created_by: Mapped["User | None"] = relationship()
    pairings: Mapped[list["MatchPairing"]] = relationship(
        back_populates="batch", order_by="MatchPairing.position"
    )


class PairingState(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"


class MatchPairing(db.Model):
    """A proposed (need, organization, funders) pairing; accepting it sends the invitations."""

    __tablename__ = "match_pairings"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "need_ref"),
        sa.CheckConstraint(
            "(state = 'accepted') = (accepted_at IS NOT NULL)", name="accepted_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("match_batches.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: "need-12" (a community need) or "project-5" (an approved proposal short of money).
    need_ref: Mapped[str] = mapped_column(sa.String(40))
    #: "org-3".
    organization_ref: Mapped[str] = mapped_column(sa.String(40))
    #: [{"funder": "program-2" | "enterprise-7", "amount_fen": int}]
    funding: Mapped[list] = mapped_column(sa.JSON, default=list)
    score: Mapped[float] = mapped_column(default=0.0)
    #: [{"code": ..., "params": {...}}]: the engine's reasons, rendered when shown.
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    state: Mapped[PairingState] = mapped_column(
        str_enum(PairingState), default=PairingState.PROPOSED
    )
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[MatchBatch] = relationship(back_populates="pairings")


fair_projects = sa.Table(
    "fair_projects",
    db.metadata,
    sa.Column("fair_id", sa.ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("proposal_id", sa.ForeignKey("proposals.id"), primary_key=True),
)
fair_enterprises = sa.Table(
    "fair_enterprises",
    db.metadata,
    sa.Column("fair_id", sa.ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("enterprise_id", sa.ForeignKey("enterprises.id"), primary_key=True),
)


class Fair(db.Model):
    """A matchmaking fair (公益创投相亲会): shortlisted projects meet invited enterprises."""

    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    held_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    projects: Mapped[list[Proposal]] = relationship(secondary=fair_projects, order_by=Proposal.id)
    enterprises: Mapped[list[Enterprise]] = relationship(
        secondary=fair_enterprises, order_by=Enterprise.name
    )
    intents: Mapped[list["FairIntent"]] = relationship(
        back_populates="fair", order_by="FairIntent.id"
    )


class IntentState(enum.StrEnum):
    INTENT = "intent"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class FairIntent(db.Model):
    """A paddle raise (举牌): an enterprise means to give to a project; a pledge once confirmed."""

    __tablename__ = "fair_intents"
    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(state = 'confirmed') = (pledge_id IS NOT NULL)", name="confirmed_has_pledge"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(sa.ForeignKey("fairs.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[IntentState] = mapped_column(str_enum(IntentState), default=IntentState.INTENT)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pledge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pledges.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fair: Mapped[Fair] = relationship(back_populates="intents")
    proposal: Mapped[Proposal] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    recorded_by: Mapped["User"] = relationship()
    pledge: Mapped["Pledge | None"] = relationship()
