"""The second factor: TOTP (RFC 6238) from an authenticator app, and ten single-use recovery
codes. Staff and admins must have one before they reach any page; everyone else may enrol.

A code is accepted once (the time step is remembered with a conditional UPDATE) and tries are
throttled like logins, counted in their own transaction so a refusal still counts.
"""

import hashlib
import hmac
import secrets

import pyotp
import segno
import sqlalchemy as sa

from funding.accounts import sessions, throttle
from funding.accounts.models import Passkey, RecoveryCode, User
from funding.accounts.services import count_tries
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.transactions import DomainError, transactional

ISSUER = "Linkage 三社联动"
RECOVERY_CODE_COUNT = 10
#: Codes from the previous and the next 30-second step are accepted too (clock drift).
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    """The enrolment QR code as inline SVG (no script, no external image)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#212529")


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isascii() and ch.isalnum()).lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code is ``code`` (within the allowed drift), else None."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(_digits(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


@transactional
def _accept(user: User, code: str) -> str:
    """Use up a TOTP step or a recovery code of the user; returns which, or raises."""
    code = _digits(code)
    step = _matching_step(user.totp_secret, code) if len(code) == 6 else None
    if step is not None:
        taken = db.session.execute(
            sa.update(User)
            .where(
                User.id == user.id,
                sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
        ).rowcount
        if taken:
            throttle.forget("second_factor", str(user.id))
            return "totp"
        raise DomainError("code_used")
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if used:
        throttle.forget("second_factor", str(user.id))
        record(user, "auth.recovery_code_used", user)
        return "recovery_code"
    raise DomainError("code_wrong")


def _check(user: User, code: str) -> str:
    if not user.has_second_factor:
        raise DomainError("code_wrong")
    count_tries("second_factor", user)
    return _accept(user, code)


def complete_login(user: User, code: str) -> None:
    """The second step of logging in: the session may now reach every page."""
    how = _check(user, code)
    mark_second_factor_given(user, how)


@transactional
def mark_second_factor_given(user: User, how: str) -> None:
    """The session has its second factor (a code, a recovery code or a passkey)."""
    login = user.login_session
    login.second_factor_at = utcnow()
    login.confirmed_at = utcnow()
    record(user, "auth.second_factor", user, after={"with": how})


def confirm_with_code(user: User, code: str) -> None:
    """The user proves who they are again with a code, for the next few minutes."""
    how = _check(user, code)
    _confirmed(user, how)


@transactional
def _confirmed(user: User, how: str) -> None:
    sessions.mark_confirmed(user)
    record(user, "auth.confirmed", user, after={"with": how})


@transactional
def enrol(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on (or replace it) once the app shows a right code; returns the
    new recovery codes, shown once."""
    step = _matching_step(secret, _digits(code))
    if step is None:
        raise DomainError("code_wrong")
    replacing = user.has_second_factor
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    if user.login_session is not None:
        user.login_session.second_factor_at = utcnow()
    record(user, "auth.second_factor_replaced" if replacing else "auth.second_factor_on", user)
    return codes


@transactional
def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes (the old ones stop working)."""
    if not user.has_second_factor:
        raise DomainError("forbidden")
    codes = _new_recovery_codes(user)
    record(user, "auth.recovery_codes_replaced", user)
    return codes


@transactional
def turn_off(user: User) -> None:
    """Turn the second factor off (the app, recovery codes and passkeys); staff and admins
    cannot, they must have one."""
    if user.needs_second_factor or not user.has_second_factor:
        raise DomainError("second_factor_required")
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(Passkey).where(Passkey.user_id == user.id))
    record(user, "auth.second_factor_off", user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def current_code(secret: str) -> str:
    """The code an authenticator app shows now (for the demo accounts' command)."""
    return pyotp.TOTP(secret).now()
