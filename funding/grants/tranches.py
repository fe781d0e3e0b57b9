"""Tranches: the organization's request with its progress report (资金申领), staff sign-offs,
the payment, returns and the mid-term review."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db, utcnow
from funding.grants.closing import complete_grant
from funding.grants.models import CommunityRating, Grant, GrantState, Tranche, TrancheState
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
from funding.money import format_fen
from funding.notifications.services import notify, staff_users
from funding.pledges.services import refresh_state
from funding.proposals.workflow import is_applicant
from funding.transactions import DomainError, transactional

MAX_BENEFICIARIES = 10_000_000


@dataclass(frozen=True)
class Report:
    """A progress report: what was done and, per budget line (by position), the grant money
    spent on it so far."""

    activities: str
    beneficiaries_served: int
    spent: dict[int, int] = field(default_factory=dict)
    final: bool = False


def _checked(grant: Grant, report: Report) -> dict:
    """The report as stored, after the same checks the form makes: spending only on the
    project's budget lines, no line above its budget, nothing above the grant."""
    activities = report.activities.strip()
    if not activities or len(activities) > 5000:
        raise DomainError("report_incomplete")
    if not 0 <= report.beneficiaries_served <= MAX_BENEFICIARIES:
        raise DomainError("report_incomplete")
    lines = {line.position: line for line in grant.proposal.budget_lines}
    spending = []
    for position, amount in sorted(report.spent.items()):
        line = lines.get(position)
        if line is None:
            raise DomainError("spending_line_unknown")
        if not 0 <= amount <= line.total_fen:
            raise DomainError(
                "spending_above_line", line=line.item, budget=format_fen(line.total_fen)
            )
        if amount:
            spending.append({"position": position, "line": line.item, "amount_fen": amount})
    spent = sum(s["amount_fen"] for s in spending)
    if spent > grant.amount_fen:
        raise DomainError("spending_above_grant", grant=format_fen(grant.amount_fen))
    if report.final and not spent:
        raise DomainError("final_spending_required")
    return {
        "activities": activities,
        "beneficiaries_served": report.beneficiaries_served,
        "spending": spending,
        "final": report.final,
    }


@transactional
def request_tranche(actor: User, tranche: Tranche, report: Report) -> None:
    """The organization asks for the next tranche with its progress report."""
    grant = tranche.grant
    if not is_applicant(actor, grant.proposal):
        raise DomainError("forbidden")
    if grant.state not in LIVE_STATES:
        raise DomainError("grant_not_active")
    if grant.reserved_at is None:
        raise DomainError("grant_not_reserved")
    if tranche.state not in (TrancheState.PENDING, TrancheState.RETURNED):
        raise DomainError("tranche_not_requestable")
    previous = [t for t in grant.tranches if t.number < tranche.number]
    if any(t.state != TrancheState.PAID for t in previous):
        raise DomainError("tranche_order")
    if tranche.number == 2 and grant.state != GrantState.MIDTERM_PASSED:
        raise DomainError("midterm_required")
    last = is_final(tranche)
    if last and not (report.final and _community_rated(grant)):
        raise DomainError("final_report_required")
    stored = _checked(grant, Report(**{**report.__dict__, "final": last}))
    tranche.state = TrancheState.REQUESTED
    tranche.report = stored
    tranche.requested_by_id = actor.id
    tranche.requested_at = utcnow()
    tranche.first_signer_id = None
    record(
        actor,
        "tranche.request",
        tranche,
        after={"grant": grant.id, "number": tranche.number, "amount_fen": tranche.amount_fen},
    )
    notify(
        staff_users(),
        "tranche_requested",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
        number=tranche.number,
        amount=format_fen(tranche.amount_fen),
    )


def _community_rated(grant: Grant) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CommunityRating)
            .where(CommunityRating.grant_id == grant.id)
        )
        > 0
    )


def signatures_needed(tranche: Tranche) -> int:
    """One sign-off, or two from different staff above the configured threshold."""
    return 2 if tranche.amount_fen > current_app.config["TWO_PERSON_THRESHOLD_FEN"] else 1


def is_final(tranche: Tranche) -> bool:
    """The last of several tranches: it comes with the final report (结项报告)."""
    return tranche.number == len(tranche.grant.tranches) and tranche.number > 1


def payable_fen(tranche: Tranche) -> int:
    """What paying this tranche sends: its amount, except that the last of several pays only
    what the final report spent beyond the earlier payments."""
    grant = tranche.grant
    if not is_final(tranche):
        return tranche.amount_fen
    spent = sum(s["amount_fen"] for s in (tranche.report or {}).get("spending", []))
    paid_before = sum(t.paid_fen or 0 for t in grant.tranches if t.number < tranche.number)
    return max(0, min(tranche.amount_fen, min(spent, grant.amount_fen) - paid_before))


@money_transaction
def sign_tranche(actor: User, tranche: Tranche, key: str) -> bool:
    """Sign a payment request; the last required signature pays it. Returns True once paid.

    The state moves by a conditional UPDATE, so concurrent sign-offs pay at most once.
    """
    done = claim_key(key, actor, "tranche.sign")
    if done is not None:
        return done.result == "paid"
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if actor.id == tranche.requested_by_id:
        raise DomainError("self_approval")
    grant = tranche.grant
    if tranche.state == TrancheState.SIGNED and tranche.first_signer_id == actor.id:
        raise DomainError("second_signer_needed")
    final = tranche.state == TrancheState.SIGNED or signatures_needed(tranche) == 1
    expected = (
        tranche.state if tranche.state in (TrancheState.REQUESTED, TrancheState.SIGNED) else None
    )
    if expected is None:
        raise DomainError("tranche_not_signable")
    values = {"state": TrancheState.PAID if final else TrancheState.SIGNED}
    values["second_signer_id" if expected == TrancheState.SIGNED else "first_signer_id"] = actor.id
    if final:
        values["paid_at"] = utcnow()
        values["paid_fen"] = payable_fen(tranche)
    moved = db.session.execute(
        sa.update(Tranche)
        .where(Tranche.id == tranche.id, Tranche.state == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise DomainError("tranche_not_signable")
    db.session.refresh(tranche)
    if not final:
        record(actor, "tranche.sign", tranche, after={"signatures": 1})
        remember_result(key, "signed")
        notify(
            [u for u in staff_users() if u.id != actor.id],
            "tranche_signed",
            f"/grants/{grant.id}",
            title=grant.proposal.title,
            number=tranche.number,
        )
        return False
    txn = _pay(actor, tranche)
    after = {"amount_fen": tranche.paid_fen, "number": tranche.number}
    if txn is not None:
        audit_money(actor, "tranche.pay", tranche, txn, **after)
    else:
        record(actor, "tranche.pay", tranche, after=after)
    if tranche.number == len(grant.tranches):
        complete_grant(actor, grant)
    remember_result(key, "paid")
    notify(
        grant.proposal.organization.members,
        "tranche_paid",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
        number=tranche.number,
        amount=format_fen(tranche.paid_fen),
    )
    return True


def _split(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` (largest remainders; exact in fen)."""
    total = sum(weights)
    shares = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(amount * weights[i] % total))
    for i in order[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def _pay(actor: User, tranche: Tranche) -> LedgerTransaction | None:
    """Release milestone money for this tranche, then pay ``tranche.paid_fen`` from the
    grant's reserve, in proportion to what each source still holds."""
    grant = tranche.grant
    reserved = account(AccountKind.GRANT_RESERVED, grant.id)
    legs = []
    for source in grant.sources:
        if source.tranche_no == tranche.number and source.unpaid_fen:
            held = account(AccountKind.GRANT_HELD, f"{grant.id}:{source.tranche_no}")
            legs += [
                Leg(held, -source.unpaid_fen, source.pledge_id),
                Leg(reserved, source.unpaid_fen, source.pledge_id),
            ]
    eligible = [
        s
        for s in grant.sources
        if (s.tranche_no is None or s.tranche_no <= tranche.number) and s.unpaid_fen
    ]
    amount = tranche.paid_fen
    if sum(s.unpaid_fen for s in eligible) < amount:
        raise DomainError("insufficient_funds")
    payee = account(AccountKind.PAYEE, grant.proposal.organization_id)
    if amount:
        shares = _split(amount, [s.unpaid_fen for s in eligible])
        for source, share in zip(eligible, shares, strict=True):
            if share:
                source.paid_fen += share
                legs += [
                    Leg(reserved, -share, source.pledge_id),
                    Leg(payee, share, source.pledge_id),
                ]
    if not legs:
        return None
    txn = post(
        "tranche_paid",
        f"tranche:{tranche.id}",
        legs,
        actor=actor,
        memo=f"{grant.proposal.title} #{tranche.number}",
    )
    for source in eligible:
        if source.pledge is not None:
            refresh_state(source.pledge)
    return txn


@transactional
def return_tranche(actor: User, tranche: Tranche, note: str) -> None:
    """Staff send a payment request back with a note; the organization may ask again."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if tranche.state not in (TrancheState.REQUESTED, TrancheState.SIGNED):
        raise DomainError("tranche_not_signable")
    if not note.strip():
        raise DomainError("comment_required")
    tranche.state = TrancheState.RETURNED
    tranche.first_signer_id = None
    tranche.note = note.strip()
    record(actor, "tranche.return", tranche, after={"note": tranche.note})
    notify(
        tranche.grant.proposal.organization.members,
        "tranche_returned",
        f"/grants/{tranche.grant_id}",
        title=tranche.grant.proposal.title,
        number=tranche.number,
        note=tranche.note,
    )


@transactional
def pass_midterm(actor: User, grant: Grant) -> None:
    """Staff record that the mid-term review passed; the second tranche may follow."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if grant.state != GrantState.ACTIVE:
        raise DomainError("grant_not_active")
    if not grant.tranches or grant.tranches[0].state != TrancheState.PAID:
        raise DomainError("midterm_not_ready")
    grant.state = GrantState.MIDTERM_PASSED
    grant.midterm_passed_at = utcnow()
    record(actor, "grant.midterm", grant, after={"state": grant.state.value})
    notify(
        grant.proposal.organization.members,
        "midterm_passed",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
    )
