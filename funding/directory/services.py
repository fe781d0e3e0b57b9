"""Directory operations: reference places and categories, party profiles, community needs."""

import json
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import record, snapshot
from funding.directory import verification
from funding.directory.models import (
    Community,
    Enterprise,
    LegalForm,
    Need,
    NeedSource,
    NeedStatus,
    Organization,
    Party,
    ServiceCategory,
    Street,
)
from funding.extensions import db
from funding.transactions import DomainError, transactional

ORG_FIELDS = (
    "name",
    "legal_form",
    "capacity",
    "contact_name",
    "contact_mobile",
    "description",
    "categories",
    "streets",
    "communities",
)
ENTERPRISE_FIELDS = (
    "name",
    "contact_name",
    "contact_mobile",
    "description",
    "public_listing",
    "categories",
    "streets",
)
NEED_FIELDS = (
    "community_id",
    "category_code",
    "title",
    "description",
    "beneficiaries",
    "budget_estimate_fen",
    "source",
    "status",
)


def reference_data() -> dict:
    """The district's streets, communities and service categories shipped with the app."""
    text = resources.files("funding").joinpath("data/shangcheng.json").read_text("utf-8")
    return json.loads(text)


@transactional
def load_reference_data() -> dict[str, int]:
    """Insert streets, communities and categories that are missing; safe to run again."""
    data = reference_data()
    added = {"streets": 0, "communities": 0, "categories": 0}
    for position, row in enumerate(data["streets"]):
        street = db.session.get(Street, row["code"])
        if street is None:
            street = Street(
                code=row["code"], name=row["name"], name_en=row["name_en"], position=position
            )
            db.session.add(street)
            added["streets"] += 1
        known = {c.name for c in street.communities}
        for cpos, name in enumerate(row["communities"]):
            if name not in known:
                db.session.add(
                    Community(
                        street=street,
                        name=name,
                        position=cpos,
                        inferred=row["communities_inferred"],
                    )
                )
                added["communities"] += 1
    for row in data["service_categories"]:
        if db.session.get(ServiceCategory, row["code"]) is None:
            db.session.add(
                ServiceCategory(
                    code=row["code"],
                    name=row["name"],
                    name_en=row["name_en"],
                    class_name=row["class"],
                    class_name_en=row["class_en"],
                )
            )
            added["categories"] += 1
    if any(added.values()):
        record(None, "directory.load_reference", object_type="Directory", after=added)
    return added


def _by_keys(model, keys) -> list:
    keys = list(keys or [])
    if not keys:
        return []
    pk = sa.inspect(model).primary_key[0]
    found = db.session.scalars(sa.select(model).where(pk.in_(keys))).all()
    if len(found) != len(set(keys)):
        raise DomainError("unknown_reference")
    return list(found)


def can_edit_party(user: User, party: Party) -> bool:
    """Members edit their own party's profile; staff edit any."""
    return user.is_foundation or (user.party_id is not None and user.party_id == party.id)


@dataclass(frozen=True)
class PartyProfile:
    """Validated profile fields; organization-only fields are ignored for enterprises."""

    name: str
    contact_name: str
    contact_mobile: str
    description: str
    category_codes: tuple[str, ...]
    street_codes: tuple[str, ...]
    legal_form: LegalForm | None = None
    capacity: int | None = None
    community_ids: tuple[int, ...] = ()
    public_listing: bool = True
    #: A normalised unified social credit code; None keeps the registered one.
    credit_code: str | None = None


@transactional
def update_party_profile(actor: User, party: Party, profile: PartyProfile) -> None:
    """Save a party's profile: what it does, where, and how much it can take on. Changing who
    the party is sends it back to verification (``verification.after_profile_change``)."""
    if not can_edit_party(actor, party):
        raise DomainError("forbidden")
    is_org = isinstance(party, Organization)
    fields = ORG_FIELDS if is_org else ENTERPRISE_FIELDS
    before = snapshot(party, *fields, "credit_code")
    was = verification.identity(party)
    if profile.credit_code and profile.credit_code != party.credit_code:
        verification.ensure_credit_code_free(profile.credit_code, exclude_id=party.id)
        party.credit_code = profile.credit_code
    party.name = profile.name.strip()
    party.contact_name = profile.contact_name.strip()
    party.contact_mobile = profile.contact_mobile
    party.description = profile.description.strip()
    party.categories = _by_keys(ServiceCategory, profile.category_codes)
    party.streets = _by_keys(Street, profile.street_codes)
    if is_org:
        party.legal_form = profile.legal_form
        party.capacity = profile.capacity
        party.communities = _by_keys(Community, profile.community_ids)
    elif isinstance(party, Enterprise):
        party.public_listing = profile.public_listing
    record(
        actor, "party.update", party, before=before, after=snapshot(party, *fields, "credit_code")
    )
    verification.after_profile_change(actor, party, was)


def can_edit_need(user: User, need: Need | None, community_id: int | None) -> bool:
    """Staff edit any need; a community worker only needs of their own community."""
    if user.is_foundation:
        return True
    if user.role != Role.COMMUNITY_WORKER:
        return False
    target = need.community_id if need is not None else community_id
    return target == user.community_id


@dataclass(frozen=True)
class NeedData:
    community_id: int
    category_code: str
    title: str
    description: str
    beneficiaries: int
    budget_estimate_fen: int
    source: NeedSource
    status: NeedStatus = NeedStatus.OPEN


def _apply_need(need: Need, data: NeedData) -> None:
    _by_keys(Community, [data.community_id])
    _by_keys(ServiceCategory, [data.category_code])
    for name in NEED_FIELDS:
        setattr(need, name, getattr(data, name))
    need.title = data.title.strip()
    need.description = data.description.strip()


@transactional
def create_need(actor: User, data: NeedData) -> Need:
    """Post a need residents raised; community workers post for their own community only."""
    if not can_edit_need(actor, None, data.community_id):
        raise DomainError("community_not_yours")
    need = Need(created_by_id=actor.id)
    _apply_need(need, data)
    db.session.add(need)
    db.session.flush()
    record(actor, "need.create", need, after=snapshot(need, *NEED_FIELDS))
    return need


@transactional
def update_need(actor: User, need: Need, data: NeedData) -> None:
    """Edit a need; a worker may not move it to another community."""
    if not can_edit_need(actor, need, None) or not can_edit_need(actor, None, data.community_id):
        raise DomainError("community_not_yours")
    if need.status == NeedStatus.CLOSED and not actor.is_foundation:
        raise DomainError("need_not_editable")
    before = snapshot(need, *NEED_FIELDS)
    _apply_need(need, data)
    record(actor, "need.update", need, before=before, after=snapshot(need, *NEED_FIELDS))
