"""Program rules, kept by staff: eligibility, range, rubric, reviewers, disclosure, tranches."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from funding.accounts.models import User
from funding.audit.services import record, snapshot
from funding.directory.models import LegalForm, ServiceCategory, Street
from funding.extensions import db
from funding.money import MAX_FEN
from funding.proposals.models import Program, Proposal
from funding.reviews.models import Review, ReviewAssignment
from funding.transactions import DomainError, transactional

PROGRAM_FIELDS = (
    "name",
    "name_en",
    "purpose",
    "purpose_en",
    "legal_forms",
    "min_grant_fen",
    "max_grant_fen",
    "min_self_share_pct",
    "rubric",
    "reviewers_required",
    "disclosure_days",
    "tranches",
    "blind_review",
    "budget_fen",
    "match_ratio_pct",
    "match_cap_project_fen",
    "match_cap_program_fen",
    "open_from",
    "open_until",
    "categories",
    "streets",
)


@dataclass(frozen=True)
class ProgramData:
    name: str
    name_en: str
    purpose: str
    purpose_en: str
    category_codes: tuple[str, ...]
    legal_forms: tuple[LegalForm, ...]
    street_codes: tuple[str, ...]
    min_grant_fen: int
    max_grant_fen: int
    min_self_share_pct: int
    rubric: tuple[dict, ...]
    reviewers_required: int
    disclosure_days: int
    tranches: tuple[int, ...]
    blind_review: bool
    budget_fen: int
    open_from: date
    open_until: date | None
    #: Matching gifts (配捐): percent of each enterprise gift to a project, and the caps.
    match_ratio_pct: int = 0
    match_cap_project_fen: int = 0
    match_cap_program_fen: int = 0


def program_problems(data: ProgramData) -> list[str]:
    """Message keys for rules the data breaks (also checked by the form, enforced here)."""
    problems = []
    if data.max_grant_fen < data.min_grant_fen:
        problems.append("range_inverted")
    if not data.rubric or sum(c["weight"] for c in data.rubric) != 100:
        problems.append("rubric_weights")
    if not data.tranches or sum(data.tranches) != 100 or any(t <= 0 for t in data.tranches):
        problems.append("tranches_sum")
    if data.open_until is not None and data.open_until < data.open_from:
        problems.append("dates_inverted")
    if not 0 <= data.match_ratio_pct <= 500:
        problems.append("match_ratio")
    caps = (data.match_cap_project_fen, data.match_cap_program_fen)
    if (
        any(not 0 <= c <= MAX_FEN for c in caps)
        or (data.match_ratio_pct and not all(caps))
        or data.match_cap_program_fen < data.match_cap_project_fen
    ):
        problems.append("match_caps")
    if not 0 < data.min_grant_fen <= MAX_FEN or not 0 <= data.budget_fen <= MAX_FEN:
        problems.append("amount_not_positive")
    return problems


@transactional
def save_program(actor: User, program: Program | None, data: ProgramData) -> Program:
    """Create or update a program; every rule is checked again here."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    problems = program_problems(data)
    if problems:
        raise DomainError(problems[0])
    if (
        program is not None
        and [dict(c) for c in data.rubric] != program.rubric
        and _reviewed(program)
    ):
        raise DomainError("rubric_in_use")
    creating = program is None
    program = program or Program()
    before = None if creating else snapshot(program, *PROGRAM_FIELDS)
    for name in (
        "name",
        "name_en",
        "purpose",
        "purpose_en",
        "min_grant_fen",
        "max_grant_fen",
        "min_self_share_pct",
        "reviewers_required",
        "disclosure_days",
        "blind_review",
        "budget_fen",
        "match_ratio_pct",
        "match_cap_project_fen",
        "match_cap_program_fen",
        "open_from",
        "open_until",
    ):
        setattr(program, name, getattr(data, name))
    program.legal_forms = [f.value for f in data.legal_forms]
    program.rubric = [dict(c) for c in data.rubric]
    program.tranches = list(data.tranches)
    program.categories = [db.session.get(ServiceCategory, c) for c in data.category_codes]
    program.streets = [db.session.get(Street, s) for s in data.street_codes]
    if None in program.categories or None in program.streets:
        raise DomainError("unknown_reference")
    db.session.add(program)
    db.session.flush()
    record(
        actor,
        "program.create" if creating else "program.update",
        program,
        before=before,
        after=snapshot(program, *PROGRAM_FIELDS),
    )
    return program


def _reviewed(program: Program) -> bool:
    """Whether any review was scored on the program's rubric (its scores follow its order)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Review)
            .join(Review.assignment)
            .join(ReviewAssignment.proposal)
            .where(Proposal.program_id == program.id)
        )
        > 0
    )
