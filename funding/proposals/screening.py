"""The program's eligibility rules, run automatically at each submission (资格审查)."""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from funding.extensions import db, utcnow
from funding.grants.models import Grant, GrantState
from funding.money import format_fen
from funding.proposals.models import Proposal, ProposalState, proposal_needs
from funding.proposals.workflow import OPEN_STATES

BREACH_BAR = timedelta(days=3 * 365)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


RULE_NAMES = {
    "party_verified": _l("Organization verified by the foundation"),
    "legal_form": _l("Legal form eligible for the program"),
    "category": _l("Service category covered by the program"),
    "streets": _l("Target communities in the program's streets"),
    "amount_range": _l("Amount requested within the program's range"),
    "self_share": _l("Self-funded share of the budget"),
    "no_breach": _l("No grant terminated for breach in the last three years"),
    "no_double_funding": _l("No other open proposal asks money for the same need"),
}


def party_verified(p: Proposal) -> RuleResult:
    ok = p.organization.is_verified
    return RuleResult("party_verified", ok, "" if ok else str(_l("Not verified yet.")))


def legal_form(p: Proposal) -> RuleResult:
    allowed = p.program.legal_forms
    ok = not allowed or p.organization.legal_form.value in allowed
    return RuleResult("legal_form", ok, "" if ok else p.organization.legal_form.value)


def category(p: Proposal) -> RuleResult:
    allowed = {c.code for c in p.program.categories}
    ok = not allowed or p.category_code in allowed
    return RuleResult("category", ok, "" if ok else str(p.category_code))


def streets(p: Proposal) -> RuleResult:
    allowed = {s.code for s in p.program.streets}
    outside = [c.name for c in p.communities if allowed and c.street_code not in allowed]
    return RuleResult("streets", not outside, "、".join(outside))


def amount_range(p: Proposal) -> RuleResult:
    prog = p.program
    amount = p.amount_requested_fen or 0
    ok = prog.min_grant_fen <= amount <= prog.max_grant_fen
    return RuleResult(
        "amount_range",
        ok,
        f"{format_fen(amount)} / {format_fen(prog.min_grant_fen)}–{format_fen(prog.max_grant_fen)}",
    )


def self_share(p: Proposal) -> RuleResult:
    total = p.total_budget_fen
    own = p.self_funded_fen or 0
    # Integer comparison: own / total >= pct / 100, without floats.
    ok = total > 0 and own * 100 >= p.program.min_self_share_pct * total
    share = f"{own * 100 // total}%" if total else "—"
    required = p.program.min_self_share_pct
    # The detail says what holds: "25% ≥ 20%" when it passes, "18% < 20%" when it does not.
    return RuleResult("self_share", ok, f"{share} {'≥' if ok else '<'} {required}%")


def no_breach(p: Proposal) -> RuleResult:
    since = utcnow() - BREACH_BAR
    found = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Grant)
        .join(Grant.proposal)
        .where(
            Proposal.organization_id == p.organization_id,
            Grant.breach,
            Grant.state == GrantState.TERMINATED,
            Grant.terminated_at >= since,
        )
    )
    return RuleResult("no_breach", found == 0, "")


def no_double_funding(p: Proposal) -> RuleResult:
    need_ids = [n.id for n in p.needs]
    if not need_ids:
        return RuleResult("no_double_funding", True, "")
    others = db.session.scalars(
        sa.select(Proposal.title)
        .join(proposal_needs)
        .where(
            proposal_needs.c.need_id.in_(need_ids),
            Proposal.id != p.id,
            Proposal.state.in_(OPEN_STATES),
        )
        .distinct()
    ).all()
    return RuleResult("no_double_funding", not others, "、".join(others))


RULES: list[Callable[[Proposal], RuleResult]] = [
    party_verified,
    legal_form,
    category,
    streets,
    amount_range,
    self_share,
    no_breach,
    no_double_funding,
]


def run_screening(p: Proposal) -> list[dict]:
    """Every rule's outcome, stored on the proposal and shown to staff and applicant."""
    return [asdict(rule(p)) for rule in RULES]


#: States in which staff still decide on a proposal, guided by its screening.
DECIDING_STATES = (ProposalState.SCREENING, ProposalState.IN_REVIEW, ProposalState.APPROVED)


def rescreen_open_proposals(party) -> None:
    """Run the rules again on the party's proposals still being decided, after a change to
    who the party is or to its verification: the stored screening is what staff decide by."""
    proposals = db.session.scalars(
        sa.select(Proposal).where(
            Proposal.organization_id == party.id, Proposal.state.in_(DECIDING_STATES)
        )
    )
    for proposal in proposals:
        proposal.screening = run_screening(proposal)


def screening_passed(p: Proposal) -> bool:
    return bool(p.screening) and all(r["passed"] for r in p.screening)
