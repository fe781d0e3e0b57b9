"""Verifying who a party is: staff verify, reject or ask for more information, and the party is
told either way; a verified party that changes who it is (legal name, legal form, credit code)
goes back to waiting for verification, staff hear of it, and its eligibility is checked again.
"""

import sqlalchemy as sa

from funding.accounts.models import User
from funding.audit.services import record
from funding.directory.models import Organization, Party, VerificationState
from funding.extensions import db, utcnow
from funding.notifications.services import notify, staff_users
from funding.proposals.screening import rescreen_open_proposals
from funding.transactions import DomainError, transactional

#: What makes a party who it is: a change sends it back to verification.
IDENTITY_FIELDS = ("name", "legal_form", "credit_code")


def ensure_credit_code_free(credit_code: str, exclude_id: int | None = None) -> None:
    """Credit codes are unique across organizations and enterprises."""
    query = sa.select(Party.id).where(Party.credit_code == credit_code)
    if exclude_id is not None:
        query = query.where(Party.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise DomainError("credit_code_taken")


def identity(party: Party) -> dict[str, str]:
    """The identity fields of ``party`` as plain values (enterprises have no legal form)."""
    return {name: str(getattr(party, name)) for name in IDENTITY_FIELDS if hasattr(party, name)}


def _staff_decision(actor: User, party: Party) -> None:
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if party.is_verified:
        raise DomainError("already_verified")


def _party_link(party: Party) -> str:
    kind = "organizations" if isinstance(party, Organization) else "enterprises"
    return f"/{kind}/{party.id}"


@transactional
def verify_party(actor: User, party: Party) -> None:
    """Staff confirm a registered party is real; only then may it submit or pledge."""
    _staff_decision(actor, party)
    party.verified_at = utcnow()
    party.verified_by_id = actor.id
    party.verification = VerificationState.VERIFIED
    party.verification_note = ""
    record(actor, "party.verify", party, before={"verified": False}, after={"verified": True})
    rescreen_open_proposals(party)
    notify(party.members, "party_verified", _party_link(party), name=party.name)


def _send_back(actor: User, party: Party, state: VerificationState, note: str) -> None:
    _staff_decision(actor, party)
    if not note.strip():
        raise DomainError("note_required")
    before = party.verification_state
    party.verification = state
    party.verification_note = note.strip()
    record(
        actor,
        f"party.{state.value}",
        party,
        before={"verification": before.value},
        after={"verification": state.value, "note": note.strip()},
    )
    notify(
        party.members,
        f"party_{state.value}",
        _party_link(party),
        name=party.name,
        note=note.strip(),
    )


@transactional
def reject_party(actor: User, party: Party, reason: str) -> None:
    """Staff refuse the registration; the party's members read why."""
    _send_back(actor, party, VerificationState.REJECTED, reason)


@transactional
def request_information(actor: User, party: Party, what: str) -> None:
    """Staff ask the party for more information before deciding."""
    _send_back(actor, party, VerificationState.MORE_INFO, what)


def after_profile_change(actor: User, party: Party, before: dict[str, str]) -> None:
    """Inside a profile update: a verified party whose identity changed waits for verification
    again (staff are told, eligibility is checked again); a party that was asked for more
    information is back in the staff's queue once it updates its profile."""
    changed = sorted(name for name, value in identity(party).items() if before.get(name) != value)
    if party.is_verified and changed:
        party.verified_at = None
        party.verified_by_id = None
        party.verification = VerificationState.PENDING
        party.verification_note = ""
        record(actor, "party.unverify", party, before=before, after={"changed": changed})
        rescreen_open_proposals(party)
        notify(staff_users(), "party_identity_changed", "/staff/parties", name=party.name)
    elif party.verification == VerificationState.MORE_INFO and not actor.is_foundation:
        party.verification = VerificationState.PENDING
        record(actor, "party.resubmit", party, after={"verification": "pending"})
        notify(staff_users(), "party_updated", "/staff/parties", name=party.name)
