"""The staff exports as JSON with a staff token: proposals, reviews, grants and enterprise
giving, read with the queries of the page exports and paged by id. A page costs the same
number of statements whatever its size (relations load in one statement each)."""

from datetime import datetime

import sqlalchemy as sa
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import joinedload, selectinload

from funding import figures
from funding.accounts.models import Role
from funding.api import API_PREFIX, TOKEN, schemas
from funding.api.auth import require_role
from funding.api.paging import ListQuery, page
from funding.api.private import _user, authenticate
from funding.api.schemas import Currency, Fen, Id
from funding.directory.models import Enterprise
from funding.grants.models import Grant
from funding.proposals.exports import proposals_query, submitted_reviews
from funding.proposals.models import Proposal, ProposalState
from funding.reviews.models import ReviewAssignment
from funding.reviews.services import weighted_total

api = APIBlueprint(
    "api_exports",
    __name__,
    url_prefix=API_PREFIX + "/exports",
    abp_tags=[Tag(name="with a token", description="Needs a personal access token")],
    abp_security=TOKEN,
    abp_responses=schemas.TOKEN_ERRORS,
)


@api.before_request
def staff_only() -> None:
    """A token of a staff member (read scope is enough: these only read)."""
    authenticate()
    require_role(_user(), Role.STAFF, Role.ADMIN)


class ExportQuery(ListQuery):
    program: Id | None = Field(None, description="only this program's proposals")
    state: ProposalState | None = Field(None, description="only proposals in this state")

    def params(self) -> dict:
        """The filters as the page exports take them."""
        return {"program": self.program, "state": self.state}


# --- proposals -------------------------------------------------------------------------------


class ProposalRow(BaseModel):
    id: int
    program_id: int
    organization_id: int
    organization: str
    credit_code: str
    title: str
    category_code: str | None
    state: str
    submitted_at: datetime | None
    currency: Currency = "CNY"
    total_budget_fen: Fen
    amount_requested_fen: Fen | None
    self_funded_fen: Fen | None
    approved_amount_fen: Fen | None


class ProposalRows(BaseModel):
    items: list[ProposalRow]
    next_cursor: str | None


@api.get(
    "/proposals", summary="Proposals, as the staff export (staff)", responses={200: ProposalRows}
)
def export_proposals(query: ExportQuery):
    rows, cursor = page(proposals_query(query.params()), Proposal.id, query)
    items = [
        ProposalRow(
            id=p.id,
            program_id=p.program_id,
            organization_id=p.organization_id,
            organization=p.organization.name,
            credit_code=p.organization.credit_code,
            title=p.title,
            category_code=p.category_code,
            state=p.state.value,
            submitted_at=p.submitted_at,
            total_budget_fen=p.total_budget_fen,
            amount_requested_fen=p.amount_requested_fen,
            self_funded_fen=p.self_funded_fen,
            approved_amount_fen=p.approved_amount_fen,
        )
        for p in rows
    ]
    return ProposalRows(items=items, next_cursor=cursor).model_dump(mode="json")


# --- reviews ---------------------------------------------------------------------------------


class Score(BaseModel):
    criterion: str
    criterion_en: str
    weight: int
    score: int


class ReviewRow(BaseModel):
    id: int = Field(description="the review assignment")
    proposal_id: int
    title: str
    organization: str
    reviewer_id: int
    reviewer: str
    scores: list[Score]
    weighted_total: int = Field(description="out of 100")
    recommendation: str
    comment: str
    submitted_at: datetime


class ReviewRows(BaseModel):
    items: list[ReviewRow]
    next_cursor: str | None


@api.get(
    "/reviews",
    summary="Submitted reviews, as the staff export (staff)",
    responses={200: ReviewRows},
)
def export_reviews(query: ExportQuery):
    select = submitted_reviews(query.params()).options(
        selectinload(ReviewAssignment.review),
        selectinload(ReviewAssignment.reviewer),
        selectinload(ReviewAssignment.proposal).selectinload(Proposal.organization),
        selectinload(ReviewAssignment.proposal).selectinload(Proposal.program),
    )
    rows, cursor = page(select, ReviewAssignment.id, query)
    items = []
    for a in rows:
        p, r = a.proposal, a.review
        items.append(
            ReviewRow(
                id=a.id,
                proposal_id=p.id,
                title=p.title,
                organization=p.organization.name,
                reviewer_id=a.reviewer_id,
                reviewer=a.reviewer.name,
                scores=[
                    Score(
                        criterion=c["name"],
                        criterion_en=c.get("name_en", ""),
                        weight=c["weight"],
                        score=s["score"],
                    )
                    for c, s in zip(p.program.rubric, r.scores, strict=True)
                ],
                weighted_total=weighted_total(p, r),
                recommendation=r.recommendation.value,
                comment=r.comment,
                submitted_at=r.submitted_at,
            )
        )
    return ReviewRows(items=items, next_cursor=cursor).model_dump(mode="json")


# --- grants ----------------------------------------------------------------------------------


class GrantRow(BaseModel):
    id: int
    proposal_id: int
    title: str
    organization_id: int
    organization: str
    program_id: int
    state: str
    currency: Currency = "CNY"
    amount_fen: Fen = Field(description="= paid + reserved + returned + unreserved")
    paid_fen: Fen
    reserved_fen: Fen
    returned_fen: Fen
    unreserved_fen: Fen


class GrantRows(BaseModel):
    items: list[GrantRow]
    next_cursor: str | None


@api.get(
    "/grants", summary="Grants and their money, as the export (staff)", responses={200: GrantRows}
)
def export_grants(query: ListQuery):
    select = sa.select(Grant).options(joinedload(Grant.proposal).joinedload(Proposal.organization))
    rows, cursor = page(select, Grant.id, query)
    items = [
        GrantRow(
            id=m.grant.id,
            proposal_id=m.grant.proposal_id,
            title=m.grant.proposal.title,
            organization_id=m.grant.proposal.organization_id,
            organization=m.grant.proposal.organization.name,
            program_id=m.grant.proposal.program_id,
            state=m.grant.state.value,
            amount_fen=m.amount_fen,
            paid_fen=m.paid_fen,
            reserved_fen=m.reserved_fen,
            returned_fen=m.returned_fen,
            unreserved_fen=m.unreserved_fen,
        )
        for m in figures.grant_money(rows)
    ]
    return GrantRows(items=items, next_cursor=cursor).model_dump(mode="json")


# --- enterprise giving -----------------------------------------------------------------------


class GivingRow(BaseModel):
    enterprise_id: int
    enterprise: str
    public_listing: bool
    currency: Currency = "CNY"
    pledged_fen: Fen = Field(description="= received + due")
    received_fen: Fen = Field(description="= paid + reserved + waiting + refunded")
    due_fen: Fen
    paid_fen: Fen
    reserved_fen: Fen
    waiting_fen: Fen
    refunded_fen: Fen
    matched_fen: Fen


class GivingRows(BaseModel):
    items: list[GivingRow]
    next_cursor: str | None


@api.get(
    "/enterprise-giving",
    summary="Every enterprise's gifts followed through the ledger (staff)",
    responses={200: GivingRows},
)
def export_giving(query: ListQuery):
    """All enterprises, listed publicly or not (the public table shows only the listed)."""
    rows, cursor = page(sa.select(Enterprise), Enterprise.id, query)
    money = figures.giving(enterprise_ids=[e.id for e in rows])
    items = []
    for e in rows:
        m = money.get(e.id) or figures.Giving(key=e.id)
        items.append(
            GivingRow(
                enterprise_id=e.id,
                enterprise=e.name,
                public_listing=e.public_listing,
                pledged_fen=m.pledged_fen,
                received_fen=m.received_fen,
                due_fen=m.due_fen,
                paid_fen=m.paid_fen,
                reserved_fen=m.reserved_fen,
                waiting_fen=m.waiting_fen,
                refunded_fen=m.refunded_fen,
                matched_fen=m.matched_fen,
            )
        )
    return GivingRows(items=items, next_cursor=cursor).model_dump(mode="json")
