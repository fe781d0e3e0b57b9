"""An organization's own work with a read-write token: files on its drafts, its grants with
their tranches, and tranche requests with the progress report. Each write calls the service
the page calls, so the checks, the audit record and the notifications are the same."""

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from flask_openapi3 import APIBlueprint, FileStorage, Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import selectinload

from funding.accounts.models import Role, User
from funding.api import API_PREFIX, TOKEN, schemas
from funding.api.auth import require_role
from funding.api.paging import ListQuery, page
from funding.api.private import ProposalPath, _own_proposal, _user, authenticate
from funding.api.problems import ApiError, from_domain
from funding.api.public import not_found
from funding.api.schemas import Currency, Fen, Id, Text
from funding.extensions import db
from funding.grants import tranches
from funding.grants.models import Grant, Tranche
from funding.grants.tranches import MAX_BENEFICIARIES
from funding.i18n import lazy as _l
from funding.money import MAX_FEN
from funding.proposals.attachments import add_attachment
from funding.proposals.models import Proposal
from funding.transactions import DomainError

api = APIBlueprint(
    "api_organization",
    __name__,
    url_prefix=API_PREFIX,
    abp_tags=[Tag(name="with a token", description="Needs a personal access token")],
    abp_security=TOKEN,
    abp_responses=schemas.TOKEN_ERRORS,
)
api.register_error_handler(DomainError, from_domain)
api.before_request(authenticate)


# --- attachments -----------------------------------------------------------------------------


class AttachmentForm(BaseModel):
    file: FileStorage = Field(description="PDF, PNG, JPEG, Word or Excel, at most 10 MB")


class AttachmentOut(BaseModel):
    id: int
    proposal_id: int
    name: str
    content_type: str
    size: int
    sha256: str


@api.post(
    "/proposals/<int:proposal_id>/attachments",
    summary="Attach a file to your draft",
    responses={
        201: AttachmentOut,
        413: schemas.problem_response("The file is larger than 10 MB"),
    },
)
def upload_attachment(path: ProposalPath, form: AttachmentForm):
    """The page's checks: the type is read from the file's bytes and must agree with its
    name; a file above the limit is refused with 413 and nothing is stored."""
    user = _user()
    proposal = _own_proposal(user, path.proposal_id)
    item = add_attachment(user, proposal, form.file.filename or "", form.file.stream)
    return AttachmentOut(
        id=item.id,
        proposal_id=proposal.id,
        name=item.original_name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
    ).model_dump(mode="json"), 201


# --- grants and tranches ---------------------------------------------------------------------


class TrancheOut(BaseModel):
    number: int
    state: str
    currency: Currency = "CNY"
    amount_fen: Fen
    paid_fen: Fen | None
    requested_at: datetime | None
    paid_at: datetime | None
    note: str
    report: dict = Field(description="the progress report sent with the request")


class OwnGrantOut(BaseModel):
    id: int
    proposal_id: int
    title: str
    state: str
    currency: Currency = "CNY"
    amount_fen: Fen
    reserved: bool
    tranches: list[TrancheOut]


class OwnGrantList(BaseModel):
    items: list[OwnGrantOut]
    next_cursor: str | None


class GrantPath(BaseModel):
    grant_id: Id


class TranchePath(BaseModel):
    grant_id: Id
    number: Annotated[int, Field(ge=1, le=20)]


class SpentIn(BaseModel):
    position: Annotated[int, Field(ge=0, le=200, description="the budget line's position")]
    amount_fen: Annotated[int, Field(ge=0, le=MAX_FEN)]


class TrancheRequestIn(BaseModel):
    activities: Annotated[Text, Field(min_length=1, max_length=5000)]
    beneficiaries_served: Annotated[int, Field(ge=0, le=MAX_BENEFICIARIES)]
    spent: list[SpentIn] = Field(
        default_factory=list, max_length=200, description="grant money spent per budget line"
    )
    final: bool = Field(False, description="this is the final report (结项报告)")


def tranche_out(t: Tranche) -> TrancheOut:
    return TrancheOut(
        number=t.number,
        state=t.state.value,
        amount_fen=t.amount_fen,
        paid_fen=t.paid_fen,
        requested_at=t.requested_at,
        paid_at=t.paid_at,
        note=t.note,
        report=t.report or {},
    )


def grant_out(grant: Grant) -> OwnGrantOut:
    return OwnGrantOut(
        id=grant.id,
        proposal_id=grant.proposal_id,
        title=grant.proposal.title,
        state=grant.state.value,
        amount_fen=grant.amount_fen,
        reserved=grant.reserved_at is not None,
        tranches=[tranche_out(t) for t in grant.tranches],
    )


def _own_grants(user: User) -> sa.Select:
    """The grants of the caller's organization, with what the answer reads loaded at once."""
    require_role(user, Role.ORG_MEMBER)
    return (
        sa.select(Grant)
        .join(Grant.proposal)
        .where(Proposal.organization_id == (user.party_id or 0))
        .options(
            selectinload(Grant.tranches),
            selectinload(Grant.proposal).selectinload(Proposal.budget_lines),
        )
    )


def _own_grant(user: User, grant_id: int) -> Grant:
    """Another organization's grant is not found, as one that does not exist."""
    grant = db.session.scalar(_own_grants(user).where(Grant.id == grant_id))
    if grant is None:
        raise not_found()
    return grant


@api.get(
    "/organization/grants",
    summary="Your organization's grants and their tranches",
    responses={200: OwnGrantList},
)
def list_own_grants(query: ListQuery):
    rows, cursor = page(_own_grants(_user()), Grant.id, query)
    return OwnGrantList(items=[grant_out(g) for g in rows], next_cursor=cursor).model_dump(
        mode="json"
    )


@api.get(
    "/organization/grants/<int:grant_id>",
    summary="One of your organization's grants with its tranches and reports",
    responses={200: OwnGrantOut},
)
def get_own_grant(path: GrantPath):
    return grant_out(_own_grant(_user(), path.grant_id)).model_dump(mode="json")


@api.post(
    "/organization/grants/<int:grant_id>/tranches/<int:number>/request",
    summary="Request a tranche with your progress report (资金申领)",
    responses={200: TrancheOut},
)
def request_tranche(path: TranchePath, body: TrancheRequestIn):
    """The page's rules: tranches in order, the mid-term review before the second, the final
    report with the last; spending only on the project's budget lines and within them."""
    user = _user()
    grant = _own_grant(user, path.grant_id)
    tranche: Tranche | None = next((t for t in grant.tranches if t.number == path.number), None)
    if tranche is None:
        raise not_found()
    spent = {item.position: item.amount_fen for item in body.spent}
    if len(spent) != len(body.spent):
        raise ApiError(422, "invalid_request", str(_l("Name each budget line once.")))
    report = tranches.Report(
        activities=body.activities,
        beneficiaries_served=body.beneficiaries_served,
        spent=spent,
        final=body.final,
    )
    tranches.request_tranche(user, tranche, report)
    return tranche_out(tranche).model_dump(mode="json")
