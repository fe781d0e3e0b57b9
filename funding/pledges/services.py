"""Pledges: promise, arrival (with matching), cancellation; the matching estimate."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.directory.models import Enterprise, ServiceCategory
from funding.extensions import db, sum_fen
from funding.grants.models import Grant
from funding.ledger.models import Account, AccountKind
from funding.ledger.services import (
    Leg,
    account,
    audit_money,
    balance,
    claim_key,
    money_transaction,
    post,
    remember_result,
    untagged_balance,
)
from funding.money import format_fen
from funding.notifications.services import notify, staff_users
from funding.pledges.models import PaymentMethod, Pledge, PledgeState, PledgeTarget
from funding.proposals.models import Program, Proposal, ProposalState
from funding.transactions import DomainError

#: Projects an enterprise may back directly: approved (on disclosure) or signed.
PLEDGEABLE_STATES = (ProposalState.APPROVED, ProposalState.AGREEMENT_SIGNED)


def pledgeable_projects() -> sa.Select:
    """Approved or signed projects whose grant is not reserved yet: once it is, money given
    to the project could no longer reach it."""
    return (
        sa.select(Proposal)
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .where(Proposal.state.in_(PLEDGEABLE_STATES), Grant.reserved_at.is_(None))
    )


@dataclass(frozen=True)
class PledgeData:
    target: PledgeTarget
    amount_fen: int
    due_date: date
    payment_method: PaymentMethod
    program_id: int | None = None
    category_code: str | None = None
    proposal_id: int | None = None
    tranche_no: int | None = None
    instalments: tuple[dict, ...] = field(default=())
    note: str = ""


def target_account(pledge: Pledge) -> Account:
    """Where a pledge's money goes when it arrives."""
    if pledge.target == PledgeTarget.PROGRAM:
        return account(AccountKind.PROGRAM_FUND, pledge.program_id)
    if pledge.target == PledgeTarget.CATEGORY:
        return account(AccountKind.CATEGORY_FUND, pledge.category_code)
    if pledge.target == PledgeTarget.PROJECT:
        return account(AccountKind.PROJECT_FUND, pledge.proposal_id)
    return account(AccountKind.GENERAL_FUND)


def matched_so_far(program: Program, proposal_id: int | None = None) -> int:
    """Matching money the program has already added (to one project, or to all)."""
    query = (
        sa.select(sum_fen(Pledge.matched_fen))
        .join(Proposal, Pledge.proposal_id == Proposal.id)
        .where(Proposal.program_id == program.id)
    )
    if proposal_id is not None:
        query = query.where(Pledge.proposal_id == proposal_id)
    return db.session.scalar(query)


def match_for(proposal: Proposal, amount_fen: int) -> int:
    """The matching gift for ``amount_fen`` given to ``proposal``: ratio, both caps, and what
    the program fund holds. The pledge page's estimate and the posting both call this."""
    program = proposal.program
    if program.match_ratio_pct <= 0:
        return 0
    wanted = amount_fen * program.match_ratio_pct // 100
    room_project = program.match_cap_project_fen - matched_so_far(program, proposal.id)
    room_program = program.match_cap_program_fen - matched_so_far(program)
    own_money = untagged_balance(account(AccountKind.PROGRAM_FUND, program.id))
    return max(0, min(wanted, room_project, room_program, own_money))


def _check_target(data: PledgeData) -> None:
    if data.target == PledgeTarget.PROGRAM:
        ok = data.program_id and db.session.get(Program, data.program_id)
    elif data.target == PledgeTarget.CATEGORY:
        ok = data.category_code and db.session.get(ServiceCategory, data.category_code)
    elif data.target == PledgeTarget.PROJECT:
        proposal = db.session.scalar(
            pledgeable_projects().where(Proposal.id == (data.proposal_id or 0))
        )
        ok = proposal is not None
        tranches = len(proposal.program.tranches) if ok else 0
        if ok and data.tranche_no is not None and not 1 <= data.tranche_no <= tranches:
            raise DomainError("milestone_invalid")
    else:
        ok = True
    if not ok:
        raise DomainError("pledge_target_invalid")
    if data.tranche_no is not None and data.target != PledgeTarget.PROJECT:
        raise DomainError("milestone_invalid")
    if data.instalments and sum(i["amount_fen"] for i in data.instalments) != data.amount_fen:
        raise DomainError("instalments_sum")


def can_pledge(user: User, enterprise: Enterprise) -> bool:
    return user.is_foundation or (
        user.role == Role.ENTERPRISE_MEMBER and user.party_id == enterprise.id
    )


@money_transaction
def create_pledge(actor: User, enterprise: Enterprise, data: PledgeData, key: str) -> Pledge:
    """An enterprise promises money; the ledger records what it owes (a receivable)."""
    done = claim_key(key, actor, "pledge.create")
    if done is not None:
        return db.session.get(Pledge, int(done.result))
    if not can_pledge(actor, enterprise):
        raise DomainError("forbidden")
    if not enterprise.is_verified:
        raise DomainError("party_not_verified")
    _check_target(data)
    pledge = Pledge(
        enterprise=enterprise,
        target=data.target,
        program_id=data.program_id,
        category_code=data.category_code,
        proposal_id=data.proposal_id,
        amount_fen=data.amount_fen,
        payment_method=data.payment_method,
        due_date=data.due_date,
        tranche_no=data.tranche_no,
        instalments=[dict(i) for i in data.instalments],
        note=data.note.strip(),
        created_by_id=actor.id,
    )
    db.session.add(pledge)
    db.session.flush()
    txn = post(
        "pledge",
        f"pledge:{pledge.id}",
        [
            Leg(account(AccountKind.OUTSIDE), -data.amount_fen, pledge.id),
            Leg(account(AccountKind.PLEDGES_RECEIVABLE, enterprise.id), data.amount_fen, pledge.id),
        ],
        actor=actor,
        memo=enterprise.name,
    )
    audit_money(
        actor, "pledge.create", pledge, txn, amount_fen=data.amount_fen, target=data.target.value
    )
    remember_result(key, str(pledge.id))
    notify(staff_users(), "pledge_made", f"/pledges/{pledge.id}", enterprise=enterprise.name)
    return pledge


@money_transaction
def confirm_pledge(
    actor: User, pledge: Pledge, receipt_no: str, received_on: date, key: str
) -> int:
    """Staff confirm the money arrived: it moves to its fund, and a project gift is matched.

    Returns the matching amount posted.
    """
    done = claim_key(key, actor, "pledge.confirm")
    if done is not None:
        return int(done.result)
    if not actor.is_foundation:
        raise DomainError("forbidden")
    moved = db.session.execute(
        sa.update(Pledge)
        .where(Pledge.id == pledge.id, Pledge.state == PledgeState.PLEDGED)
        .values(
            state=PledgeState.RECEIVED,
            receipt_no=receipt_no.strip(),
            received_on=received_on,
            confirmed_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise DomainError("pledge_not_pending")
    db.session.refresh(pledge)
    legs = [
        Leg(
            account(AccountKind.PLEDGES_RECEIVABLE, pledge.enterprise_id),
            -pledge.amount_fen,
            pledge.id,
        ),
        Leg(target_account(pledge), pledge.amount_fen, pledge.id),
    ]
    match = match_for(pledge.proposal, pledge.amount_fen) if pledge.proposal else 0
    if match:
        legs += [
            Leg(account(AccountKind.PROGRAM_FUND, pledge.proposal.program_id), -match),
            Leg(target_account(pledge), match),
        ]
        pledge.matched_fen = match
    txn = post(
        "pledge_received",
        f"pledge:{pledge.id}",
        legs,
        actor=actor,
        memo=f"{receipt_no} {pledge.enterprise.name}",
    )
    audit_money(actor, "pledge.confirm", pledge, txn, receipt_no=receipt_no, matched_fen=match)
    remember_result(key, str(match))
    notify(
        pledge.enterprise.members,
        "pledge_received",
        f"/pledges/{pledge.id}",
        amount=format_fen(pledge.amount_fen),
        match=format_fen(match),
    )
    return match


@money_transaction
def cancel_pledge(actor: User, pledge: Pledge, reason: str) -> None:
    """A promise that will not be kept is taken off the books."""
    if not can_pledge(actor, pledge.enterprise):
        raise DomainError("forbidden")
    moved = db.session.execute(
        sa.update(Pledge)
        .where(Pledge.id == pledge.id, Pledge.state == PledgeState.PLEDGED)
        .values(state=PledgeState.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise DomainError("pledge_not_pending")
    txn = post(
        "pledge_cancelled",
        f"pledge:{pledge.id}",
        [
            Leg(
                account(AccountKind.PLEDGES_RECEIVABLE, pledge.enterprise_id),
                -pledge.amount_fen,
                pledge.id,
            ),
            Leg(account(AccountKind.OUTSIDE), pledge.amount_fen, pledge.id),
        ],
        actor=actor,
        memo=reason[:200],
    )
    audit_money(actor, "pledge.cancel", pledge, txn, reason=reason.strip())
    db.session.refresh(pledge)


@money_transaction
def fund_program(actor: User, program: Program, amount_fen: int, memo: str, key: str) -> None:
    """The foundation puts its own money (e.g. the district's allocation) into a program."""
    if claim_key(key, actor, "program.fund") is not None:
        return
    if not actor.is_foundation:
        raise DomainError("forbidden")
    txn = post(
        "program_funded",
        f"program:{program.id}",
        [
            Leg(account(AccountKind.OUTSIDE), -amount_fen),
            Leg(account(AccountKind.PROGRAM_FUND, program.id), amount_fen),
        ],
        actor=actor,
        memo=memo,
    )
    audit_money(actor, "program.fund", program, txn, amount_fen=amount_fen)
    remember_result(key, str(amount_fen))


def overdue(today: date, enterprise_id: int | None = None) -> list[Pledge]:
    """Pledges not confirmed by their due date."""
    query = sa.select(Pledge).where(Pledge.state == PledgeState.PLEDGED, Pledge.due_date < today)
    if enterprise_id is not None:
        query = query.where(Pledge.enterprise_id == enterprise_id)
    return list(db.session.scalars(query.order_by(Pledge.due_date)))


def program_money(program: Program) -> int:
    """What the program fund holds now (the foundation's money plus program pledges)."""
    return balance(AccountKind.PROGRAM_FUND, program.id)
