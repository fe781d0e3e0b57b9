"""Users, their roles, and the server-side record of every login session."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from funding.directory.models import Community, Party


class Role(enum.StrEnum):
    ORG_MEMBER = "org_member"
    ENTERPRISE_MEMBER = "enterprise_member"
    COMMUNITY_WORKER = "community_worker"
    REVIEWER = "reviewer"
    STAFF = "staff"
    ADMIN = "admin"


#: Roles that act for the foundation; admins can do everything staff can.
FOUNDATION_ROLES = frozenset({Role.STAFF, Role.ADMIN})
#: Roles a staff member may give when creating an account by hand.
STAFF_CREATABLE_ROLES = (Role.COMMUNITY_WORKER, Role.REVIEWER, Role.STAFF)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('org_member', 'enterprise_member')) = (party_id IS NOT NULL)",
            name="party_matches_role",
        ),
        sa.CheckConstraint(
            "(role = 'community_worker') = (community_id IS NOT NULL)",
            name="community_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id"))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[Optional["Party"]] = relationship(
        back_populates="members", foreign_keys=[party_id]
    )
    community: Mapped[Optional["Community"]] = relationship()

    #: The login session this user object was loaded for (not a column).
    login_token = None

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token, not the user id, so logout can revoke it."""
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_foundation(self) -> bool:
        return self.role in FOUNDATION_ROLES

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds one of ``roles``; admins hold every staff power."""
        return self.role in roles or (self.role == Role.ADMIN and Role.STAFF in roles)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login: the cookie carries only ``token``; logout revokes the row for good."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed login, counted per account, per address and per pair to throttle guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_at_email_address", "at", "email", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
