"""Programs, proposals and what hangs off them: budget lines, attachments, versions, events."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.directory.models import (
    Community,
    Need,
    Organization,
    ServiceCategory,
    Street,
    str_enum,
)
from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from funding.accounts.models import User
    from funding.reviews.models import ReviewAssignment

#: The default rubric: criteria and weights summing to 100.
DEFAULT_RUBRIC = [
    {"name": "需求分析", "name_en": "Needs analysis", "weight": 20},
    {"name": "项目设计", "name_en": "Project design", "weight": 30},
    {"name": "团队能力", "name_en": "Team capacity", "weight": 20},
    {"name": "预算合理性", "name_en": "Budget soundness", "weight": 15},
    {"name": "可持续性", "name_en": "Sustainability", "weight": 15},
]
DEFAULT_TRANCHES = [50, 30, 20]

program_categories = sa.Table(
    "program_categories",
    db.metadata,
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_code", sa.ForeignKey("service_categories.code"), primary_key=True),
)
program_streets = sa.Table(
    "program_streets",
    db.metadata,
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("street_code", sa.ForeignKey("streets.code"), primary_key=True),
)


class Program(db.Model):
    """A funding program of the foundation; with no close date it stays open (rolling)."""

    __tablename__ = "programs"
    __table_args__ = (
        sa.CheckConstraint("min_grant_fen > 0 AND max_grant_fen >= min_grant_fen", name="range"),
        sa.CheckConstraint("min_self_share_pct BETWEEN 0 AND 100", name="self_share"),
        sa.CheckConstraint("reviewers_required BETWEEN 1 AND 9", name="reviewers"),
        sa.CheckConstraint("disclosure_days BETWEEN 1 AND 60", name="disclosure"),
        sa.CheckConstraint("budget_fen >= 0", name="budget_nonneg"),
        sa.CheckConstraint(
            "match_ratio_pct BETWEEN 0 AND 500 AND match_cap_project_fen >= 0 "
            "AND match_cap_program_fen >= 0",
            name="matching",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(150))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    purpose_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: Legal forms that may apply (values of LegalForm); empty = any.
    legal_forms: Mapped[list] = mapped_column(sa.JSON, default=list)
    min_grant_fen: Mapped[int] = mapped_column(sa.BigInteger, default=1_000_000)
    max_grant_fen: Mapped[int] = mapped_column(sa.BigInteger, default=10_000_000)
    #: The applicant's own share of the total budget, at least, in percent.
    min_self_share_pct: Mapped[int] = mapped_column(default=40)
    #: [{"name", "name_en", "weight"}], weights summing to 100.
    rubric: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_RUBRIC))
    reviewers_required: Mapped[int] = mapped_column(default=3)
    #: Public disclosure (公示) length in working days.
    disclosure_days: Mapped[int] = mapped_column(default=5)
    #: Percent of the grant paid per tranche, summing to 100.
    tranches: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(DEFAULT_TRANCHES))
    blind_review: Mapped[bool] = mapped_column(default=False)
    #: Matching gifts (配捐): the program adds this percent of each enterprise gift to a
    #: project (100 = 1:1; 0 = no matching), up to a cap per project and for the program.
    match_ratio_pct: Mapped[int] = mapped_column(default=0)
    match_cap_project_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    match_cap_program_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Money the program may grant in all (the ledger takes this over for payments).
    budget_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    open_from: Mapped[date] = mapped_column(sa.Date, default=date.today)
    #: None = rolling: the program stays open.
    open_until: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    categories: Mapped[list[ServiceCategory]] = relationship(
        secondary=program_categories, order_by=ServiceCategory.code
    )
    streets: Mapped[list[Street]] = relationship(
        secondary=program_streets, order_by=Street.position
    )

    def is_open(self, today: date) -> bool:
        return self.open_from <= today and (self.open_until is None or today <= self.open_until)


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SCREENING = "screening"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    AGREEMENT_SIGNED = "agreement_signed"


class BudgetCategory(enum.StrEnum):
    PERSONNEL = "personnel"
    ACTIVITIES = "activities"
    MATERIALS = "materials"
    ADMIN = "admin"


proposal_needs = sa.Table(
    "proposal_needs",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("need_id", sa.ForeignKey("needs.id"), primary_key=True),
)
proposal_communities = sa.Table(
    "proposal_communities",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("community_id", sa.ForeignKey("communities.id"), primary_key=True),
)


class Proposal(db.Model):
    """An organization's application (项目申报); drafts may be partial, submission may not."""

    __tablename__ = "proposals"
    __table_args__ = (
        sa.CheckConstraint(
            "state NOT IN ('approved', 'agreement_signed') OR approved_amount_fen IS NOT NULL",
            name="approved_has_amount",
        ),
        sa.CheckConstraint(
            "approved_amount_fen IS NULL OR approved_amount_fen > 0", name="approved_positive"
        ),
        sa.CheckConstraint(
            "amount_requested_fen IS NULL OR amount_requested_fen > 0", name="requested_positive"
        ),
        sa.CheckConstraint("self_funded_fen IS NULL OR self_funded_fen >= 0", name="self_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[ProposalState] = mapped_column(
        str_enum(ProposalState), default=ProposalState.DRAFT, index=True
    )
    version_id: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("service_categories.code"))
    direct_beneficiaries: Mapped[int | None]
    indirect_beneficiaries: Mapped[int | None]
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    amount_requested_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    self_funded_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: [{"indicator", "target"}]
    outcomes: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: [{"name", "role"}]
    team: Mapped[list] = mapped_column(sa.JSON, default=list)
    declaration: Mapped[bool] = mapped_column(default=False)
    #: The automatic screening at the last submission: [{"rule", "passed", "detail"}].
    screening: Mapped[list | None] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_amount_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    disclosure_until: Mapped[date | None] = mapped_column(sa.Date)
    agreement_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When the proposal entered its current state (the queue measures age from it).
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version_id}

    program: Mapped[Program] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped["User"] = relationship()
    category: Mapped[ServiceCategory | None] = relationship()
    needs: Mapped[list[Need]] = relationship(secondary=proposal_needs, order_by=Need.id)
    communities: Mapped[list[Community]] = relationship(
        secondary=proposal_communities, order_by=Community.id
    )
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalVersion.number"
    )
    events: Mapped[list["ProposalEvent"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalEvent.id"
    )
    assignments: Mapped[list["ReviewAssignment"]] = relationship(
        back_populates="proposal", order_by="ReviewAssignment.id"
    )

    @property
    def total_budget_fen(self) -> int:
        """The sum of the budget lines, computed on the server from quantity × unit price."""
        return sum(line.total_fen for line in self.budget_lines)


class BudgetLine(db.Model):
    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_fen > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    item: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[BudgetCategory] = mapped_column(str_enum(BudgetCategory))
    quantity: Mapped[int]
    unit_price_fen: Mapped[int] = mapped_column(sa.BigInteger)

    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")

    @property
    def total_fen(self) -> int:
        return self.quantity * self.unit_price_fen


class Attachment(db.Model):
    """A file stored outside ``static/`` under a server-made name; served only as a download."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class ProposalVersion(db.Model):
    """What the applicant submitted, frozen at each submission, for side-by-side comparison."""

    __tablename__ = "proposal_versions"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class ProposalEvent(db.Model):
    """One step of the proposal's timeline, shown to the applicant and staff."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    #: Shown to the applicant (return comments, rejection reasons).
    note: Mapped[str] = mapped_column(sa.Text, default="")

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()


class ObjectionState(enum.StrEnum):
    OPEN = "open"  # waiting for the foundation's answer; the agreement cannot be signed
    DISMISSED = "dismissed"  # answered with a public reply; the decision stands
    WITHDRAWN = "withdrawn"  # upheld: the approval was withdrawn
    REOPENED = "reopened"  # upheld: the decision went back to review


class Objection(db.Model):
    """An objection a member of the public raised during disclosure (公示), and the
    foundation's public answer to it."""

    __tablename__ = "objections"
    __table_args__ = (
        sa.CheckConstraint("state = 'open' OR answered_at IS NOT NULL", name="answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    contact: Mapped[str] = mapped_column(sa.String(100))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[ObjectionState] = mapped_column(
        str_enum(ObjectionState), default=ObjectionState.OPEN, index=True
    )
    #: The foundation's answer, shown on the public disclosure page.
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    proposal: Mapped[Proposal] = relationship()
