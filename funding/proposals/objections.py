"""Answering the public's objections to an approval on disclosure (公示).

Staff answer each objection in public: dismissed with a reply (the decision stands), or upheld,
which withdraws the approval or sends the decision back to review. Upholding answers every
objection still open on the proposal with the same reply, since the decision they objected to
is gone. The agreement cannot be signed while an objection is open (``sign_agreement``).
"""

import sqlalchemy as sa

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.ledger.services import money_transaction
from funding.notifications.services import notify
from funding.pledges.services import return_project_money
from funding.proposals.models import Objection, ObjectionState, Proposal
from funding.proposals.services import _move, record_event
from funding.proposals.workflow import Action
from funding.transactions import DomainError, transactional

#: How an upheld objection changes the decision, and the state the objections then show.
UPHOLD_OUTCOMES = {
    Action.WITHDRAW_APPROVAL: ObjectionState.WITHDRAWN,
    Action.REOPEN: ObjectionState.REOPENED,
}


def _answer(actor: User, objection: Objection, reply: str, state: ObjectionState) -> None:
    objection.state = state
    objection.reply = reply
    objection.answered_at = utcnow()
    objection.answered_by_id = actor.id
    record(actor, "objection.answer", objection, after={"state": state.value, "reply": reply})


def _check(actor: User, objection: Objection, reply: str) -> str:
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if objection.state != ObjectionState.OPEN:
        raise DomainError("objection_answered")
    if not reply.strip():
        raise DomainError("reply_required")
    return reply.strip()


@transactional
def dismiss_objection(actor: User, objection: Objection, reply: str) -> None:
    """The decision stands; the reply says why, on the public disclosure page."""
    reply = _check(actor, objection, reply)
    _answer(actor, objection, reply, ObjectionState.DISMISSED)
    proposal = objection.proposal
    record_event(proposal, actor, "objection_dismissed", proposal.state, reply)


@money_transaction
def uphold_objection(actor: User, objection: Objection, reply: str, outcome: Action) -> None:
    """The objection is right: withdraw the approval, or reopen the decision for review. Money
    given to the project meanwhile goes where its donors' agreements say."""
    reply = _check(actor, objection, reply)
    if outcome not in UPHOLD_OUTCOMES:
        raise DomainError("transition_not_allowed")
    proposal: Proposal = objection.proposal
    _move(proposal, actor, outcome, reply)
    if outcome == Action.REOPEN:  # back in review: no approval, no disclosure running
        proposal.approved_amount_fen = None
        proposal.disclosure_until = None
        proposal.decided_at = None
        proposal.decision_note = ""
    else:
        proposal.decided_at = utcnow()
        proposal.decision_note = reply
    still_open = db.session.scalars(
        sa.select(Objection).where(
            Objection.proposal_id == proposal.id, Objection.state == ObjectionState.OPEN
        )
    )
    for item in still_open:
        _answer(actor, item, reply, UPHOLD_OUTCOMES[outcome])
    return_project_money(actor, proposal, "not_funded")
    notify(
        proposal.organization.members,
        f"objection_upheld_{outcome.value}",
        f"/proposals/{proposal.id}",
        title=proposal.title,
        note=reply,
    )
