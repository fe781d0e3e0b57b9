"""Reserving a grant's money from its sources: the project's own money first, then pledges to
its program, category and the pool, then the program's own free money."""

from dataclasses import dataclass

import sqlalchemy as sa

from funding.accounts.models import User
from funding.extensions import db, utcnow
from funding.figures import promised_matches
from funding.grants.models import Grant, GrantSource, GrantState
from funding.ledger.models import Account, AccountKind
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
)
from funding.notifications.services import notify
from funding.pledges.models import Instalment, InstalmentState, Pledge
from funding.pledges.services import refresh_state, return_project_money
from funding.proposals.needs import follow_projects
from funding.transactions import DomainError

LIVE_STATES = (GrantState.ACTIVE, GrantState.MIDTERM_PASSED)


@dataclass(frozen=True)
class SourceOption:
    """Money a grant could be reserved from, in the order the foundation uses it."""

    account: Account
    pledge: Pledge | None
    available_fen: int
    proposed_fen: int
    #: The project's own money (gifts to it and their matching): always used first, in full.
    required: bool

    @property
    def key(self) -> str:
        return f"{self.account.id}:{self.pledge.id if self.pledge else ''}"


def _accounts(grant: Grant) -> list[Account]:
    """The project, program, category and pool funds, in the order they are used."""
    proposal = grant.proposal
    return [
        account(AccountKind.PROJECT_FUND, proposal.id),
        account(AccountKind.PROGRAM_FUND, proposal.program_id),
        account(AccountKind.CATEGORY_FUND, proposal.category_code),
        account(AccountKind.GENERAL_FUND),
    ]


def source_options(grant: Grant) -> list[SourceOption]:
    """Every source with money, in order, each proposed up to what it holds until the grant
    is covered: the project's gifts with their matching, then pledges to the program, the
    category and the pool, then the program's own money that no promised match needs."""
    project, program, category, pool = _accounts(grant)
    held = slices([project, program, category, pool])
    pledges = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Pledge).where(Pledge.id.in_([p for _a, p in held if p is not None]))
        )
    }
    own = held.get((program.id, None), 0) - promised_matches(grant.proposal.program_id).get(
        grant.proposal.program_id, 0
    )
    candidates: list[tuple[Account, Pledge | None, int]] = []
    for acc in (project, program, category, pool):
        candidates += [
            (acc, pledges[p], amount)
            for (a, p), amount in sorted(held.items(), key=lambda kv: kv[0][1] or 0)
            if a == acc.id and p is not None
        ]
        if acc is project:
            candidates.append((project, None, held.get((project.id, None), 0)))
    candidates += [(acc, None, held.get((acc.id, None), 0)) for acc in (category, pool)]
    candidates.append((program, None, own))
    left = grant.amount_fen
    options = []
    for acc, pledge, available in candidates:
        if available <= 0:
            continue
        take = min(available, left)
        left -= take
        options.append(SourceOption(acc, pledge, available, take, acc is project))
    return options


def pledges_still_due(grant: Grant) -> int:
    """Instalments promised to the project and not arrived: reserving now means they will
    go where their agreements say (its program, or back to the donor) when they arrive."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Instalment.amount_fen), 0))
        .join(Instalment.pledge)
        .where(Pledge.proposal_id == grant.proposal_id, Instalment.state == InstalmentState.DUE)
    )


@money_transaction
def reserve_grant(actor: User, grant: Grant, amounts: dict[str, int], key: str) -> None:
    """Reserve the grant's amount from the chosen sources (``SourceOption.key`` -> fen).

    The project's own money is always taken first and in full; milestone-tied pledge money
    goes to a held account until its tranche is approved.
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
    lock_accounts(_accounts(grant))
    options = {o.key: o for o in source_options(grant)}
    chosen = {k: v for k, v in amounts.items() if v}
    if any(v < 0 or not _known_source(k) for k, v in chosen.items()):
        raise DomainError("source_unknown")
    if any(k not in options or v > options[k].available_fen for k, v in chosen.items()):
        raise DomainError("insufficient_funds")  # it holds less now than it was offered with
    if any(o.required and chosen.get(k, 0) != o.proposed_fen for k, o in options.items()):
        raise DomainError("project_money_first")
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
    db.session.refresh(grant, ["reserved_at"])
    follow_projects(grant.proposal.needs)
    txn = post("grant_reserved", f"grant:{grant.id}", legs, actor=actor, memo=grant.proposal.title)
    for option in options.values():
        if option.pledge is not None and option.key in chosen:
            refresh_state(option.pledge)
    return_project_money(actor, grant.proposal, "already_funded")
    audit_money(actor, "grant.reserve", grant, txn, sources=len(chosen))
    remember_result(key, "ok")
    notify(
        grant.proposal.organization.members,
        "grant_reserved",
        f"/grants/{grant.id}",
        title=grant.proposal.title,
    )


def _id(text: str) -> int | None:
    """A row id written in a form key, or None if it cannot be one."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _known_source(key: str) -> bool:
    """Whether ``key`` names an existing account (and pledge), even if it is empty now."""
    account_id, _, pledge_id = key.partition(":")
    found = _id(account_id)
    if found is None or db.session.get(Account, found) is None:
        return False
    return not pledge_id or (
        _id(pledge_id) is not None and db.session.get(Pledge, _id(pledge_id)) is not None
    )
