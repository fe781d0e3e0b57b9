"""Every money figure the platform shows, each defined once here and summed from the ledger.

A program's money lives in its program fund, its projects' funds and its grants' accounts.
Per program (资助计划):

- ``raised``: arrived from outside for the program or one of its projects (the foundation's
  funding and enterprise gifts received);
- ``from_shared``: general-pool and category money reserved for its grants, less what went back;
- ``refunded``: project money returned to donors because the project could not use it;
- ``paid``: paid to organizations for its grants;
- ``reserved``: reserved (or held for a milestone) for its grants and not yet paid;
- ``for_projects``: in its projects' funds, gifts and matching waiting for a grant;
- ``committed``: in the program fund and promised: approved projects' remaining need and
  matching gifts promised to donors but not yet added;
- ``available``: in the program fund and free, what a new approval or matching gift may use.

Identity: raised + from_shared − refunded = paid + reserved + for_projects + committed +
available. The left side is summed from the ledger's flows (its entries summed per account,
movement and pledge as they are posted), the right side from account balances, so
``identity_problems`` (run by ``flask ledger check``, which also holds the flows and the
balances to the entries) can catch either going wrong.

Per grant: amount = paid + reserved + returned + not yet reserved. Per enterprise (and per
pledge): pledged = received + due, and received = paid + reserved + waiting + refunded.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from funding.directory.models import Community, Organization
from funding.extensions import db, sum_fen
from funding.grants.models import Grant
from funding.ledger.models import Account, AccountKind, Flow
from funding.pledges.models import Instalment, InstalmentState, Pledge
from funding.proposals.models import Program, Proposal, ProposalState, proposal_communities

#: Ledger movements by what they mean for a program's money (the sum of a movement's entries
#: on the program's accounts). Internal ones move money inside one program and sum to zero.
RAISED_KINDS = ("program_funded", "pledge_received")
SHARED_KINDS = ("grant_reserved", "grant_terminated", "grant_closed")
REFUND_KINDS = ("pledge_refunded",)
PAID_KINDS = ("tranche_paid",)
INTERNAL_KINDS = ("match_gift", "project_money_released")
RETURN_KINDS = ("grant_terminated", "grant_closed")
#: Projects whose own fund may hold money: approved, or signed and not yet reserved.
FUNDABLE = (ProposalState.APPROVED, ProposalState.AGREEMENT_SIGNED)
PROGRAM_SIDE = (
    AccountKind.PROGRAM_FUND,
    AccountKind.PROJECT_FUND,
    AccountKind.GRANT_RESERVED,
    AccountKind.GRANT_HELD,
)
GRANT_SIDE = (AccountKind.GRANT_RESERVED, AccountKind.GRANT_HELD)
FUND_SIDE = (
    AccountKind.GENERAL_FUND,
    AccountKind.PROGRAM_FUND,
    AccountKind.CATEGORY_FUND,
    AccountKind.PROJECT_FUND,
)
ZONE = ZoneInfo("Asia/Shanghai")


# --- what a program has promised ---------------------------------------------------------


def _needs(program_id: int | None = None) -> sa.Select:
    """(program, proposal, approved amount, what its project fund holds) for every approved or
    signed project whose grant is not reserved: the program still owes it the difference."""
    fund = aliased(Account)
    query = (
        sa.select(
            Proposal.program_id,
            Proposal.id,
            Proposal.approved_amount_fen,
            sa.func.coalesce(fund.balance_fen, 0),
        )
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .outerjoin(
            fund,
            sa.and_(
                fund.kind == AccountKind.PROJECT_FUND,
                fund.ref == sa.cast(Proposal.id, sa.String),
            ),
        )
        .where(Proposal.state.in_(FUNDABLE), Grant.reserved_at.is_(None))
    )
    return query if program_id is None else query.where(Proposal.program_id == program_id)


def _promised(by: sa.ColumnElement, program_id: int | None = None) -> dict[int, int]:
    """Matching gifts promised to donors and not yet added, grouped by ``by``."""
    added = (
        sa.select(Instalment.pledge_id, sum_fen(Instalment.matched_fen).label("added"))
        .group_by(Instalment.pledge_id)
        .subquery()
    )
    query = (
        sa.select(by, sum_fen(Pledge.promised_match_fen - sa.func.coalesce(added.c.added, 0)))
        .join(Proposal, Pledge.proposal_id == Proposal.id)
        .outerjoin(added, added.c.pledge_id == Pledge.id)
        .where(Pledge.promised_match_fen > 0)
        .group_by(by)
    )
    if program_id is not None:
        query = query.where(Proposal.program_id == program_id)
    return dict(db.session.execute(query).all())


def promised_matches(program_id: int | None = None) -> dict[int, int]:
    """Matching gifts promised to donors and not yet added, per program."""
    return _promised(Proposal.program_id, program_id)


def promised_matches_by_project() -> dict[int, int]:
    """Matching gifts promised to donors and not yet added, per project (proposal id)."""
    return _promised(Proposal.id)


def commitments(program_id: int | None = None) -> dict[int, int]:
    """What each program fund has promised: approved projects' remaining need (approved less
    what the project's own fund holds) plus matching gifts promised and not yet added."""
    owed: dict[int, int] = defaultdict(int)
    for program, _proposal, approved, held in db.session.execute(_needs(program_id)):
        owed[program] += max(0, approved - held)
    for program, promised in promised_matches(program_id).items():
        owed[program] += promised
    return owed


def _fund(kind: AccountKind, ref: object) -> int:
    value = db.session.scalar(sa.select(Account.balance_fen).filter_by(kind=kind, ref=str(ref)))
    return value or 0


def available_fen(program: Program) -> int:
    """What a new approval or matching gift may use: the program fund less its commitments."""
    fund = _fund(AccountKind.PROGRAM_FUND, program.id)
    return fund - commitments(program.id).get(program.id, 0)


def available_by_program() -> dict[int, int]:
    """``available_fen`` of every program, in three queries."""
    funds = {
        int(ref): balance
        for ref, balance in db.session.execute(
            sa.select(Account.ref, Account.balance_fen).where(
                Account.kind == AccountKind.PROGRAM_FUND
            )
        )
    }
    owed = commitments()
    return {
        pid: funds.get(pid, 0) - owed.get(pid, 0)
        for pid in db.session.scalars(sa.select(Program.id))
    }


def project_need_fen(proposal: Proposal) -> int:
    """What the program still owes an approved project: its amount less its own fund."""
    if proposal.state not in FUNDABLE or proposal.approved_amount_fen is None:
        return 0
    return max(0, proposal.approved_amount_fen - _fund(AccountKind.PROJECT_FUND, proposal.id))


# --- the ledger, grouped once --------------------------------------------------------------


@cache
def _flows_query(kinds: tuple[AccountKind, ...]) -> sa.Select:
    return (
        sa.select(Account.kind, Account.ref, Flow.movement, sum_fen(Flow.total_fen))
        .join(Account, Account.id == Flow.account_id)
        .where(Account.kind.in_(kinds))
        .group_by(Account.kind, Account.ref, Flow.movement)
    )


def _flows(kinds: tuple[AccountKind, ...]) -> list[tuple[AccountKind, str, str, int]]:
    """(account kind, ref, movement kind, sum) over every entry on accounts of ``kinds``."""
    return db.session.execute(_flows_query(kinds)).all()


def _balances(kinds: tuple[AccountKind, ...]) -> list[tuple[AccountKind, str, int]]:
    return db.session.execute(
        sa.select(Account.kind, Account.ref, Account.balance_fen).where(Account.kind.in_(kinds))
    ).all()


def _grant_id(ref: str) -> int:
    """Grant accounts are keyed "7" (the reserve) or "7:2" (held for tranche 2)."""
    return int(ref.split(":")[0])


@dataclass
class GrantMoney:
    grant: Grant
    paid_fen: int = 0
    reserved_fen: int = 0  # reserved or held now, unpaid
    returned_fen: int = 0  # went back to its sources (termination, completion under budget)

    @property
    def amount_fen(self) -> int:
        return self.grant.amount_fen

    @property
    def unreserved_fen(self) -> int:
        """Signed but not yet reserved from any source."""
        return self.grant.amount_fen if self.grant.reserved_at is None else 0


def grant_money(grants: Iterable[Grant] | None = None) -> list[GrantMoney]:
    """Each grant's money from its accounts' entries (all grants, newest first, by default)."""
    if grants is None:
        # Every grant with its proposal's short columns; each organization and program is
        # read once (a join would parse a program's JSON settings again for every grant).
        grants = db.session.scalars(
            sa.select(Grant)
            .options(
                joinedload(Grant.proposal).options(
                    load_only(
                        Proposal.title,
                        Proposal.category_code,
                        Proposal.program_id,
                        Proposal.organization_id,
                    ),
                    selectinload(Proposal.organization).load_only(Organization.name),
                    selectinload(Proposal.program),
                )
            )
            .order_by(Grant.id.desc())
        ).all()
    rows = {g.id: GrantMoney(g) for g in grants}
    for _kind, ref, movement, amount in _flows(GRANT_SIDE):
        row = rows.get(_grant_id(ref))
        if row is None:
            continue
        row.reserved_fen += amount
        if movement in PAID_KINDS:
            row.paid_fen -= amount
        elif movement in RETURN_KINDS:
            row.returned_fen -= amount
    return list(rows.values())


@dataclass
class ProgramMoney:
    program: Program
    raised_fen: int = 0
    from_shared_fen: int = 0
    refunded_fen: int = 0
    paid_fen: int = 0
    reserved_fen: int = 0
    for_projects_fen: int = 0
    fund_fen: int = 0  # the program fund: committed + available
    committed_fen: int = 0
    matched_fen: int = 0  # matching gifts added to its projects (informational)
    due_fen: int = 0  # pledge instalments promised and not yet arrived (informational)
    internal_fen: int = 0  # movements inside the program: they must sum to zero
    unexplained: dict = field(default_factory=dict)  # movements of an unknown kind

    @property
    def available_fen(self) -> int:
        return self.fund_fen - self.committed_fen

    @property
    def sources_fen(self) -> int:
        """The identity's left side: raised + from shared funds − refunded."""
        return self.raised_fen + self.from_shared_fen - self.refunded_fen

    @property
    def uses_fen(self) -> int:
        """The identity's right side."""
        return self.paid_fen + self.reserved_fen + self.for_projects_fen + self.fund_fen


def _owners() -> tuple[dict[str, int], dict[str, int]]:
    """Which program each project fund (by proposal id) and grant account belongs to."""
    proposals = {
        str(pid): prog
        for pid, prog in db.session.execute(
            sa.select(Proposal.id, Proposal.program_id).where(
                Proposal.id.in_(
                    sa.select(sa.cast(Account.ref, sa.Integer)).where(
                        Account.kind == AccountKind.PROJECT_FUND
                    )
                )
            )
        )
    }
    grants = {
        str(gid): prog
        for gid, prog in db.session.execute(
            sa.select(Grant.id, Proposal.program_id).join(Grant.proposal)
        )
    }
    return proposals, grants


def program_money() -> list[ProgramMoney]:
    """Every program's money (see the module docstring), in a fixed number of queries."""
    programs = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    rows = {p.id: ProgramMoney(p) for p in programs}
    proposals, grants = _owners()

    def owner(kind: AccountKind, ref: str) -> ProgramMoney | None:
        if kind == AccountKind.PROGRAM_FUND:
            program_id = int(ref)
        elif kind == AccountKind.PROJECT_FUND:
            program_id = proposals.get(ref)
        else:
            program_id = grants.get(str(_grant_id(ref)))
        return rows.get(program_id)

    for kind, ref, movement, amount in _flows(PROGRAM_SIDE):
        row = owner(kind, ref)
        if row is None:
            continue
        if movement in RAISED_KINDS:
            row.raised_fen += amount
        elif movement in SHARED_KINDS:
            row.from_shared_fen += amount
        elif movement in REFUND_KINDS:
            row.refunded_fen -= amount
        elif movement in PAID_KINDS:
            row.paid_fen -= amount
        elif movement in INTERNAL_KINDS:
            row.internal_fen += amount
            if movement == "match_gift" and kind == AccountKind.PROGRAM_FUND:
                row.matched_fen -= amount
        else:
            row.unexplained[movement] = row.unexplained.get(movement, 0) + amount
    for kind, ref, balance in _balances(PROGRAM_SIDE):
        row = owner(kind, ref)
        if row is None:
            continue
        if kind == AccountKind.PROGRAM_FUND:
            row.fund_fen += balance
        elif kind == AccountKind.PROJECT_FUND:
            row.for_projects_fen += balance
        else:
            row.reserved_fen += balance
    for program_id, owed in commitments().items():
        if program_id in rows:
            rows[program_id].committed_fen = owed
    due_target = sa.func.coalesce(Pledge.program_id, Proposal.program_id)
    for program_id, due in db.session.execute(
        sa.select(due_target, sum_fen(Instalment.amount_fen))
        .join(Instalment.pledge)
        .outerjoin(Proposal, Pledge.proposal_id == Proposal.id)
        .where(Instalment.state == InstalmentState.DUE, due_target.is_not(None))
        .group_by(due_target)
    ):
        if program_id in rows:
            rows[program_id].due_fen = due
    return list(rows.values())


@dataclass(frozen=True)
class SharedFunds:
    """The general pool and the category funds: money not yet tied to a program."""

    raised_fen: int
    to_grants_fen: int  # reserved for grants, less what came back
    available_fen: int


def shared_funds() -> SharedFunds:
    kinds = (AccountKind.GENERAL_FUND, AccountKind.CATEGORY_FUND)
    raised = to_grants = 0
    for _kind, _ref, movement, amount in _flows(kinds):
        if movement in RAISED_KINDS:
            raised += amount
        elif movement in SHARED_KINDS:
            to_grants -= amount
    available = sum(balance for _k, _r, balance in _balances(kinds))
    return SharedFunds(raised, to_grants, available)


# --- breakdowns of the grants ----------------------------------------------------------------

#: Bucket keys for grants that serve more than one street, or none in particular.
SEVERAL_STREETS = "*several"
DISTRICT_WIDE = "*district"


@dataclass
class Bucket:
    key: str  # a street code, a category code, a year, or one of the two keys above
    grants: int = 0
    amount_fen: int = 0
    paid_fen: int = 0
    reserved_fen: int = 0
    returned_fen: int = 0
    unreserved_fen: int = 0

    def add(self, money: GrantMoney) -> None:
        self.grants += 1
        self.amount_fen += money.amount_fen
        self.paid_fen += money.paid_fen
        self.reserved_fen += money.reserved_fen
        self.returned_fen += money.returned_fen
        self.unreserved_fen += money.unreserved_fen


def grant_year(grant: Grant) -> str:
    """The year a grant belongs to: the district's calendar year of its agreement."""
    return str(grant.created_at.astimezone(ZONE).year)


def breakdown(dimension: str, money: list[GrantMoney] | None = None) -> list[Bucket]:
    """Grants by street, service category or year of the agreement; each grant counts in
    exactly one bucket, so every breakdown sums to the grants table's totals."""
    money = grant_money() if money is None else money
    if dimension == "street":
        streets: dict[int, set[str]] = defaultdict(set)
        for proposal_id, street in db.session.execute(
            sa.select(proposal_communities.c.proposal_id, Community.street_code).join(
                Community, Community.id == proposal_communities.c.community_id
            )
        ):
            streets[proposal_id].add(street)

        def key(m: GrantMoney) -> str:
            found = streets.get(m.grant.proposal_id, set())
            if len(found) == 1:
                return next(iter(found))
            return SEVERAL_STREETS if found else DISTRICT_WIDE
    elif dimension == "category":

        def key(m: GrantMoney) -> str:
            return m.grant.proposal.category_code or DISTRICT_WIDE
    elif dimension == "year":

        def key(m: GrantMoney) -> str:
            return grant_year(m.grant)
    elif dimension == "program":

        def key(m: GrantMoney) -> str:
            return str(m.grant.proposal.program_id)
    else:
        raise ValueError(dimension)
    buckets: dict[str, Bucket] = {}
    for m in money:
        k = key(m)
        buckets.setdefault(k, Bucket(k)).add(m)
    return [buckets[k] for k in sorted(buckets)]


def grant_totals(money: list[GrantMoney]) -> Bucket:
    total = Bucket("")
    for m in money:
        total.add(m)
    return total


# --- enterprises ---------------------------------------------------------------------------


@dataclass
class Giving:
    """What an enterprise's pledges (or one pledge) did, followed through the ledger."""

    key: int  # the enterprise's id, or the pledge's
    pledged_fen: int = 0  # promised, less cancelled instalments
    received_fen: int = 0
    due_fen: int = 0  # promised and not arrived
    matched_fen: int = 0  # matching gifts the program added to its project gifts
    paid_fen: int = 0  # reached organizations
    reserved_fen: int = 0  # reserved for grants, not yet paid
    waiting_fen: int = 0  # arrived, in a fund, not yet reserved
    refunded_fen: int = 0  # returned to the enterprise


def giving(
    by_pledge: bool = False, enterprise_ids: Iterable[int] | None = None
) -> dict[int, Giving]:
    """Per enterprise (or per pledge), its gifts followed through the ledger: entries carry
    the pledge whose money they move."""
    key = Pledge.id if by_pledge else Pledge.enterprise_id
    query = (
        sa.select(key, Account.kind, Flow.movement, sum_fen(Flow.total_fen))
        .join(Flow, Flow.pledge_key == Pledge.id)
        .join(Account, Account.id == Flow.account_id)
        .group_by(key, Account.kind, Flow.movement)
    )
    matched = sa.select(key, sum_fen(Instalment.matched_fen)).join(Instalment.pledge)
    if enterprise_ids is not None:
        ids = list(enterprise_ids)
        query = query.where(Pledge.enterprise_id.in_(ids))
        matched = matched.where(Pledge.enterprise_id.in_(ids))
    rows: dict[int, Giving] = {}
    for k, kind, movement, amount in db.session.execute(query):
        row = rows.setdefault(k, Giving(k))
        if kind == AccountKind.OUTSIDE:
            if movement in ("pledge", "pledge_cancelled"):
                row.pledged_fen -= amount
            elif movement in REFUND_KINDS:
                row.refunded_fen += amount
        elif kind == AccountKind.PLEDGES_RECEIVABLE:
            row.due_fen += amount
            if movement == "pledge_received":
                row.received_fen -= amount
        elif kind == AccountKind.PAYEE:
            row.paid_fen += amount
        elif kind in GRANT_SIDE:
            row.reserved_fen += amount
        else:
            row.waiting_fen += amount
    for k, amount in db.session.execute(matched.group_by(key)):
        rows.setdefault(k, Giving(k)).matched_fen = amount
    return rows


# --- the identities, checked ---------------------------------------------------------------


def identity_problems() -> list[str]:
    """Every public identity that does not hold, as a sentence (``flask ledger check``)."""
    problems = []
    programs = program_money()
    for row in programs:
        name = f"program {row.program.id}"
        if row.unexplained:
            problems.append(f"{name}: movements of unknown kind {sorted(row.unexplained)}")
        if row.internal_fen:
            problems.append(f"{name}: movements inside it sum to {row.internal_fen}, not 0")
        if row.sources_fen != row.uses_fen:
            problems.append(
                f"{name}: raised + from shared − refunded = {row.sources_fen} but paid + reserved "
                f"+ for projects + program fund = {row.uses_fen}"
            )
        if row.committed_fen > row.fund_fen:
            problems.append(
                f"{name}: has promised {row.committed_fen} but its fund holds {row.fund_fen}"
            )
    money = grant_money()
    for m in money:
        parts = m.paid_fen + m.reserved_fen + m.returned_fen + m.unreserved_fen
        if parts != m.amount_fen:
            problems.append(
                f"grant {m.grant.id}: paid + reserved + returned + unreserved = {parts}, "
                f"not its amount {m.amount_fen}"
            )
    totals = grant_totals(money)
    if sum(r.paid_fen for r in programs) != totals.paid_fen:
        problems.append("the programs' payments do not add up to the grants' payments")
    if sum(r.reserved_fen for r in programs) != totals.reserved_fen:
        problems.append("the programs' reserved money does not add up to the grants'")
    for dimension in ("street", "category", "year"):
        buckets = breakdown(dimension, money)
        summed = grant_totals([])
        for b in buckets:
            for name in ("grants", "amount_fen", "paid_fen", "reserved_fen", "returned_fen"):
                setattr(summed, name, getattr(summed, name) + getattr(b, name))
        if (summed.grants, summed.amount_fen, summed.paid_fen, summed.reserved_fen) != (
            totals.grants,
            totals.amount_fen,
            totals.paid_fen,
            totals.reserved_fen,
        ):
            problems.append(f"the breakdown by {dimension} does not sum to the grants table")
    problems += _enterprise_problems()
    return problems


def _enterprise_problems() -> list[str]:
    problems = []
    instalments: dict[tuple[int, InstalmentState], int] = {
        (ent, state): amount
        for ent, state, amount in db.session.execute(
            sa.select(Pledge.enterprise_id, Instalment.state, sum_fen(Instalment.amount_fen))
            .join(Instalment.pledge)
            .group_by(Pledge.enterprise_id, Instalment.state)
        )
    }
    for ent, row in giving().items():
        name = f"enterprise {ent}"
        if row.received_fen != row.paid_fen + row.reserved_fen + row.waiting_fen + (
            row.refunded_fen
        ):
            problems.append(
                f"{name}: received {row.received_fen} is not paid + reserved + waiting + refunded"
            )
        if row.pledged_fen != row.received_fen + row.due_fen:
            problems.append(f"{name}: pledged {row.pledged_fen} is not received + due")
        if row.received_fen != instalments.get((ent, InstalmentState.RECEIVED), 0):
            problems.append(f"{name}: the ledger's receipts differ from its received instalments")
        if row.due_fen != instalments.get((ent, InstalmentState.DUE), 0):
            problems.append(f"{name}: owes {row.due_fen} but its due instalments differ")
    return problems
