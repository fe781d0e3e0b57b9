"""Users, their roles, and the server-side record of every login session."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funding.accounts.secret_box import EncryptedString
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
    #: The TOTP secret (base32) once the second factor is set up, encrypted in the database;
    #: None without one.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)
    #: When the email address last changed: links to change it made before then are void.
    email_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last TOTP time step accepted, so that a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    party: Mapped[Optional["Party"]] = relationship(
        back_populates="members", foreign_keys=[party_id]
    )
    community: Mapped[Optional["Community"]] = relationship()

    #: The login session this user object was loaded for, and its token (not columns).
    login_token = None
    login_session = None
    #: Read in the same statement (not columns): the data's version, for the page cache, and
    #: the unread notifications, for the bell. None unless loaded for a login session.
    seen_version = None
    seen_unread = None

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token, not the user id, so logout can revoke it."""
        return self.login_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_foundation(self) -> bool:
        return self.role in FOUNDATION_ROLES

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def needs_second_factor(self) -> bool:
        """Staff and admins move money: they cannot reach staff pages without one."""
        return self.is_foundation

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds one of ``roles``; admins hold every staff power."""
        return self.role in roles or (self.role == Role.ADMIN and Role.STAFF in roles)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login: the cookie carries only ``token``; logout revokes the row for good.

    A session ends when revoked, after ``SESSION_IDLE_*`` without a request or after
    ``SESSION_ABSOLUTE_*`` in all. ``confirmed_at`` is the last time its owner proved who
    they are (password or second factor), for actions that ask again; ``second_factor_at``
    is when the second factor was given at login (None until then).
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Throttle(db.Model):
    """A counter of attempts per scope and key (an account, an address, or both) in a window.

    Counted with one atomic statement, so concurrent attempts are counted exactly.
    """

    __tablename__ = "throttles"

    scope: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    #: The account the counter is about, if any (an admin lifts its limits by it).
    account: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(db.Model):
    """A password reset link: only the hash of its token is kept; single use, short-lived."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One single-use recovery code for the second factor, kept as a hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Passkey(db.Model):
    """A WebAuthn credential (a passkey) that stands in for the authenticator app's code."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The name its owner gave it ("work laptop"), to tell several apart.
    name: Mapped[str] = mapped_column(sa.String(100))
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    #: The COSE public key the authenticator made; signatures are checked against it.
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(1023))
    #: The authenticator's signature counter last seen; a response must exceed it (cloned key).
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasskeyChallenge(db.Model):
    """A challenge handed to the browser for one passkey ceremony: used once, then deleted;
    it expires after a few minutes."""

    __tablename__ = "passkey_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: "register" (adding a passkey) or "login" (the second step of logging in).
    purpose: Mapped[str] = mapped_column(sa.String(16))
    challenge: Mapped[bytes] = mapped_column(sa.LargeBinary(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
