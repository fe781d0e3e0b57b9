"""Passkeys (WebAuthn): a second factor that cannot be phished or read off a screen, beside the
authenticator app (which stays, with the recovery codes, for a lost device).

Verification is py_webauthn's. Each ceremony gets a server-made challenge that is deleted when
a response names it (a conditional DELETE, in its own transaction, so a refused response still
uses it up) and expires after CHALLENGE_SECONDS. The relying party is SITE_URL's host in
production and ``localhost`` in development and tests.
"""

import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from funding.accounts import second_factor, throttle
from funding.accounts.models import Passkey, PasskeyChallenge, User
from funding.accounts.services import count_tries
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.transactions import DomainError, transactional

CHALLENGE_SECONDS = 300
#: Passkeys one account may have (so that its list stays one short page).
MAX_PASSKEYS = 10
REGISTER = "register"
LOGIN = "login"


def relying_party() -> tuple[str, str]:
    """The RP id and the origin responses must come from."""
    site = current_app.config["SITE_URL"]
    if site:
        parts = urlsplit(site)
        return parts.hostname, f"{parts.scheme}://{parts.netloc}"
    return "localhost", request.host_url.rstrip("/")


def passkeys_of(user: User) -> list[Passkey]:
    return list(
        db.session.scalars(sa.select(Passkey).filter_by(user_id=user.id).order_by(Passkey.id))
    )


@transactional
def _new_challenge(user: User, purpose: str) -> bytes:
    """A fresh challenge; the user's expired ones of any purpose go."""
    db.session.execute(
        sa.delete(PasskeyChallenge).where(
            PasskeyChallenge.user_id == user.id, PasskeyChallenge.expires_at <= utcnow()
        )
    )
    challenge = secrets.token_bytes(32)
    db.session.add(
        PasskeyChallenge(
            user_id=user.id,
            purpose=purpose,
            challenge=challenge,
            expires_at=utcnow() + timedelta(seconds=CHALLENGE_SECONDS),
        )
    )
    return challenge


def _answered_challenge(credential: dict) -> bytes:
    """The challenge the browser signed, as its client data names it."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        return base64url_to_bytes(client_data["challenge"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DomainError("passkey_failed") from exc


@transactional
def _take_challenge(user: User, purpose: str, credential: dict) -> bytes:
    """Use up the challenge the response answers; refused if it was not issued to this user
    for this purpose, was used already or has expired."""
    challenge = _answered_challenge(credential)
    taken = db.session.execute(
        sa.delete(PasskeyChallenge).where(
            PasskeyChallenge.user_id == user.id,
            PasskeyChallenge.purpose == purpose,
            PasskeyChallenge.challenge == challenge,
            PasskeyChallenge.expires_at > utcnow(),
        )
    ).rowcount
    if not taken:
        raise DomainError("passkey_failed")
    return challenge


def registration_options(user: User) -> str:
    """The options (JSON) for the browser to make a new passkey for ``user``."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=second_factor.ISSUER,
        user_name=user.email,
        user_id=user.id.to_bytes(8, "big"),
        user_display_name=user.name,
        challenge=_new_challenge(user, REGISTER),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(user)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        timeout=CHALLENGE_SECONDS * 1000,
    )
    return options_to_json(options)


def add_passkey(user: User, name: str, credential: dict) -> Passkey:
    """Keep the passkey the browser made, once its response checks out."""
    challenge = _take_challenge(user, REGISTER, credential)
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except WebAuthnException as exc:
        raise DomainError("passkey_failed") from exc
    return _store(user, name, verified)


@transactional
def _store(user: User, name: str, verified: VerifiedRegistration) -> Passkey:
    known = db.session.scalar(sa.select(Passkey.id).filter_by(credential_id=verified.credential_id))
    if known is not None:
        raise DomainError("passkey_known")
    if len(passkeys_of(user)) >= MAX_PASSKEYS:
        raise DomainError("passkey_limit")
    passkey = Passkey(
        user_id=user.id,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    db.session.add(passkey)
    db.session.flush()
    record(user, "auth.passkey_added", passkey, after={"name": name})
    return passkey


@transactional
def remove_passkey(user: User, passkey_id: int) -> None:
    """Remove one of the user's own passkeys; another's id is not found."""
    passkey = db.session.scalar(sa.select(Passkey).filter_by(id=passkey_id, user_id=user.id))
    if passkey is None:
        raise DomainError("forbidden")
    record(user, "auth.passkey_removed", passkey, before={"name": passkey.name})
    db.session.delete(passkey)


def authentication_options(user: User) -> str:
    """The options (JSON) for the browser to sign in with one of the user's passkeys."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=_new_challenge(user, LOGIN),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(user)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
        timeout=CHALLENGE_SECONDS * 1000,
    )
    return options_to_json(options)


def complete_login(user: User, credential: dict) -> None:
    """The second step of logging in with a passkey of this user (throttled like codes)."""
    count_tries("second_factor", user)
    challenge = _take_challenge(user, LOGIN, credential)
    try:
        raw_id = base64url_to_bytes(credential["rawId"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DomainError("passkey_failed") from exc
    passkey = db.session.scalar(sa.select(Passkey).filter_by(user_id=user.id, credential_id=raw_id))
    if passkey is None:
        raise DomainError("passkey_failed")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except WebAuthnException as exc:
        raise DomainError("passkey_failed") from exc
    _used(user, passkey.id, passkey.sign_count, verified.new_sign_count)


@transactional
def _used(user: User, passkey_id: int, seen: int, new_count: int) -> None:
    """Move the sign counter on (only from the value checked: a concurrent use loses) and
    let the session through."""
    moved = db.session.execute(
        sa.update(Passkey)
        .where(Passkey.id == passkey_id, Passkey.sign_count == seen)
        .values(sign_count=new_count, last_used_at=utcnow())
    ).rowcount
    if not moved:
        raise DomainError("passkey_failed")
    throttle.forget("second_factor", str(user.id))
    second_factor.mark_second_factor_given(user, "passkey")
