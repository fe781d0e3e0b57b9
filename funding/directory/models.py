"""Places, the service taxonomy, the parties (organizations and enterprises) and needs."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from funding.accounts.models import User


def str_enum(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A portable VARCHAR-backed enum column storing the member values."""
    return sa.Enum(
        enum_cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )


class Street(db.Model):
    """A street (街道), keyed by its national statistics division code."""

    __tablename__ = "streets"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)

    communities: Mapped[list["Community"]] = relationship(
        back_populates="street", order_by="Community.position"
    )


class Community(db.Model):
    """A community (社区) within a street."""

    __tablename__ = "communities"
    __table_args__ = (sa.UniqueConstraint("street_code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_code: Mapped[str] = mapped_column(sa.ForeignKey("streets.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    #: True where the name comes from an unconfirmed list (see the data file's source note).
    inferred: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    street: Mapped[Street] = relationship(back_populates="communities")
    needs: Mapped[list["Need"]] = relationship(back_populates="community")


class ServiceCategory(db.Model):
    """One of the nine service areas (A–I) in three classes."""

    __tablename__ = "service_categories"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    class_name: Mapped[str] = mapped_column(sa.String(50))
    class_name_en: Mapped[str] = mapped_column(sa.String(80))


class PartyKind(enum.StrEnum):
    ORGANIZATION = "organization"
    ENTERPRISE = "enterprise"


class VerificationState(enum.StrEnum):
    """Where a party's registration stands with the foundation."""

    PENDING = "pending"  # registered, or changed who it is since it was verified
    MORE_INFO = "more_info"  # staff asked for more information
    REJECTED = "rejected"
    VERIFIED = "verified"


class LegalForm(enum.StrEnum):
    SOCIAL_GROUP = "social_group"  # 社会团体
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise"  # 民办非企业单位
    FOUNDATION = "foundation"  # 基金会
    COMMUNITY_FILED = "community_filed"  # 社区社会组织备案


party_categories = sa.Table(
    "party_categories",
    db.metadata,
    sa.Column("party_id", sa.ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_code", sa.ForeignKey("service_categories.code"), primary_key=True),
)
party_streets = sa.Table(
    "party_streets",
    db.metadata,
    sa.Column("party_id", sa.ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("street_code", sa.ForeignKey("streets.code"), primary_key=True),
)
organization_communities = sa.Table(
    "organization_communities",
    db.metadata,
    sa.Column(
        "organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("community_id", sa.ForeignKey("communities.id"), primary_key=True),
)


class Party(db.Model):
    """What organizations and enterprises share; one table keeps credit codes unique across both.

    For an organization, categories and streets are where it serves; for an enterprise, the
    causes and streets it prefers to fund.
    """

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind))
    name: Mapped[str] = mapped_column(sa.String(100))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(sa.String(50))
    contact_mobile: Mapped[str] = mapped_column(sa.String(11))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", use_alter=True))
    #: Why the party is not verified; ``verified_at`` alone says whether it is.
    verification: Mapped[VerificationState] = mapped_column(
        str_enum(VerificationState), default=VerificationState.PENDING
    )
    #: Staff's note to the party: what to supply, or why the registration was rejected.
    verification_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Bumped on every change, so that a verification and an edit of who the party is cannot
    #: pass each other unseen (a stale write raises instead).
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"polymorphic_on": "kind", "version_id_col": version_id}

    categories: Mapped[list[ServiceCategory]] = relationship(
        secondary=party_categories, order_by=ServiceCategory.code
    )
    streets: Mapped[list[Street]] = relationship(secondary=party_streets, order_by=Street.position)
    members: Mapped[list["User"]] = relationship(
        back_populates="party", foreign_keys="User.party_id"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verification_state(self) -> VerificationState:
        return VerificationState.VERIFIED if self.is_verified else self.verification


class Organization(Party):
    """A social organization (社会组织) that implements projects."""

    __tablename__ = "organizations"
    __mapper_args__ = {"polymorphic_identity": PartyKind.ORGANIZATION}
    __table_args__ = (sa.CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_range"),)

    id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), primary_key=True)
    legal_form: Mapped[LegalForm] = mapped_column(str_enum(LegalForm))
    #: How many projects it can run at once.
    capacity: Mapped[int] = mapped_column(default=1)

    communities: Mapped[list[Community]] = relationship(
        secondary=organization_communities, order_by=Community.id
    )


class Enterprise(Party):
    """An enterprise or other donor (企业) that pledges money."""

    __tablename__ = "enterprises"
    __mapper_args__ = {"polymorphic_identity": PartyKind.ENTERPRISE}

    id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id"), primary_key=True)
    #: Whether its giving may be listed on the public transparency pages.
    public_listing: Mapped[bool] = mapped_column(default=True)


class NeedSource(enum.StrEnum):
    CONSULTATION = "consultation"  # 民情恳谈会
    HOTLINE = "hotline"  # 居民热线
    SURVEY = "survey"  # 问卷调查
    VISIT = "visit"  # 走访
    OTHER = "other"


class NeedStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    IN_SERVICE = "in_service"
    MET = "met"
    CLOSED = "closed"


class Need(db.Model):
    """A need residents raised in a community (社区需求)."""

    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint("beneficiaries >= 0", name="beneficiaries_nonneg"),
        sa.CheckConstraint("budget_estimate_fen > 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("service_categories.code"))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text)
    beneficiaries: Mapped[int]
    budget_estimate_fen: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[NeedSource] = mapped_column(str_enum(NeedSource))
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus), default=NeedStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship(back_populates="needs")
    category: Mapped[ServiceCategory] = relationship()
