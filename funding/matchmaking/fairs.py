"""Fairs (公益创投相亲会): shortlisted projects, invited enterprises, paddle raises, pledges.

A paddle raise (举牌) is an intent, recorded by staff in the room or by the enterprise itself;
it becomes a pledge only when the enterprise confirms it, through the pledge service and in
the ledger's write transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import record
from funding.directory.models import Enterprise
from funding.extensions import db, utcnow
from funding.ledger.services import money_transaction
from funding.matchmaking.adapter import short_projects
from funding.matchmaking.models import Fair, FairIntent, IntentState
from funding.money import format_fen
from funding.notifications.services import notify
from funding.pledges.models import PaymentMethod, PledgeTarget
from funding.proposals.models import Proposal
from funding.transactions import DomainError, transactional


@dataclass(frozen=True)
class FairData:
    name: str
    held_on: date
    place: str


def is_member(user: User, enterprise: Enterprise) -> bool:
    return user.role == Role.ENTERPRISE_MEMBER and user.party_id == enterprise.id


def can_see_fair(user: User, fair: Fair) -> bool:
    """Staff, and members of the enterprises invited to it."""
    return user.is_foundation or any(is_member(user, e) for e in fair.enterprises)


def _staff(actor: User) -> None:
    if not actor.is_foundation:
        raise DomainError("forbidden")


@transactional
def create_fair(actor: User, data: FairData) -> Fair:
    """Staff announce a fair: its name, date and place."""
    _staff(actor)
    fair = Fair(
        name=data.name.strip(),
        held_on=data.held_on,
        place=data.place.strip(),
        created_by_id=actor.id,
    )
    db.session.add(fair)
    db.session.flush()
    record(actor, "fair.create", fair, after={"name": fair.name, "held_on": str(data.held_on)})
    return fair


@transactional
def set_projects(actor: User, fair: Fair, proposal_ids: Iterable[int]) -> None:
    """Shortlist projects still short of money; projects that already have raises stay."""
    _staff(actor)
    eligible = {p.id: p for p in short_projects()}
    wanted = set(proposal_ids)
    if wanted - eligible.keys():
        raise DomainError("fair_project_invalid")
    kept = {i.proposal_id for i in fair.intents}
    before = sorted(p.id for p in fair.projects)
    current = {p.id: p for p in fair.projects}
    fair.projects = sorted(
        [eligible[i] for i in wanted] + [current[i] for i in kept - wanted if i in current],
        key=lambda p: p.id,
    )
    record(
        actor,
        "fair.projects",
        fair,
        before={"projects": before},
        after={"projects": [p.id for p in fair.projects]},
    )


@transactional
def invite_enterprises(actor: User, fair: Fair, enterprise_ids: Iterable[int]) -> int:
    """Invite verified enterprises; each new one hears about it. Returns how many are new."""
    _staff(actor)
    ids = set(enterprise_ids)
    found = db.session.scalars(
        sa.select(Enterprise).where(Enterprise.id.in_(ids), Enterprise.verified_at.is_not(None))
    ).all()
    if len(found) != len(ids):
        raise DomainError("unknown_reference")
    new = [e for e in found if e not in fair.enterprises]
    fair.enterprises.extend(new)
    for ent in new:
        notify(
            ent.members,
            "fair_invited",
            f"/fairs/{fair.id}",
            fair=fair.name,
            date=fair.held_on.isoformat(),
        )
    record(actor, "fair.invite", fair, after={"enterprises": [e.id for e in new]})
    return len(new)


@transactional
def raise_paddle(
    actor: User, fair: Fair, proposal: Proposal, enterprise: Enterprise, amount_fen: int
) -> FairIntent:
    """Record a paddle raise: staff for any invited enterprise, a member for their own."""
    if not (actor.is_foundation or is_member(actor, enterprise)):
        raise DomainError("forbidden")
    if enterprise not in fair.enterprises:
        raise DomainError("fair_not_invited")
    if proposal not in fair.projects:
        raise DomainError("fair_project_invalid")
    if amount_fen <= 0:
        raise DomainError("amount_not_positive")
    intent = FairIntent(
        fair=fair,
        proposal=proposal,
        enterprise=enterprise,
        amount_fen=amount_fen,
        recorded_by_id=actor.id,
    )
    db.session.add(intent)
    db.session.flush()
    if actor.is_foundation:
        notify(
            enterprise.members,
            "fair_intent",
            f"/fairs/{fair.id}",
            amount=format_fen(amount_fen),
            title=proposal.title,
            fair=fair.name,
        )
    record(
        actor,
        "fair.intent",
        intent,
        after={
            "fair": fair.id,
            "proposal": proposal.id,
            "enterprise": enterprise.id,
            "amount_fen": amount_fen,
        },
    )
    return intent


@money_transaction
def confirm_intent(
    actor: User, intent: FairIntent, due_date: date, key: str, shown_match_fen: int = 0
) -> FairIntent:
    """The enterprise confirms its raise, with the matching gift it was shown: the pledge is
    made once. The raise moves by a conditional update, so of two concurrent confirmations
    (another tab, another form key) one is refused and its pledge rolled back."""
    from funding.pledges.services import PledgeData, create_pledge, single

    if not is_member(actor, intent.enterprise):
        raise DomainError("forbidden")
    if intent.state == IntentState.CONFIRMED:
        return intent  # the same form sent again
    if intent.state != IntentState.INTENT:
        raise DomainError("intent_not_open")
    data = PledgeData(
        target=PledgeTarget.PROJECT,
        amount_fen=intent.amount_fen,
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=single(intent.amount_fen, due_date),
        proposal_id=intent.proposal_id,
        note=intent.fair.name,
    )
    pledge = create_pledge(actor, intent.enterprise, data, key, shown_match_fen)
    claimed = db.session.execute(
        sa.update(FairIntent)
        .where(FairIntent.id == intent.id, FairIntent.state == IntentState.INTENT)
        .values(state=IntentState.CONFIRMED, decided_at=utcnow(), pledge_id=pledge.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # confirmed meanwhile by another request: this pledge is rolled back
        raise DomainError("intent_not_open")
    db.session.refresh(intent)
    record(actor, "fair.confirm", intent, after={"pledge": pledge.id})
    return intent


@transactional
def withdraw_intent(actor: User, intent: FairIntent) -> None:
    """Take back a raise that was not confirmed (staff, or the enterprise)."""
    if not (actor.is_foundation or is_member(actor, intent.enterprise)):
        raise DomainError("forbidden")
    if intent.state != IntentState.INTENT:
        raise DomainError("intent_not_open")
    intent.state = IntentState.WITHDRAWN
    intent.decided_at = utcnow()
    record(actor, "fair.withdraw", intent)
