"""Proposal operations: drafts, submission with screening, decisions, disclosure, agreement."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import current_address, record
from funding.dates import add_working_days
from funding.directory.models import Community, Need
from funding.extensions import db, utcnow
from funding.figures import available_fen
from funding.grants.models import Grant, schedule
from funding.ledger.models import AccountKind
from funding.ledger.services import account, lock_accounts, money_transaction
from funding.money import format_fen
from funding.notifications.services import notify, staff_users
from funding.proposals.models import (
    BudgetCategory,
    BudgetLine,
    Objection,
    ObjectionState,
    Program,
    Proposal,
    ProposalEvent,
    ProposalState,
    ProposalVersion,
)
from funding.proposals.needs import follow_projects
from funding.proposals.screening import run_screening, screening_passed
from funding.proposals.workflow import (
    APPLICANT_ACTIONS,
    EDITABLE_STATES,
    Action,
    is_applicant,
    next_state,
)
from funding.reviews.models import AssignmentState
from funding.transactions import DomainError, transactional

#: Fields frozen in each version and compared side by side.
VERSION_FIELDS = (
    "title",
    "summary",
    "category_code",
    "direct_beneficiaries",
    "indirect_beneficiaries",
    "start_date",
    "end_date",
    "amount_requested_fen",
    "self_funded_fen",
    "total_budget_fen",
    "needs",
    "communities",
    "budget_lines",
    "outcomes",
    "team",
    "attachments",
)


class ProposalInvalid(DomainError):
    """Submission refused: ``errors`` maps each field to the messages shown beside it."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("proposal_incomplete")
        self.errors = errors


@dataclass(frozen=True)
class Line:
    item: str
    category: BudgetCategory
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True)
class ProposalData:
    """What the applicant typed; any field may be empty while the proposal is a draft."""

    title: str = ""
    summary: str = ""
    category_code: str | None = None
    need_ids: tuple[int, ...] = ()
    community_ids: tuple[int, ...] = ()
    direct_beneficiaries: int | None = None
    indirect_beneficiaries: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    amount_requested_fen: int | None = None
    self_funded_fen: int | None = None
    lines: tuple[Line, ...] = ()
    outcomes: tuple[dict, ...] = ()
    team: tuple[dict, ...] = ()
    declaration: bool = False
    extra: dict = field(default_factory=dict)


def record_event(
    proposal: Proposal,
    actor: User | None,
    action: str,
    before: ProposalState | None,
    note: str = "",
) -> None:
    proposal.events.append(
        ProposalEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            from_state=before.value if before else None,
            to_state=proposal.state.value,
            note=note,
        )
    )


def _move(
    proposal: Proposal,
    actor: User,
    action: Action,
    note: str = "",
    changes: tuple[dict, dict] | None = None,
) -> ProposalState:
    """Check who acts and whether the state allows it; move, record the event and the audit
    (with ``changes``, the fields' values before and after, when the action edits them)."""
    applicant = is_applicant(actor, proposal)
    if (action in APPLICANT_ACTIONS and not applicant) or (
        action not in APPLICANT_ACTIONS and not actor.is_foundation
    ):
        raise DomainError("forbidden")
    before = proposal.state
    proposal.state = next_state(before, action)
    if proposal.state != before:
        proposal.state_since = utcnow()
        follow_projects(proposal.needs)
    record_event(proposal, actor, action.value, before, note)
    record(
        actor,
        f"proposal.{action.value}",
        proposal,
        before={"state": before.value, **({"fields": changes[0]} if changes else {})},
        after={
            "state": proposal.state.value,
            **({"note": note} if note else {}),
            **({"fields": changes[1]} if changes else {}),
        },
    )
    return before


def _applicants(proposal: Proposal) -> list[User]:
    return list(proposal.organization.members)


@transactional
def create_draft(actor: User, program: Program) -> Proposal:
    """Start a proposal for the actor's organization; drafts may be saved half-done."""
    if actor.role != Role.ORG_MEMBER or actor.party_id is None:
        raise DomainError("forbidden")
    unsaved = db.session.scalar(
        sa.select(Proposal)
        .where(
            Proposal.organization_id == actor.party_id,
            Proposal.program_id == program.id,
            Proposal.state == ProposalState.DRAFT,
            sa.or_(Proposal.title.is_(None), Proposal.title == ""),
        )
        .order_by(Proposal.id)
        .limit(1)
    )
    if unsaved is not None:  # a second click on "apply" opens the draft it already made
        return unsaved
    proposal = Proposal(program=program, organization_id=actor.party_id, created_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    record_event(proposal, actor, "create", None)
    record(actor, "proposal.create", proposal, after={"program": program.id})
    return proposal


def _by_ids(model, ids) -> list:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(model).where(model.id.in_(ids))))
    if len(found) != len(ids):
        raise DomainError("unknown_reference")
    return sorted(found, key=lambda obj: obj.id)


@transactional
def save_draft(
    actor: User, proposal: Proposal, data: ProposalData, expected_version: int | None = None
) -> None:
    """Keep what the applicant typed, complete or not; budget totals are computed here.

    ``expected_version`` is the version the applicant's form was filled from: if someone saved
    since, nothing is written (``proposal_changed``); a save racing another one at the same
    moment fails on the version column instead (``StaleDataError``)."""
    if expected_version is not None and expected_version != proposal.version_id:
        raise DomainError("proposal_changed")
    old = snapshot(proposal)
    proposal.updated_at = utcnow()  # the row changes (and its version moves) on every save
    for name in (
        "title",
        "summary",
        "category_code",
        "direct_beneficiaries",
        "indirect_beneficiaries",
        "start_date",
        "end_date",
        "amount_requested_fen",
        "self_funded_fen",
        "declaration",
    ):
        setattr(proposal, name, getattr(data, name))
    proposal.title = (data.title or "").strip()
    proposal.needs = _by_ids(Need, data.need_ids)
    proposal.communities = _by_ids(Community, data.community_ids)
    proposal.outcomes = [dict(o) for o in data.outcomes]
    proposal.team = [dict(t) for t in data.team]
    proposal.budget_lines = [
        BudgetLine(
            position=i,
            item=line.item.strip(),
            category=line.category,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
        )
        for i, line in enumerate(data.lines)
    ]
    new = snapshot(proposal)
    changed = [name for name in new if new[name] != old[name]]
    # Checked after the edit, in the same transaction: a refusal rolls the edit back.
    _move(
        proposal,
        actor,
        Action.SAVE,
        changes=({n: old[n] for n in changed}, {n: new[n] for n in changed}),
    )


def completeness_errors(p: Proposal) -> dict[str, list[str]]:
    """Message keys per field for everything a submission needs; empty when complete."""
    errors: dict[str, list[str]] = {}

    def need(condition: bool, name: str, key: str = "required") -> None:
        if not condition:
            errors.setdefault(name, []).append(key)

    need(bool(p.title), "title")
    need(bool(p.summary and p.summary.strip()), "summary")
    need(p.category_code is not None, "category_code")
    need(bool(p.communities), "community_ids")
    need(p.direct_beneficiaries is not None and p.direct_beneficiaries > 0, "direct_beneficiaries")
    need(p.indirect_beneficiaries is not None, "indirect_beneficiaries")
    need(p.start_date is not None, "start_date")
    need(p.end_date is not None, "end_date")
    if p.start_date and p.end_date:
        need(p.end_date > p.start_date, "end_date", "end_before_start")
    need(bool(p.budget_lines), "lines")
    need(p.amount_requested_fen is not None, "amount_requested_fen")
    need(p.self_funded_fen is not None, "self_funded_fen")
    if p.amount_requested_fen is not None and p.self_funded_fen is not None and p.budget_lines:
        need(
            p.amount_requested_fen + p.self_funded_fen == p.total_budget_fen,
            "amount_requested_fen",
            "budget_mismatch",
        )
    need(bool(p.outcomes), "outcomes")
    need(bool(p.team), "team")
    need(p.declaration, "declaration", "declaration_required")
    return errors


def snapshot(p: Proposal) -> dict:
    """A plain, comparable copy of what the applicant submitted."""
    return {
        "title": p.title,
        "summary": p.summary,
        "category_code": p.category_code,
        "direct_beneficiaries": p.direct_beneficiaries,
        "indirect_beneficiaries": p.indirect_beneficiaries,
        "start_date": p.start_date.isoformat() if p.start_date else None,
        "end_date": p.end_date.isoformat() if p.end_date else None,
        "amount_requested_fen": p.amount_requested_fen,
        "self_funded_fen": p.self_funded_fen,
        "total_budget_fen": p.total_budget_fen,
        "needs": [n.title for n in p.needs],
        "communities": [c.name for c in p.communities],
        "budget_lines": [
            f"{b.item} · {b.category.value} · {b.quantity} × "
            f"{format_fen(b.unit_price_fen)} = {format_fen(b.total_fen)}"
            for b in p.budget_lines
        ],
        "outcomes": [f"{o['indicator']}: {o['target']}" for o in p.outcomes],
        "team": [f"{t['name']} ({t['role']})" for t in p.team],
        "attachments": [a.original_name for a in p.attachments],
    }


@transactional
def submit(actor: User, proposal: Proposal, today: date) -> list[dict]:
    """Validate everything, run the program's rules, freeze a version, and queue for staff."""
    if not proposal.organization.is_verified:
        raise DomainError("party_not_verified")
    if not proposal.program.is_open(today):
        raise DomainError("program_closed")
    errors = completeness_errors(proposal)
    if errors:
        raise ProposalInvalid(errors)
    _move(proposal, actor, Action.SUBMIT)
    proposal.submitted_at = utcnow()
    proposal.screening = run_screening(proposal)
    number = len(proposal.versions) + 1
    proposal.versions.append(ProposalVersion(number=number, snapshot=snapshot(proposal)))
    record_event(
        proposal,
        None,
        "auto_screening",
        ProposalState.SCREENING,
        "ok" if screening_passed(proposal) else "failed",
    )
    notify(staff_users(), "proposal_submitted", f"/proposals/{proposal.id}", title=proposal.title)
    return proposal.screening


@transactional
def withdraw(actor: User, proposal: Proposal) -> None:
    _move(proposal, actor, Action.WITHDRAW)
    notify(staff_users(), "proposal_withdrawn", f"/proposals/{proposal.id}", title=proposal.title)


@transactional
def pass_screening(actor: User, proposal: Proposal) -> None:
    """Staff send a proposal that met every rule to expert review."""
    if proposal.state == ProposalState.SCREENING and not screening_passed(proposal):
        raise DomainError("screening_failed")
    _move(proposal, actor, Action.PASS_SCREENING)
    notify(
        _applicants(proposal),
        "proposal_passed_screening",
        f"/proposals/{proposal.id}",
        title=proposal.title,
    )


@transactional
def return_for_revision(actor: User, proposal: Proposal, comment: str) -> None:
    """Send the proposal back with comments; the applicant edits and submits again."""
    if not comment.strip():
        raise DomainError("comment_required")
    _move(proposal, actor, Action.RETURN, comment.strip())
    notify(
        _applicants(proposal),
        "proposal_returned",
        f"/proposals/{proposal.id}",
        title=proposal.title,
        note=comment.strip(),
    )


@transactional
def reject(actor: User, proposal: Proposal, reason: str) -> None:
    """Refuse the proposal; the reason is shown to the applicant."""
    if not reason.strip():
        raise DomainError("reason_required")
    _move(proposal, actor, Action.REJECT, reason.strip())
    proposal.decided_at = utcnow()
    proposal.decision_note = reason.strip()
    notify(
        _applicants(proposal),
        "proposal_rejected",
        f"/proposals/{proposal.id}",
        title=proposal.title,
        note=reason.strip(),
    )


@money_transaction
def approve(actor: User, proposal: Proposal, amount_fen: int, note: str, today: date) -> None:
    """Approve an amount within the request, the program's range and its free money; public
    disclosure opens. The program fund's row is locked first, so concurrent approvals (and
    matching gifts, and reservations) cannot promise the same money twice."""
    next_state(proposal.state, Action.APPROVE)
    if not proposal.organization.is_verified:
        raise DomainError("organization_not_verified")
    lock_accounts([account(AccountKind.PROGRAM_FUND, proposal.program_id)])
    submitted = sum(1 for a in proposal.assignments if a.state == AssignmentState.SUBMITTED)
    if submitted < proposal.program.reviewers_required:
        raise DomainError(
            "reviews_missing", have=submitted, need=proposal.program.reviewers_required
        )
    program = proposal.program
    if amount_fen > (proposal.amount_requested_fen or 0):
        raise DomainError("amount_above_request")
    if not program.min_grant_fen <= amount_fen <= program.max_grant_fen:
        raise DomainError("amount_outside_range")
    if amount_fen > available_fen(program):
        raise DomainError("program_money_short")
    proposal.approved_amount_fen = amount_fen  # before the state: a CHECK ties the two
    _move(proposal, actor, Action.APPROVE, note.strip())
    proposal.decided_at = utcnow()
    proposal.decision_note = note.strip()
    proposal.disclosure_until = add_working_days(today, program.disclosure_days)
    notify(
        _applicants(proposal),
        "proposal_approved",
        f"/proposals/{proposal.id}",
        title=proposal.title,
        amount=format_fen(amount_fen),
        until=proposal.disclosure_until.isoformat(),
    )


@transactional
def sign_agreement(actor: User, proposal: Proposal, today: date) -> Grant:
    """After the disclosure period, record the signed agreement and create the grant."""
    if proposal.disclosure_until is not None and today <= proposal.disclosure_until:
        raise DomainError("disclosure_running", until=proposal.disclosure_until.isoformat())
    if open_objections(proposal):
        raise DomainError("objection_open")
    if not proposal.organization.is_verified:
        raise DomainError("organization_not_verified")
    _move(proposal, actor, Action.SIGN_AGREEMENT)
    proposal.agreement_signed_at = utcnow()
    grant = Grant(
        proposal=proposal,
        amount_fen=proposal.approved_amount_fen,
        tranches=schedule(proposal.approved_amount_fen, proposal.program.tranches),
    )
    db.session.add(grant)
    db.session.flush()
    record(actor, "grant.create", grant, after={"amount_fen": grant.amount_fen})
    notify(
        _applicants(proposal), "agreement_signed", f"/proposals/{proposal.id}", title=proposal.title
    )
    return grant


@transactional
def raise_objection(
    proposal: Proposal, name: str, contact: str, text: str, today: date
) -> Objection:
    """Anyone may object while the approval is on public disclosure."""
    if proposal.state != ProposalState.APPROVED or (
        proposal.disclosure_until is not None and today > proposal.disclosure_until
    ):
        raise DomainError("disclosure_closed")
    objection = Objection(
        proposal=proposal,
        name=name.strip(),
        contact=contact.strip(),
        text=text.strip(),
        address=current_address.get(),
    )
    db.session.add(objection)
    db.session.flush()
    record(None, "objection.create", objection, after={"proposal": proposal.id})
    notify(staff_users(), "objection_raised", f"/proposals/{proposal.id}", title=proposal.title)
    return objection


def open_objections(proposal: Proposal) -> int:
    """Objections to the proposal still waiting for the foundation's answer."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Objection)
        .where(Objection.proposal_id == proposal.id, Objection.state == ObjectionState.OPEN)
    )


def is_editable(proposal: Proposal) -> bool:
    return proposal.state in EDITABLE_STATES
