"""Pledges: a preview with the matching gift, the promise, each instalment's receipt (adding its
share of the match), cancelling what is still due, and where project money goes when the project
cannot use it. The foundation's own money enters programs here too."""

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import record
from funding.dates import today
from funding.directory.models import Enterprise, ServiceCategory
from funding.extensions import db, sum_fen
from funding.figures import FUNDABLE, available_fen, promised_matches
from funding.grants.models import Grant, GrantState
from funding.ledger.models import Account, AccountKind, Entry
from funding.ledger.services import (
    Leg,
    account,
    audit_money,
    claim_key,
    lock_accounts,
    money_transaction,
    post,
    remember_result,
    slices,
    untagged_balance,
)
from funding.money import MAX_FEN, format_fen
from funding.notifications.services import notify, staff_users
from funding.pledges.models import (
    Instalment,
    InstalmentState,
    PaymentMethod,
    Pledge,
    PledgeState,
    PledgeTarget,
    UnusedMoney,
)
from funding.proposals.models import Program, Proposal
from funding.transactions import DomainError

MAX_INSTALMENTS = 12


def pledgeable_projects() -> sa.Select:
    """Approved or signed projects whose grant is not reserved yet: once it is, money given
    to the project could no longer reach it."""
    return (
        sa.select(Proposal)
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .where(Proposal.state.in_(FUNDABLE), Grant.reserved_at.is_(None))
    )


@dataclass(frozen=True)
class InstalmentData:
    due_date: date
    amount_fen: int


@dataclass(frozen=True)
class PledgeData:
    target: PledgeTarget
    amount_fen: int
    payment_method: PaymentMethod
    #: The payment schedule, in date order, summing to the amount.
    instalments: tuple[InstalmentData, ...]
    program_id: int | None = None
    category_code: str | None = None
    proposal_id: int | None = None
    tranche_no: int | None = None
    if_unused: UnusedMoney = UnusedMoney.PROGRAM
    note: str = ""


def single(amount_fen: int, due_date: date) -> tuple[InstalmentData, ...]:
    """A schedule of one payment."""
    return (InstalmentData(due_date, amount_fen),)


def split_schedule(
    schedule: tuple[InstalmentData, ...], first_fen: int
) -> tuple[tuple[InstalmentData, ...], tuple[InstalmentData, ...]]:
    """Split a schedule in two: the earliest instalments make up ``first_fen``, the rest the
    second part (an instalment on the boundary is split)."""
    first, rest, left = [], [], first_fen
    for item in schedule:
        take = min(left, item.amount_fen)
        if take:
            first.append(InstalmentData(item.due_date, take))
        if item.amount_fen - take:
            rest.append(InstalmentData(item.due_date, item.amount_fen - take))
        left -= take
    return tuple(first), tuple(rest)


def target_account(pledge: Pledge) -> Account:
    """Where a pledge's money goes when it arrives."""
    if pledge.target == PledgeTarget.PROGRAM:
        return account(AccountKind.PROGRAM_FUND, pledge.program_id)
    if pledge.target == PledgeTarget.CATEGORY:
        return account(AccountKind.CATEGORY_FUND, pledge.category_code)
    if pledge.target == PledgeTarget.PROJECT:
        return account(AccountKind.PROJECT_FUND, pledge.proposal_id)
    return account(AccountKind.GENERAL_FUND)


def _kept(pledge_filter) -> sa.Select:
    """What pledges bring (instalments not cancelled) plus the matches promised with them."""
    kept = (
        sa.select(sum_fen(Instalment.amount_fen))
        .join(Instalment.pledge)
        .where(pledge_filter, Instalment.state != InstalmentState.CANCELLED)
        .scalar_subquery()
    )
    promised = sa.select(sum_fen(Pledge.promised_match_fen)).where(pledge_filter).scalar_subquery()
    return sa.select(kept + promised)


def project_open_fen(proposal: Proposal, exclude: Pledge | None = None) -> int:
    """What pledges may still bring to a project: its approved amount less what pledges to it
    (and the matching promised with them) already bring."""
    if proposal.approved_amount_fen is None:
        return 0
    condition = Pledge.proposal_id == proposal.id
    if exclude is not None:
        condition = sa.and_(condition, Pledge.id != exclude.id)
    return max(0, proposal.approved_amount_fen - db.session.scalar(_kept(condition)))


def _promised(program: Program, proposal_id: int | None, exclude: Pledge | None) -> int:
    """Matching promised by the program (to one project, or to all), as caps count it."""
    query = (
        sa.select(sum_fen(Pledge.promised_match_fen))
        .join(Proposal, Pledge.proposal_id == Proposal.id)
        .where(Proposal.program_id == program.id)
    )
    if proposal_id is not None:
        query = query.where(Pledge.proposal_id == proposal_id)
    if exclude is not None:
        query = query.where(Pledge.id != exclude.id)
    return db.session.scalar(query)


def _match_limit(proposal: Proposal, exclude: Pledge | None) -> int:
    """The most matching a gift to ``proposal`` could earn whatever its size: the caps per
    project and in all (promises count), and only free money, the program's own that neither
    an approved project nor an earlier promise is owed."""
    program = proposal.program
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    own = untagged_balance(fund) - promised_matches(program.id).get(program.id, 0)
    return min(
        program.match_cap_project_fen - _promised(program, proposal.id, exclude),
        program.match_cap_program_fen - _promised(program, None, exclude),
        available_fen(program),
        own,
    )


def match_gift_for(proposal: Proposal, amount_fen: int, exclude: Pledge | None = None) -> int:
    """The matching gift (配捐) for ``amount_fen`` given to ``proposal``: the program's ratio,
    within ``_match_limit`` and what the project still needs after the gift. The preview and
    the promise both call this."""
    if proposal.program.match_ratio_pct <= 0 or amount_fen <= 0:
        return 0
    return max(
        0,
        min(
            amount_fen * proposal.program.match_ratio_pct // 100,
            _match_limit(proposal, exclude),
            project_open_fen(proposal, exclude) - amount_fen,
        ),
    )


def fitting_gift(proposal: Proposal) -> tuple[int, int]:
    """The smallest gift that, with its matching, brings the project all it still needs:
    ``(gift, matching)``."""
    need = project_open_fen(proposal)
    ratio = proposal.program.match_ratio_pct
    if need <= 0 or ratio <= 0:
        return need, 0
    limit = max(0, _match_limit(proposal, None))
    gift = max(need - limit, -(-need * 100 // (100 + ratio)))
    while gift > 0 and gift - 1 + match_gift_for(proposal, gift - 1) >= need:
        gift -= 1
    while gift < need and gift + match_gift_for(proposal, gift) < need:
        gift += 1
    return gift, match_gift_for(proposal, gift)


def _check(data: PledgeData, on: date) -> Proposal | None:
    """Every rule of a pledge the form also checks, again; returns the project, if any."""
    if not 0 < data.amount_fen <= MAX_FEN:
        raise DomainError("amount_not_positive")
    schedule = data.instalments
    if not 1 <= len(schedule) <= MAX_INSTALMENTS:
        raise DomainError("instalments_invalid")
    if any(i.amount_fen <= 0 for i in schedule) or sum(i.amount_fen for i in schedule) != (
        data.amount_fen
    ):
        raise DomainError("instalments_sum")
    dates = [i.due_date for i in schedule]
    if dates[0] < on or any(a >= b for a, b in pairwise(dates)):
        raise DomainError("instalment_dates")
    proposal = None
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
    if proposal is not None:
        room = project_open_fen(proposal)
        if data.amount_fen > room:
            raise DomainError("pledge_above_need", open=format_fen(room), open_fen=room)
    return proposal


def can_pledge(user: User, enterprise: Enterprise) -> bool:
    return user.is_foundation or (
        user.role == Role.ENTERPRISE_MEMBER and user.party_id == enterprise.id
    )


@dataclass(frozen=True)
class Preview:
    """What the donor sees before confirming: the matching gift and, for a project, how much
    it still needs."""

    match_fen: int
    open_fen: int | None


def preview_pledge(actor: User, enterprise: Enterprise, data: PledgeData) -> Preview:
    """Check a pledge without making it and work out its matching gift."""
    if not can_pledge(actor, enterprise):
        raise DomainError("forbidden")
    proposal = _check(data, today())
    if proposal is None:
        return Preview(0, None)
    return Preview(match_gift_for(proposal, data.amount_fen), project_open_fen(proposal))


def _lock_program_of(data_or_pledge) -> None:
    """Money promised to a project comes from its program's fund: lock that fund's row before
    reading what is free, so that concurrent promises, approvals and reservations queue."""
    proposal_id = data_or_pledge.proposal_id
    if proposal_id is None:
        return
    program_id = db.session.scalar(sa.select(Proposal.program_id).where(Proposal.id == proposal_id))
    if program_id is not None:
        lock_accounts([account(AccountKind.PROGRAM_FUND, program_id)])


@money_transaction
def create_pledges(
    actor: User, enterprise: Enterprise, items: list[tuple[PledgeData, int]], key: str
) -> list[Pledge]:
    """An enterprise promises money, as previewed: each item is the pledge and the matching
    gift it was shown. Refused if the match changed since. The ledger records what it owes."""
    done = claim_key(key, actor, "pledge.create")
    if done is not None:
        return [db.session.get(Pledge, int(i)) for i in done.result.split(",")]
    if not can_pledge(actor, enterprise):
        raise DomainError("forbidden")
    if not enterprise.is_verified:
        raise DomainError("party_not_verified")
    made = []
    for data, shown_match in items:
        _lock_program_of(data)
        proposal = _check(data, today())
        match = match_gift_for(proposal, data.amount_fen) if proposal else 0
        if match != shown_match:
            raise DomainError("match_changed", shown=format_fen(shown_match), now=format_fen(match))
        made.append(_promise(actor, enterprise, data, match))
    remember_result(key, ",".join(str(p.id) for p in made))
    notify(
        staff_users(),
        "pledge_made",
        f"/pledges/{made[0].id}",
        enterprise=enterprise.name,
        amount=format_fen(sum(p.amount_fen for p in made)),
    )
    return made


def create_pledge(
    actor: User, enterprise: Enterprise, data: PledgeData, key: str, shown_match_fen: int = 0
) -> Pledge:
    """One pledge, as previewed with ``shown_match_fen``."""
    return create_pledges(actor, enterprise, [(data, shown_match_fen)], key)[0]


def _promise(actor: User, enterprise: Enterprise, data: PledgeData, match: int) -> Pledge:
    pledge = Pledge(
        enterprise=enterprise,
        target=data.target,
        program_id=data.program_id if data.target == PledgeTarget.PROGRAM else None,
        category_code=data.category_code if data.target == PledgeTarget.CATEGORY else None,
        proposal_id=data.proposal_id if data.target == PledgeTarget.PROJECT else None,
        amount_fen=data.amount_fen,
        payment_method=data.payment_method,
        tranche_no=data.tranche_no,
        if_unused=data.if_unused,
        note=data.note.strip(),
        promised_match_fen=match,
        created_by_id=actor.id,
        instalments=[
            Instalment(number=n, due_date=i.due_date, amount_fen=i.amount_fen)
            for n, i in enumerate(data.instalments, start=1)
        ],
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
        actor,
        "pledge.create",
        pledge,
        txn,
        amount_fen=data.amount_fen,
        target=data.target.value,
        promised_match_fen=match,
        instalments=[[i.due_date.isoformat(), i.amount_fen] for i in data.instalments],
    )
    return pledge


def _match_share(instalment: Instalment) -> int:
    """This instalment's part of the promised match: in proportion to its amount, the last
    open instalment taking what is left of the promise."""
    pledge = instalment.pledge
    left = pledge.promised_match_fen - pledge.matched_fen
    still_due = [i for i in pledge.open_instalments if i.id != instalment.id]
    if not still_due:
        return left
    return min(left, pledge.promised_match_fen * instalment.amount_fen // pledge.kept_fen)


@money_transaction
def confirm_instalment(
    actor: User, instalment: Instalment, receipt_no: str, received_on: date, key: str
) -> int:
    """Staff record that an instalment arrived: it moves to its fund and, for a project gift,
    the program adds its share of the promised match. Returns the match added.

    Money for a project that can no longer use it (its grant is reserved, ended or never
    came) goes on at once where the donor's agreement says.
    """
    done = claim_key(key, actor, "pledge.confirm")
    if done is not None:
        return int(done.result)
    if not actor.is_foundation:
        raise DomainError("forbidden")
    receipt_no = receipt_no.strip()
    if not receipt_no or len(receipt_no) > 64:
        raise DomainError("receipt_required")
    pledge = instalment.pledge
    if received_on > today() or received_on < pledge.created_at.date():
        raise DomainError("receipt_date")
    _lock_program_of(pledge)
    moved = db.session.execute(
        sa.update(Instalment)
        .where(Instalment.id == instalment.id, Instalment.state == InstalmentState.DUE)
        .values(
            state=InstalmentState.RECEIVED,
            receipt_no=receipt_no,
            received_on=received_on,
            confirmed_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise DomainError("pledge_not_pending")
    db.session.refresh(instalment)
    amount = instalment.amount_fen
    txn = post(
        "pledge_received",
        f"pledge:{pledge.id}",
        [
            Leg(account(AccountKind.PLEDGES_RECEIVABLE, pledge.enterprise_id), -amount, pledge.id),
            Leg(target_account(pledge), amount, pledge.id),
        ],
        actor=actor,
        memo=f"{receipt_no} {pledge.enterprise.name}",
    )
    match = 0
    usable = pledge.proposal is not None and db.session.scalar(
        pledgeable_projects().where(Proposal.id == pledge.proposal_id)
    )
    if usable:
        program_fund = account(AccountKind.PROGRAM_FUND, pledge.proposal.program_id)
        match = min(_match_share(instalment), untagged_balance(program_fund))
        if match > 0:
            post(
                "match_gift",
                f"pledge:{pledge.id}",
                [Leg(program_fund, -match), Leg(target_account(pledge), match)],
                actor=actor,
                memo=pledge.enterprise.name,
            )
            instalment.matched_fen = match
    audit_money(
        actor,
        "pledge.instalment_received",
        pledge,
        txn,
        instalment=instalment.number,
        amount_fen=amount,
        receipt_no=receipt_no,
        matched_fen=match,
    )
    remember_result(key, str(match))
    if pledge.proposal is not None and not usable:
        return_project_money(actor, pledge.proposal, _why_unusable(pledge.proposal))
    refresh_state(pledge)
    notify(
        pledge.enterprise.members,
        "pledge_received",
        f"/pledges/{pledge.id}",
        amount=format_fen(amount),
        match=format_fen(match),
    )
    return match


@money_transaction
def cancel_pledge(actor: User, pledge: Pledge, reason: str) -> int:
    """Take what is still due off the books (the whole promise if nothing arrived yet); the
    matching promised for it lapses. Returns the amount cancelled."""
    if not can_pledge(actor, pledge.enterprise):
        raise DomainError("forbidden")
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required")
    _lock_program_of(pledge)
    due = [i.id for i in pledge.open_instalments]
    moved = db.session.execute(
        sa.update(Instalment)
        .where(Instalment.id.in_(due), Instalment.state == InstalmentState.DUE)
        .values(state=InstalmentState.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not due or moved != len(due):
        raise DomainError("pledge_not_pending")
    db.session.expire(pledge, ["instalments"])
    amount = sum(i.amount_fen for i in pledge.instalments if i.id in due)
    txn = post(
        "pledge_cancelled",
        f"pledge:{pledge.id}",
        [
            Leg(account(AccountKind.PLEDGES_RECEIVABLE, pledge.enterprise_id), -amount, pledge.id),
            Leg(account(AccountKind.OUTSIDE), amount, pledge.id),
        ],
        actor=actor,
        memo=reason[:200],
    )
    pledge.promised_match_fen = pledge.matched_fen
    audit_money(actor, "pledge.cancel", pledge, txn, reason=reason, amount_fen=amount)
    refresh_state(pledge)
    return amount


def _why_unusable(proposal: Proposal) -> str:
    """Why a project can no longer use money given to it (the donor is told)."""
    grant = db.session.scalar(sa.select(Grant).where(Grant.proposal_id == proposal.id))
    if grant is None:
        return "not_funded"
    if grant.state == GrantState.TERMINATED:
        return "terminated"
    return "completed" if grant.state == GrantState.COMPLETED else "already_funded"


@money_transaction
def return_project_money(actor: User, proposal: Proposal, why: str) -> int:
    """Empty the fund of a project that can no longer use its money: each gift goes to the
    project's program or, where its agreement says so, back to the donor; matching money goes
    back to the program. Matching still promised for the project lapses. Returns the amount.
    """
    project = account(AccountKind.PROJECT_FUND, proposal.id)
    program = account(AccountKind.PROGRAM_FUND, proposal.program_id)
    outside = account(AccountKind.OUTSIDE)
    lock_accounts([project, program])
    held = {pledge: fen for (_acc, pledge), fen in slices([project]).items()}
    pledges = {
        p.id: p
        for p in db.session.scalars(sa.select(Pledge).where(Pledge.proposal_id == proposal.id))
    }
    for pledge in pledges.values():
        pledge.promised_match_fen = pledge.matched_fen
    moved = 0
    for pledge_id, amount in sorted(held.items(), key=lambda kv: kv[0] or 0):
        if amount <= 0:
            continue
        pledge = pledges.get(pledge_id)
        refund = pledge is not None and pledge.if_unused == UnusedMoney.REFUND
        post(
            "pledge_refunded" if refund else "project_money_released",
            f"proposal:{proposal.id}",
            [
                Leg(project, -amount, pledge_id),
                Leg(outside if refund else program, amount, pledge_id),
            ],
            actor=actor,
            memo=why,
        )
        moved += amount
        if pledge is not None:
            refresh_state(pledge)
            notify(
                pledge.enterprise.members,
                "pledge_money_refunded" if refund else "pledge_money_to_program",
                f"/pledges/{pledge.id}",
                amount=format_fen(amount),
                title=proposal.title,
                program=proposal.program.name,
                why=why,
            )
    if moved:
        record(actor, "project.money_returned", proposal, after={"amount_fen": moved, "why": why})
    return moved


def refresh_state(pledge: Pledge) -> None:
    """Set the pledge's state from its instalments and where its money is in the ledger."""
    db.session.flush()
    states = {i.state for i in pledge.instalments}
    if states == {InstalmentState.CANCELLED}:
        pledge.state = PledgeState.CANCELLED
        return
    if InstalmentState.DUE in states:
        received = InstalmentState.RECEIVED in states
        pledge.state = PledgeState.PARTLY_RECEIVED if received else PledgeState.PLEDGED
        return
    where: dict[AccountKind, int] = dict(
        db.session.execute(
            sa.select(Account.kind, sum_fen(Entry.amount_fen))
            .join(Entry.account)
            .where(Entry.pledge_id == pledge.id)
            .group_by(Account.kind)
        ).all()
    )
    funds = sum(
        where.get(k, 0)
        for k in (
            AccountKind.GENERAL_FUND,
            AccountKind.PROGRAM_FUND,
            AccountKind.CATEGORY_FUND,
            AccountKind.PROJECT_FUND,
        )
    )
    reserved = where.get(AccountKind.GRANT_RESERVED, 0) + where.get(AccountKind.GRANT_HELD, 0)
    if reserved > 0:
        pledge.state = PledgeState.ALLOCATED
    elif funds > 0:
        pledge.state = PledgeState.RECEIVED
    elif where.get(AccountKind.PAYEE, 0) > 0:
        pledge.state = PledgeState.PAID_OUT
    else:
        pledge.state = PledgeState.REFUNDED


@money_transaction
def fund_program(actor: User, program: Program, amount_fen: int, memo: str, key: str) -> None:
    """The foundation puts its own money (e.g. the district's allocation) into a program."""
    if claim_key(key, actor, "program.fund") is not None:
        return
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if not 0 < amount_fen <= MAX_FEN:
        raise DomainError("amount_not_positive")
    memo = memo.strip()
    if not memo:
        raise DomainError("memo_required")
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


def overdue_instalments(on: date, enterprise_id: int | None = None) -> sa.Select:
    """Instalments not received by their due date, oldest first."""
    query = (
        sa.select(Instalment)
        .join(Instalment.pledge)
        .where(Instalment.state == InstalmentState.DUE, Instalment.due_date < on)
        .order_by(Instalment.due_date, Instalment.id)
    )
    if enterprise_id is not None:
        query = query.where(Pledge.enterprise_id == enterprise_id)
    return query
