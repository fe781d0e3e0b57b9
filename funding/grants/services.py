"""Grant money: reserving from sources, tranche requests, sign-offs, payment, termination."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from funding.accounts.models import Role, User
from funding.audit.services import record
from funding.extensions import db, sum_fen, utcnow
from funding.grants.models import (
    CommunityRating,
    FoundationRating,
    Grant,
    GrantSource,
    GrantState,
    Tranche,
    TrancheState,
)
from funding.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from funding.ledger.services import (
    Leg,
    account,
    audit_money,
    claim_key,
    money_transaction,
    pledge_balance,
    post,
    remember_result,
    untagged_balance,
)
from funding.money import format_fen
from funding.notifications.services import notify, staff_users
from funding.pledges.models import Pledge, PledgeState, PledgeTarget
from funding.proposals.models import Proposal
from funding.proposals.workflow import is_applicant
from funding.transactions import DomainError, transactional

LIVE_STATES = (GrantState.ACTIVE, GrantState.MIDTERM_PASSED)


def schedule(amount_fen: int, percents: list[int]) -> list[Tranche]:
    """Split a grant by the program's percentages; the last tranche takes the remainder."""
    tranches, paid = [], 0
    for number, pct in enumerate(percents, start=1):
        amount = amount_fen - paid if number == len(percents) else amount_fen * pct // 100
        paid += amount
        tranches.append(Tranche(number=number, amount_fen=amount))
    return tranches


@dataclass(frozen=True)
class SourceOption:
    """Money a grant could be reserved from, in the order the foundation uses it."""

    account: Account
    pledge: Pledge | None
    available_fen: int
    proposed_fen: int

    @property
    def key(self) -> str:
        return f"{self.account.id}:{self.pledge.id if self.pledge else ''}"


def _pledges_in(acc: Account, target: PledgeTarget, ref_filter) -> list[tuple[Pledge, int]]:
    pledges = db.session.scalars(
        sa.select(Pledge)
        .where(
            Pledge.target == target,
            ref_filter,
            Pledge.state.in_([PledgeState.RECEIVED, PledgeState.ALLOCATED]),
        )
        .order_by(Pledge.id)
    )
    return [(p, pledge_balance(acc, p.id)) for p in pledges]


def source_options(grant: Grant) -> list[SourceOption]:
    """Project pledges, then program, category and pool pledges, then matching money, then
    the program's own fund; each proposed up to what it holds until the grant is covered."""
    proposal = grant.proposal
    project = account(AccountKind.PROJECT_FUND, proposal.id)
    program = account(AccountKind.PROGRAM_FUND, proposal.program_id)
    category = account(AccountKind.CATEGORY_FUND, proposal.category_code)
    pool = account(AccountKind.GENERAL_FUND)
    candidates: list[tuple[Account, Pledge | None, int]] = []
    for acc, target, ref in (
        (project, PledgeTarget.PROJECT, Pledge.proposal_id == proposal.id),
        (program, PledgeTarget.PROGRAM, Pledge.program_id == proposal.program_id),
        (category, PledgeTarget.CATEGORY, Pledge.category_code == proposal.category_code),
        (pool, PledgeTarget.POOL, sa.true()),
    ):
        candidates += [(acc, p, held) for p, held in _pledges_in(acc, target, ref)]
    candidates += [
        (project, None, untagged_balance(project)),
        (program, None, untagged_balance(program)),
    ]
    left = grant.amount_fen
    options = []
    for acc, pledge, available in candidates:
        if available <= 0:
            continue
        take = min(available, left)
        left -= take
        options.append(SourceOption(acc, pledge, available, take))
    return options


@money_transaction
def reserve_grant(actor: User, grant: Grant, amounts: dict[str, int], key: str) -> None:
    """Reserve the grant's amount from the chosen sources (``SourceOption.key`` -> fen).

    Milestone-tied pledge money goes to a held account until its tranche is approved.
    """
    if claim_key(key, actor, "grant.reserve") is not None:
        return
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if grant.state not in LIVE_STATES:
        raise DomainError("grant_not_active")
    claimed = db.session.execute(
        sa.update(Grant)
        .where(Grant.id == grant.id, Grant.reserved_at.is_(None))
        .values(reserved_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another request reserved it first
        raise DomainError("grant_already_reserved")
    _lock_source_accounts(grant)
    options = {o.key: o for o in source_options(grant)}
    chosen = {k: v for k, v in amounts.items() if v}
    if any(v < 0 or not _known_source(k) for k, v in chosen.items()):
        raise DomainError("source_unknown")
    if any(k not in options or v > options[k].available_fen for k, v in chosen.items()):
        raise DomainError("insufficient_funds")  # it holds less now than it was offered with
    if sum(chosen.values()) != grant.amount_fen:
        raise DomainError("sources_sum")
    legs = []
    for k, amount in chosen.items():
        option = options[k]
        pledge_id = option.pledge.id if option.pledge else None
        tranche_no = option.pledge.tranche_no if option.pledge else None
        target = (
            account(AccountKind.GRANT_HELD, f"{grant.id}:{tranche_no}")
            if tranche_no
            else account(AccountKind.GRANT_RESERVED, grant.id)
        )
        legs += [Leg(option.account, -amount, pledge_id), Leg(target, amount, pledge_id)]
        db.session.add(
            GrantSource(
                grant=grant,
                account_id=option.account.id,
                pledge_id=pledge_id,
                amount_fen=amount,
                tranche_no=tranche_no,
            )
        )
        if option.pledge is not None:
            option.pledge.state = PledgeState.ALLOCATED
    db.session.refresh(grant, ["reserved_at"])
    txn = post("grant_reserved", f"grant:{grant.id}", legs, actor=actor, memo=grant.proposal.title)
    audit_money(actor, "grant.reserve", grant, txn, sources=len(chosen))
    remember_result(key, "ok")
    notify(
        grant.proposal.organization.members,
        "grant_reserved",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
    )


def _known_source(key: str) -> bool:
    """Whether ``key`` names an existing account (and pledge), even if it is empty now."""
    account_id, _, pledge_id = key.partition(":")
    if not account_id.isdigit() or db.session.get(Account, int(account_id)) is None:
        return False
    return not pledge_id or (pledge_id.isdigit() and db.session.get(Pledge, int(pledge_id)))


def _lock_source_accounts(grant: Grant) -> None:
    """Lock the accounts a reservation reads before reading what each pledge holds in them
    (PostgreSQL; SQLite's write lock is already held), in id order to avoid deadlocks."""
    proposal = grant.proposal
    refs = [
        (AccountKind.PROJECT_FUND, proposal.id),
        (AccountKind.PROGRAM_FUND, proposal.program_id),
        (AccountKind.CATEGORY_FUND, proposal.category_code),
        (AccountKind.GENERAL_FUND, ""),
    ]
    ids = sorted(account(kind, ref).id for kind, ref in refs)
    db.session.execute(
        sa.select(Account.id).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    ).all()


@transactional
def request_tranche(actor: User, tranche: Tranche, report: dict) -> None:
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
    last = tranche.number == len(grant.tranches) and tranche.number > 1
    if last and not (report.get("final") and _community_rated(grant)):
        raise DomainError("final_report_required")
    tranche.state = TrancheState.REQUESTED
    tranche.report = report
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
    audit_money(
        actor, "tranche.pay", tranche, txn, amount_fen=tranche.amount_fen, number=tranche.number
    )
    if tranche.number == len(grant.tranches):
        grant.state = GrantState.COMPLETED
    remember_result(key, "paid")
    notify(
        grant.proposal.organization.members,
        "tranche_paid",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
        number=tranche.number,
        amount=format_fen(tranche.amount_fen),
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


def _pay(actor: User, tranche: Tranche):
    """Release milestone money for this tranche, then pay it from the grant's reserve."""
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
    if sum(s.unpaid_fen for s in eligible) < tranche.amount_fen:
        raise DomainError("insufficient_funds")
    payee = account(AccountKind.PAYEE, grant.proposal.organization_id)
    shares = _split(tranche.amount_fen, [s.unpaid_fen for s in eligible])
    for source, share in zip(eligible, shares, strict=True):
        share = min(share, source.unpaid_fen)
        if share:
            source.paid_fen += share
            legs += [Leg(reserved, -share, source.pledge_id), Leg(payee, share, source.pledge_id)]
    for source in eligible:
        if source.pledge is not None and _pledge_fully_paid(source.pledge):
            source.pledge.state = PledgeState.PAID_OUT
    return post(
        "tranche_paid",
        f"tranche:{tranche.id}",
        legs,
        actor=actor,
        memo=f"{grant.proposal.title} #{tranche.number}",
    )


def _still_allocated(pledge: Pledge) -> bool:
    """Whether part of the pledge is still reserved for a live grant."""
    return any(
        s.unpaid_fen and s.grant.state in LIVE_STATES
        for s in db.session.scalars(
            sa.select(GrantSource).where(GrantSource.pledge_id == pledge.id)
        )
    )


def _pledge_fully_paid(pledge: Pledge) -> bool:
    sources = db.session.scalars(sa.select(GrantSource).where(GrantSource.pledge_id == pledge.id))
    paid = sum(s.paid_fen for s in sources)
    return paid >= pledge.amount_fen


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


@money_transaction
def terminate_grant(actor: User, grant: Grant, breach: bool, note: str, key: str) -> None:
    """End a grant early; every unpaid fen goes back to the source it came from."""
    if claim_key(key, actor, "grant.terminate") is not None:
        return
    if not actor.is_foundation:
        raise DomainError("forbidden")
    ended = db.session.execute(
        sa.update(Grant)
        .where(Grant.id == grant.id, Grant.state.in_(LIVE_STATES))
        .values(state=GrantState.TERMINATED, terminated_at=utcnow(), breach=breach)
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended != 1:  # already ended, perhaps by a concurrent request
        raise DomainError("grant_not_active")
    db.session.refresh(grant)
    legs = []
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
    for source in grant.sources:
        pledge = source.pledge
        if pledge and pledge.state == PledgeState.ALLOCATED and not _still_allocated(pledge):
            pledge.state = PledgeState.RECEIVED
    for tranche in grant.tranches:
        if tranche.state in (TrancheState.REQUESTED, TrancheState.SIGNED):
            tranche.state = TrancheState.RETURNED
    if legs:
        txn = post("grant_terminated", f"grant:{grant.id}", legs, actor=actor, memo=note)
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


@transactional
def rate_project(actor: User, grant: Grant, score: int, comment: str) -> CommunityRating:
    """A worker of a served community rates the project it received (双向评价)."""
    served = {c.id for c in grant.proposal.communities}
    if actor.role != Role.COMMUNITY_WORKER or actor.community_id not in served:
        raise DomainError("rating_not_allowed")
    if grant.state not in (*LIVE_STATES, GrantState.COMPLETED) or not 1 <= score <= 5:
        raise DomainError("rating_not_allowed")
    if (
        db.session.scalar(
            sa.select(CommunityRating.id).filter_by(
                grant_id=grant.id, community_id=actor.community_id
            )
        )
        is not None
    ):
        raise DomainError("already_rated")
    rating = CommunityRating(
        grant_id=grant.id,
        community_id=actor.community_id,
        user_id=actor.id,
        score=score,
        comment=comment.strip(),
    )
    db.session.add(rating)
    db.session.flush()
    record(actor, "rating.project", rating, after={"grant": grant.id, "score": score})
    return rating


@transactional
def rate_foundation(actor: User, grant: Grant, score: int, comment: str) -> FoundationRating:
    """The organization rates the foundation's process once its grant has ended."""
    if not is_applicant(actor, grant.proposal) or grant.state not in (
        GrantState.COMPLETED,
        GrantState.TERMINATED,
    ):
        raise DomainError("rating_not_allowed")
    if not 1 <= score <= 5:
        raise DomainError("rating_not_allowed")
    if db.session.scalar(sa.select(FoundationRating.id).filter_by(grant_id=grant.id)):
        raise DomainError("already_rated")
    rating = FoundationRating(
        grant_id=grant.id, user_id=actor.id, score=score, comment=comment.strip()
    )
    db.session.add(rating)
    db.session.flush()
    record(actor, "rating.foundation", rating, after={"grant": grant.id, "score": score})
    return rating


@dataclass(frozen=True)
class FunderShare:
    enterprise_id: int | None  # None: the foundation's own money and matching
    reserved_fen: int
    paid_fen: int
    returned_fen: int


def funder_shares(grant: Grant) -> list[FunderShare]:
    """Each funder's slice of a grant (a co-funding syndicate), from the grant's sources."""
    totals: dict[int | None, list[int]] = {}
    for s in grant.sources:
        key = s.pledge.enterprise_id if s.pledge else None
        row = totals.setdefault(key, [0, 0, 0])
        row[0] += s.amount_fen
        row[1] += s.paid_fen
        row[2] += s.returned_fen
    return [FunderShare(k, *v) for k, v in totals.items()]


def paid_fen(grant: Grant) -> int:
    """What the organization has received for this grant, summed from the ledger."""
    causes = [f"tranche:{t.id}" for t in grant.tranches]
    if not causes:
        return 0
    return db.session.scalar(
        sa.select(sum_fen(Entry.amount_fen))
        .join(Entry.account)
        .join(Entry.transaction)
        .where(Account.kind == AccountKind.PAYEE, LedgerTransaction.cause.in_(causes))
    )


def track_records() -> tuple[dict[int, int], dict[int, float], dict[int, int]]:
    """Per organization: running grants, mean community rating, completed grants (the
    track record shown on profiles and given to matching)."""
    running: dict[int, int] = defaultdict(int)
    completed: dict[int, int] = defaultdict(int)
    for org_id, state, count in db.session.execute(
        sa.select(Proposal.organization_id, Grant.state, sa.func.count())
        .join(Grant, Grant.proposal_id == Proposal.id)
        .group_by(Proposal.organization_id, Grant.state)
    ):
        if state in LIVE_STATES:
            running[org_id] += count
        elif state == GrantState.COMPLETED:
            completed[org_id] += count
    ratings = dict(
        db.session.execute(
            sa.select(Proposal.organization_id, sa.func.avg(CommunityRating.score))
            .join(Grant, Grant.proposal_id == Proposal.id)
            .join(CommunityRating, CommunityRating.grant_id == Grant.id)
            .group_by(Proposal.organization_id)
        ).all()
    )
    return running, {k: float(v) for k, v in ratings.items() if v is not None}, completed
