"""Account operations: registration, login with throttling, logout, staff-made accounts."""

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from funding.accounts import throttle
from funding.accounts.models import STAFF_CREATABLE_ROLES, LoginSession, Role, User
from funding.accounts.passwords import check_password, hash_password, password_problem
from funding.accounts.sessions import revoke_sessions
from funding.audit.services import record, snapshot
from funding.directory.models import Organization, Party
from funding.directory.verification import ensure_credit_code_free
from funding.extensions import db, utcnow
from funding.transactions import DomainError, transactional


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _new_user(email: str, name: str, password: str, role: Role, **links) -> User:
    email = email.strip().lower()
    problem = password_problem(password, email, name)
    if problem:
        raise DomainError(problem)
    if find_user_by_email(email):
        raise DomainError("email_taken")
    user = User(
        email=email, name=name.strip(), password_hash=hash_password(password), role=role, **links
    )
    db.session.add(user)
    return user


@dataclass(frozen=True)
class Registration:
    """Validated sign-up data: the person and the party profile they register together."""

    email: str
    password: str
    person_name: str
    party_name: str
    credit_code: str
    contact_mobile: str
    description: str = ""


#: Registrations accepted per address per hour (a school or office shares one address).
REGISTER_LIMIT_ADDRESS = 20


@transactional
def count_registration(address: str) -> None:
    """Count a registration from ``address``; too many in an hour are refused."""
    if throttle.hit("register_address", address, 3600) > REGISTER_LIMIT_ADDRESS:
        raise Throttled("reset_throttled")


@transactional
def register_party(data: Registration, party: Party) -> User:
    """Create an unverified party and its first member; staff verify before it can act."""
    ensure_credit_code_free(data.credit_code)
    party.name = data.party_name.strip()
    party.credit_code = data.credit_code
    party.contact_name = data.person_name.strip()
    party.contact_mobile = data.contact_mobile
    party.description = data.description.strip()
    db.session.add(party)
    db.session.flush()
    role = Role.ORG_MEMBER if isinstance(party, Organization) else Role.ENTERPRISE_MEMBER
    user = _new_user(data.email, data.person_name, data.password, role, party=party)
    db.session.flush()
    record(user, "party.register", party, after=snapshot(party, "name", "credit_code", "kind"))
    return user


@transactional
def create_user_by_staff(
    actor: User, email: str, name: str, password: str, role: Role, community_id: int | None = None
) -> User:
    """Staff create community workers, reviewers and other staff; admins also create admins."""
    allowed = set(STAFF_CREATABLE_ROLES) | ({Role.ADMIN} if actor.role == Role.ADMIN else set())
    if not actor.is_foundation or role not in allowed:
        raise DomainError("forbidden_role")
    if (role == Role.COMMUNITY_WORKER) != (community_id is not None):
        raise DomainError("community_required")
    user = _new_user(email, name, password, role, community_id=community_id)
    db.session.flush()
    record(actor, "user.create", user, after=snapshot(user, "email", "role"))
    return user


@transactional
def create_admin(email: str, name: str, password: str) -> User:
    """The first administrator, from the command line."""
    user = _new_user(email, name, password, Role.ADMIN)
    db.session.flush()
    record(None, "user.create", user, after=snapshot(user, "email", "role"))
    return user


@transactional
def set_user_active(actor: User, user: User, active: bool) -> None:
    """Staff switch an account off (or on again); switching off ends its sessions."""
    if not actor.is_foundation or user.id == actor.id:
        raise DomainError("forbidden")
    if user.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise DomainError("forbidden")
    before = user.active
    user.active = active
    if not active:
        revoke_sessions(user)
    record(
        actor,
        "user.activate" if active else "user.deactivate",
        user,
        before={"active": before},
        after={"active": active},
    )


class Throttled(DomainError):
    """Too many failed logins from this address or for this account; try again later."""


@transactional
def count_tries(scope: str, user: User) -> None:
    """Count one check of a password or code for the account, in its own transaction so that
    a failed check still counts; past the limit the check is refused before it is made."""
    cfg = current_app.config
    tries = throttle.hit(scope, str(user.id), cfg["LOGIN_WINDOW_SECONDS"], account=user.email)
    if tries > cfg["LOGIN_LIMIT_PAIR"]:
        raise Throttled("login_throttled")


@transactional
def _claim_attempt(email: str, address: str) -> None:
    """Count the attempt before the password is checked, or refuse it.

    Blocks a (account, address) pair after LOGIN_LIMIT_PAIR failures and an address after
    LOGIN_LIMIT_ADDRESS; an account with LOGIN_SLOW_AFTER failures from anywhere is slowed
    to one attempt every LOGIN_SLOW_SECONDS, so its owner still gets in.
    """
    cfg = current_app.config
    window = cfg["LOGIN_WINDOW_SECONDS"]
    if throttle.current("login_address", address, window) >= cfg["LOGIN_LIMIT_ADDRESS"]:
        raise Throttled("login_throttled")
    pair = throttle.hit("login_pair", f"{email}|{address}", window, account=email)
    if pair > cfg["LOGIN_LIMIT_PAIR"]:
        raise Throttled("login_throttled")
    if not throttle.take_turn(
        "login_account",
        email,
        after=cfg["LOGIN_SLOW_AFTER"],
        every_seconds=cfg["LOGIN_SLOW_SECONDS"],
        window_seconds=window,
    ):
        raise Throttled("login_slowed")


@transactional
def _login_failed(email: str, address: str) -> None:
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    throttle.hit("login_account", email, window, account=email)
    throttle.hit("login_address", address, window)
    record(None, "auth.login_failed", object_type="User", object_id=email[:64])


@transactional
def _open_session(user: User, address: str, user_agent: str) -> User:
    throttle.forget("login_pair", f"{user.email}|{address}")
    session = LoginSession(
        token=secrets.token_urlsafe(32), user=user, address=address, user_agent=user_agent[:200]
    )
    db.session.add(session)
    record(user, "auth.login", user)
    user.login_token = session.token
    user.login_session = session
    return user


def log_in(email: str, password: str, address: str, user_agent: str = "") -> User | None:
    """Check the password under throttling; open a new server-side session, or count a failure.

    An unknown email costs the same as a known one (a dummy hash is checked), so the time
    taken does not tell whether an account exists.
    """
    email = email.strip().lower()
    _claim_attempt(email, address)
    user = find_user_by_email(email)
    valid = check_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        _login_failed(email, address)
        return None
    return _open_session(user, address, user_agent)


@transactional
def lift_limits(actor: User, user: User) -> int:
    """An admin lifts every login block and slow-down on an account."""
    if actor.role != Role.ADMIN:
        raise DomainError("forbidden")
    lifted = throttle.forget_account(user.email)
    record(actor, "auth.limits_lifted", user, after={"counters": lifted})
    return lifted


@transactional
def log_out(user: User) -> None:
    """Revoke this login session so that a copied cookie cannot come back."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token == user.login_token, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    record(user, "auth.logout", user)
