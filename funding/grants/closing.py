"""Ending a grant: early by termination, or on its last payment. Unpaid money goes back to the
sources it was reserved from, and the project's own money on to where its donors said."""

import sqlalchemy as sa

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.grants.models import Grant, GrantState, TrancheState
from funding.grants.reservation import LIVE_STATES
from funding.ledger.models import AccountKind, LedgerTransaction
from funding.ledger.services import (
    Leg,
    account,
    audit_money,
    claim_key,
    money_transaction,
    post,
    remember_result,
)
from funding.notifications.services import notify
from funding.pledges.services import refresh_state, return_project_money
from funding.proposals.needs import follow_projects
from funding.transactions import DomainError


def return_unpaid(actor: User, grant: Grant, kind: str, memo: str) -> LedgerTransaction | None:
    """Move every unpaid fen of the grant back to the account (and pledge) it came from."""
    legs = []
    touched = []
    for source in grant.sources:
        left = source.unpaid_fen
        if not left:
            continue
        released = source.tranche_no is None or any(
            t.number == source.tranche_no and t.state == TrancheState.PAID for t in grant.tranches
        )
        holder = (
            account(AccountKind.GRANT_RESERVED, grant.id)
            if released
            else account(AccountKind.GRANT_HELD, f"{grant.id}:{source.tranche_no}")
        )
        legs += [Leg(holder, -left, source.pledge_id), Leg(source.account, left, source.pledge_id)]
        source.returned_fen += left
        if source.pledge is not None:
            touched.append(source.pledge)
    if not legs:
        return None
    txn = post(kind, f"grant:{grant.id}", legs, actor=actor, memo=memo)
    for pledge in touched:
        refresh_state(pledge)
    return txn


@money_transaction
def terminate_grant(actor: User, grant: Grant, breach: bool, note: str, key: str) -> None:
    """End a grant early; every unpaid fen goes back to its source, and the project's own
    money to its program or its donors."""
    if claim_key(key, actor, "grant.terminate") is not None:
        return
    if not actor.is_foundation:
        raise DomainError("forbidden")
    note = note.strip()
    if not note:
        raise DomainError("reason_required")
    ended = db.session.execute(
        sa.update(Grant)
        .where(Grant.id == grant.id, Grant.state.in_(LIVE_STATES))
        .values(state=GrantState.TERMINATED, terminated_at=utcnow(), breach=breach)
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended != 1:  # already ended, perhaps by a concurrent request
        raise DomainError("grant_not_active")
    db.session.refresh(grant)
    follow_projects(grant.proposal.needs)
    for tranche in grant.tranches:
        if tranche.state in (TrancheState.REQUESTED, TrancheState.SIGNED):
            tranche.state = TrancheState.RETURNED
    txn = return_unpaid(actor, grant, "grant_terminated", note)
    return_project_money(actor, grant.proposal, "terminated")
    if txn is not None:
        audit_money(actor, "grant.terminate", grant, txn, breach=breach, note=note)
    else:
        record(actor, "grant.terminate", grant, after={"breach": breach, "note": note})
    remember_result(key, "terminated")
    notify(
        grant.proposal.organization.members,
        "grant_terminated",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
    )


def complete_grant(actor: User, grant: Grant) -> int:
    """After the last payment: what the final report did not spend goes back to its sources,
    then the project's leftover money on. Returns the amount returned."""
    grant.state = GrantState.COMPLETED
    follow_projects(grant.proposal.needs)
    unspent = sum(s.unpaid_fen for s in grant.sources)
    txn = return_unpaid(actor, grant, "grant_closed", grant.proposal.title)
    return_project_money(actor, grant.proposal, "completed")
    after = {"state": grant.state.value, "returned_fen": unspent}
    if txn is not None:
        after["ledger_transaction"] = txn.id
    record(actor, "grant.complete", grant, after=after)
    return unspent
