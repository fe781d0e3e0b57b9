"""Endpoints that need a personal access token: an organization's own proposals, an
enterprise's pledges, and the staff's read access to the queue. Every write goes through the
same service as the page that does it, with the same checks."""

import hashlib
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from flask import g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import selectinload

from funding.accounts.models import Role, User
from funding.api import API_PREFIX, TOKEN, schemas
from funding.api.auth import caller, require_role
from funding.api.paging import ListQuery, page
from funding.api.problems import from_domain
from funding.api.public import not_found
from funding.api.schemas import CategoryCode, Currency, Fen, Id, Text
from funding.dates import today
from funding.directory.models import Enterprise
from funding.extensions import db
from funding.money import MAX_FEN
from funding.pledges import services as pledges
from funding.pledges.models import PaymentMethod, Pledge, PledgeTarget, UnusedMoney
from funding.pledges.services import MAX_INSTALMENTS
from funding.proposals import services as proposals
from funding.proposals.models import BudgetCategory, Program, Proposal, ProposalState
from funding.proposals.queue import queue_query, queue_rows
from funding.transactions import DomainError

api = APIBlueprint(
    "api_private",
    __name__,
    url_prefix=API_PREFIX,
    abp_tags=[Tag(name="with a token", description="Needs a personal access token")],
    abp_security=TOKEN,
    abp_responses=schemas.TOKEN_ERRORS,
)
api.register_error_handler(DomainError, from_domain)

#: Operations that change nothing although they are POSTed (a read token may call them).
READS = {"api_private.preview_pledge"}


@api.before_request
def authenticate() -> None:
    """Every operation here needs a token (checked before the request is parsed); writes
    need a read-write one."""
    caller(write=request.method != "GET" and request.endpoint not in READS)


def _user() -> User:
    return g.api_user


Amount = Annotated[int, Field(ge=1, le=MAX_FEN, description="integer fen")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


# --- who am I --------------------------------------------------------------------------------


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str
    party_id: int | None


@api.get("/me", summary="The token's owner", responses={200: Me})
def me():
    user = _user()
    return Me(
        id=user.id, name=user.name, email=user.email, role=user.role.value, party_id=user.party_id
    ).model_dump(mode="json")


# --- proposals -------------------------------------------------------------------------------


class LineIn(BaseModel):
    item: Annotated[Text, Field(min_length=1, max_length=100)]
    category: BudgetCategory
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price_fen: Amount


class OutcomeIn(BaseModel):
    indicator: Annotated[Text, Field(max_length=200)]
    target: Annotated[Text, Field(max_length=200)]


class MemberIn(BaseModel):
    name: Annotated[Text, Field(max_length=50)]
    role: Annotated[Text, Field(max_length=50)]


class ProposalIn(BaseModel):
    """A draft's content; every field may stay empty until submission."""

    title: Annotated[Text, Field(max_length=120)] = ""
    summary: Annotated[Text, Field(max_length=5000)] = ""
    category_code: CategoryCode | None = None
    need_ids: list[Id] = Field(default_factory=list, max_length=20)
    community_ids: list[Id] = Field(default_factory=list, max_length=20)
    direct_beneficiaries: Count | None = None
    indirect_beneficiaries: Count | None = None
    start_date: date | None = None
    end_date: date | None = None
    amount_requested_fen: Amount | None = None
    self_funded_fen: Annotated[int, Field(ge=0, le=MAX_FEN)] | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=50)
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=20)
    team: list[MemberIn] = Field(default_factory=list, max_length=20)
    declaration: bool = False
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="the version read; refused (409) if it moved since"
    )


class NewProposal(BaseModel):
    program_id: Id


class ProposalPath(BaseModel):
    proposal_id: Id


class Decision(BaseModel):
    state: str
    decided_at: datetime | None
    currency: Currency = "CNY"
    approved_amount_fen: Fen | None
    note: str
    disclosure_until: date | None


class ProposalOut(BaseModel):
    id: int
    program_id: int
    organization_id: int
    state: str
    version: int
    title: str
    summary: str
    category_code: str | None
    need_ids: list[int]
    community_ids: list[int]
    direct_beneficiaries: int | None
    indirect_beneficiaries: int | None
    start_date: date | None
    end_date: date | None
    currency: Currency = "CNY"
    amount_requested_fen: Fen | None
    self_funded_fen: Fen | None
    total_budget_fen: Fen
    lines: list[LineIn]
    outcomes: list[dict]
    team: list[dict]
    declaration: bool
    submitted_at: datetime | None
    screening: list[dict] | None = Field(description="each program rule's outcome at submission")
    decision: Decision | None


class ProposalList(BaseModel):
    items: list[ProposalOut]
    next_cursor: str | None


def proposal_out(p: Proposal) -> ProposalOut:
    decided = p.state in (
        ProposalState.APPROVED,
        ProposalState.REJECTED,
        ProposalState.AGREEMENT_SIGNED,
    )
    return ProposalOut(
        id=p.id,
        program_id=p.program_id,
        organization_id=p.organization_id,
        state=p.state.value,
        version=p.version_id,
        title=p.title,
        summary=p.summary,
        category_code=p.category_code,
        need_ids=[n.id for n in p.needs],
        community_ids=[c.id for c in p.communities],
        direct_beneficiaries=p.direct_beneficiaries,
        indirect_beneficiaries=p.indirect_beneficiaries,
        start_date=p.start_date,
        end_date=p.end_date,
        amount_requested_fen=p.amount_requested_fen,
        self_funded_fen=p.self_funded_fen,
        total_budget_fen=p.total_budget_fen,
        lines=[
            LineIn(
                item=b.item,
                category=b.category,
                quantity=b.quantity,
                unit_price_fen=b.unit_price_fen,
            )
            for b in p.budget_lines
        ],
        outcomes=list(p.outcomes),
        team=list(p.team),
        declaration=p.declaration,
        submitted_at=p.submitted_at,
        screening=p.screening,
        decision=Decision(
            state=p.state.value,
            decided_at=p.decided_at,
            approved_amount_fen=p.approved_amount_fen,
            note=p.decision_note,
            disclosure_until=p.disclosure_until,
        )
        if decided
        else None,
    )


def _visible_proposals(user: User) -> sa.Select:
    """An organization's members see its proposals; staff see every one."""
    select = sa.select(Proposal).options(
        selectinload(Proposal.needs),
        selectinload(Proposal.communities),
        selectinload(Proposal.budget_lines),
    )
    if user.is_foundation:
        return select
    require_role(user, Role.ORG_MEMBER)
    return select.where(Proposal.organization_id == (user.party_id or 0))


def _proposal(user: User, proposal_id: int) -> Proposal:
    proposal = db.session.scalar(_visible_proposals(user).where(Proposal.id == proposal_id))
    if proposal is None:
        raise not_found()
    return proposal


def _own_proposal(user: User, proposal_id: int) -> Proposal:
    """A proposal of the caller's organization (staff do not write proposals)."""
    require_role(user, Role.ORG_MEMBER)
    return _proposal(user, proposal_id)


@api.get(
    "/proposals",
    summary="Proposals: your organization's, or every one for staff",
    responses={200: ProposalList},
)
def list_proposals(query: ListQuery):
    user = _user()
    rows, cursor = page(_visible_proposals(user), Proposal.id, query)
    return ProposalList(items=[proposal_out(p) for p in rows], next_cursor=cursor).model_dump(
        mode="json"
    )


@api.post("/proposals", summary="Start a draft", responses={201: ProposalOut})
def create_proposal(body: NewProposal):
    user = _user()
    require_role(user, Role.ORG_MEMBER)
    program = db.session.get(Program, body.program_id)
    if program is None:
        raise not_found()
    proposal = proposals.create_draft(user, program)
    return proposal_out(proposal).model_dump(mode="json"), 201


@api.get(
    "/proposals/<int:proposal_id>",
    summary="One proposal, its screening and decision",
    responses={200: ProposalOut},
)
def get_proposal(path: ProposalPath):
    user = _user()
    return proposal_out(_proposal(user, path.proposal_id)).model_dump(mode="json")


@api.put(
    "/proposals/<int:proposal_id>",
    summary="Save a draft (or a returned proposal)",
    responses={200: ProposalOut},
)
def save_proposal(path: ProposalPath, body: ProposalIn):
    user = _user()
    proposal = _own_proposal(user, path.proposal_id)
    data = proposals.ProposalData(
        title=body.title,
        summary=body.summary,
        category_code=body.category_code,
        need_ids=tuple(body.need_ids),
        community_ids=tuple(body.community_ids),
        direct_beneficiaries=body.direct_beneficiaries,
        indirect_beneficiaries=body.indirect_beneficiaries,
        start_date=body.start_date,
        end_date=body.end_date,
        amount_requested_fen=body.amount_requested_fen,
        self_funded_fen=body.self_funded_fen,
        lines=tuple(
            proposals.Line(line.item, line.category, line.quantity, line.unit_price_fen)
            for line in body.lines
        ),
        outcomes=tuple(o.model_dump() for o in body.outcomes),
        team=tuple(m.model_dump() for m in body.team),
        declaration=body.declaration,
    )
    proposals.save_draft(user, proposal, data, body.version)
    return proposal_out(proposal).model_dump(mode="json")


@api.post(
    "/proposals/<int:proposal_id>/submit",
    summary="Submit for screening",
    responses={200: ProposalOut},
)
def submit_proposal(path: ProposalPath):
    """Runs the program's rules; the screening is in the answer. A proposal that is not
    complete is refused (422) with the fields that need attention."""
    user = _user()
    proposal = _own_proposal(user, path.proposal_id)
    proposals.submit(user, proposal, today())
    return proposal_out(proposal).model_dump(mode="json")


# --- pledges ---------------------------------------------------------------------------------


class InstalmentIn(BaseModel):
    due_date: date
    amount_fen: Amount


class PledgeIn(BaseModel):
    target: PledgeTarget
    amount_fen: Amount
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=MAX_INSTALMENTS)
    program_id: Id | None = None
    category_code: CategoryCode | None = None
    proposal_id: Id | None = None
    tranche_no: Annotated[int, Field(ge=1, le=20)] | None = None
    if_unused: UnusedMoney = UnusedMoney.PROGRAM
    note: Annotated[Text, Field(max_length=500)] = ""

    def data(self) -> pledges.PledgeData:
        return pledges.PledgeData(
            target=self.target,
            amount_fen=self.amount_fen,
            payment_method=self.payment_method,
            instalments=tuple(
                pledges.InstalmentData(i.due_date, i.amount_fen) for i in self.instalments
            ),
            program_id=self.program_id,
            category_code=self.category_code,
            proposal_id=self.proposal_id,
            tranche_no=self.tranche_no,
            if_unused=self.if_unused,
            note=self.note,
        )


class PledgeConfirm(PledgeIn):
    shown_match_fen: Annotated[int, Field(ge=0, le=MAX_FEN)] = Field(
        0, description="the match_fen the preview showed; refused (409) if it changed"
    )


class PreviewOut(BaseModel):
    currency: Currency = "CNY"
    match_fen: Fen
    open_fen: Fen | None = Field(description="what the project still needs, for a project")


class InstalmentOut(BaseModel):
    number: int
    due_date: date
    amount_fen: Fen
    state: str
    matched_fen: Fen


class PledgeOut(BaseModel):
    id: int
    enterprise_id: int
    target: str
    program_id: int | None
    category_code: str | None
    proposal_id: int | None
    state: str
    currency: Currency = "CNY"
    amount_fen: Fen
    promised_match_fen: Fen
    instalments: list[InstalmentOut]


class PledgeList(BaseModel):
    items: list[PledgeOut]
    next_cursor: str | None


class IdempotencyHeader(BaseModel):
    idempotency_key: str = Field(
        alias="Idempotency-Key",
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="repeat a request with the same key to get the first answer, never a "
        "second pledge",
    )


def pledge_out(p: Pledge) -> PledgeOut:
    return PledgeOut(
        id=p.id,
        enterprise_id=p.enterprise_id,
        target=p.target.value,
        program_id=p.program_id,
        category_code=p.category_code,
        proposal_id=p.proposal_id,
        state=p.state.value,
        amount_fen=p.amount_fen,
        promised_match_fen=p.promised_match_fen,
        instalments=[
            InstalmentOut(
                number=i.number,
                due_date=i.due_date,
                amount_fen=i.amount_fen,
                state=i.state.value,
                matched_fen=i.matched_fen,
            )
            for i in p.instalments
        ],
    )


def _enterprise(user: User) -> Enterprise:
    require_role(user, Role.ENTERPRISE_MEMBER)
    enterprise = db.session.get(Enterprise, user.party_id or 0)
    if enterprise is None:
        raise not_found()
    return enterprise


@api.get("/pledges", summary="Your enterprise's pledges", responses={200: PledgeList})
def list_pledges(query: ListQuery):
    enterprise = _enterprise(_user())
    select = (
        sa.select(Pledge)
        .where(Pledge.enterprise_id == enterprise.id)
        .options(selectinload(Pledge.instalments))
    )
    rows, cursor = page(select, Pledge.id, query)
    return PledgeList(items=[pledge_out(p) for p in rows], next_cursor=cursor).model_dump(
        mode="json"
    )


@api.post(
    "/pledges/preview",
    summary="Preview a pledge and its matching gift",
    responses={200: PreviewOut},
)
def preview_pledge(body: PledgeIn):
    """Checks the pledge without making it: the matching gift the program would add and, for
    a project, what it still needs. Confirm with the same body and ``shown_match_fen``."""
    user = _user()
    preview = pledges.preview_pledge(user, _enterprise(user), body.data())
    return PreviewOut(match_fen=preview.match_fen, open_fen=preview.open_fen).model_dump(
        mode="json"
    )


@api.post("/pledges", summary="Confirm a pledge", responses={201: PledgeOut})
def create_pledge(header: IdempotencyHeader, body: PledgeConfirm):
    user = _user()
    enterprise = _enterprise(user)
    # Keys are per user: the same key from someone else is a different request.
    key = hashlib.sha256(f"api:{user.id}:{header.idempotency_key}".encode()).hexdigest()
    pledge = pledges.create_pledge(user, enterprise, body.data(), key, body.shown_match_fen)
    return pledge_out(pledge).model_dump(mode="json"), 201


# --- the staff queue -------------------------------------------------------------------------


class QueueItem(BaseModel):
    proposal_id: int
    title: str
    organization_id: int
    program_id: int
    state: str
    age_days: int
    waits_on: str
    overdue: bool


class QueueList(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


@api.get(
    "/queue", summary="Proposals waiting on the foundation (staff)", responses={200: QueueList}
)
def staff_queue(query: ListQuery):
    user = _user()
    require_role(user, Role.STAFF)
    rows, cursor = page(queue_query().order_by(None), Proposal.id, query)
    items = [
        QueueItem(
            proposal_id=r.proposal.id,
            title=r.proposal.title,
            organization_id=r.proposal.organization_id,
            program_id=r.proposal.program_id,
            state=r.proposal.state.value,
            age_days=r.age_days,
            waits_on=r.waits_on,
            overdue=r.overdue,
        )
        for r in queue_rows(rows)
    ]
    return QueueList(items=items, next_cursor=cursor).model_dump(mode="json")
