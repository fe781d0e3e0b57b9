"""Public endpoints, no token: programs with their rules and money, grants, needs, the
organizations' and enterprises' public profiles, and the transparency figures."""

from datetime import datetime

import sqlalchemy as sa
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlalchemy.orm import joinedload, selectinload

from funding import figures
from funding.api import API_PREFIX, schemas
from funding.api.paging import ListQuery, page
from funding.api.problems import ApiError, from_domain
from funding.api.schemas import CategoryCode, Id, StreetCode
from funding.dates import DISTRICT_ZONE, today
from funding.directory.models import (
    Community,
    Enterprise,
    Need,
    NeedStatus,
    Organization,
    Party,
    party_categories,
    party_streets,
)
from funding.extensions import db
from funding.grants.models import Grant, GrantState
from funding.i18n import lazy as _l
from funding.proposals.models import Program, Proposal, proposal_communities
from funding.transactions import DomainError

api = APIBlueprint(
    "api_public",
    __name__,
    url_prefix=API_PREFIX,
    abp_tags=[Tag(name="open data", description="Public, no token needed")],
    abp_responses=schemas.ERRORS,
)
api.register_error_handler(DomainError, from_domain)


def not_found() -> ApiError:
    return ApiError(404, "not_found", str(_l("There is no such item, or it is not public.")))


def _year_bounds(column, year: int):
    start = datetime(year, 1, 1, tzinfo=DISTRICT_ZONE)
    end = datetime(year + 1, 1, 1, tzinfo=DISTRICT_ZONE)
    return sa.and_(column >= start, column < end)


# --- programs --------------------------------------------------------------------------------


class ProgramPath(BaseModel):
    program_id: Id


def program_out(program: Program, money: figures.ProgramMoney) -> schemas.ProgramOut:
    return schemas.ProgramOut(
        id=program.id,
        name=program.name,
        name_en=program.name_en,
        purpose=program.purpose,
        purpose_en=program.purpose_en,
        open_from=program.open_from,
        open_until=program.open_until,
        is_open=program.is_open(today()),
        rules=schemas.ProgramRules(
            min_grant_fen=program.min_grant_fen,
            max_grant_fen=program.max_grant_fen,
            min_self_share_pct=program.min_self_share_pct,
            match_ratio_pct=program.match_ratio_pct,
            match_cap_project_fen=program.match_cap_project_fen,
            match_cap_program_fen=program.match_cap_program_fen,
            tranches_pct=list(program.tranches),
            disclosure_days=program.disclosure_days,
            legal_forms=list(program.legal_forms),
            categories=[c.code for c in program.categories],
            streets=[s.code for s in program.streets],
        ),
        money=program_money(money),
    )


def program_money(m: figures.ProgramMoney) -> schemas.ProgramMoney:
    return schemas.ProgramMoney(
        raised_fen=m.raised_fen,
        from_shared_fen=m.from_shared_fen,
        refunded_fen=m.refunded_fen,
        paid_fen=m.paid_fen,
        reserved_fen=m.reserved_fen,
        for_projects_fen=m.for_projects_fen,
        committed_fen=m.committed_fen,
        available_fen=m.available_fen,
        matched_fen=m.matched_fen,
        due_fen=m.due_fen,
    )


@api.get(
    "/programs",
    summary="Programs, their rules and public money figures",
    responses={200: schemas.ProgramList},
)
def list_programs(query: ListQuery):
    """Every funding program, in id order."""
    rows, cursor = page(
        sa.select(Program).options(selectinload(Program.categories), selectinload(Program.streets)),
        Program.id,
        query,
    )
    money = {m.program.id: m for m in figures.program_money()}
    items = [program_out(p, money[p.id]) for p in rows]
    return schemas.ProgramList(items=items, next_cursor=cursor).model_dump(mode="json")


@api.get("/programs/<int:program_id>", summary="One program", responses={200: schemas.ProgramOut})
def get_program(path: ProgramPath):
    """One program with its rules and money."""
    program = db.session.get(Program, path.program_id)
    if program is None:
        raise not_found()
    money = next(m for m in figures.program_money() if m.program.id == program.id)
    return program_out(program, money).model_dump(mode="json")


# --- grants ----------------------------------------------------------------------------------


class GrantQuery(ListQuery):
    street: StreetCode | None = None
    category: CategoryCode | None = None
    program: Id | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="year the agreement was signed")
    state: GrantState | None = None


class GrantPath(BaseModel):
    grant_id: Id


def _community(c: Community) -> schemas.CommunityRef:
    return schemas.CommunityRef(id=c.id, name=c.name, street_code=c.street_code)


def grant_out(m: figures.GrantMoney) -> schemas.GrantOut:
    grant, proposal = m.grant, m.grant.proposal
    return schemas.GrantOut(
        id=grant.id,
        proposal_id=proposal.id,
        title=proposal.title,
        organization=schemas.PartyRef(
            id=proposal.organization.id,
            name=proposal.organization.name,
            credit_code=proposal.organization.credit_code,
        ),
        program_id=proposal.program_id,
        category_code=proposal.category_code,
        communities=[_community(c) for c in proposal.communities],
        state=grant.state.value,
        signed_on=grant.created_at.astimezone(DISTRICT_ZONE).date(),
        amount_fen=m.amount_fen,
        paid_fen=m.paid_fen,
        reserved_fen=m.reserved_fen,
        returned_fen=m.returned_fen,
        unreserved_fen=m.unreserved_fen,
    )


def _grants() -> sa.Select:
    return sa.select(Grant).options(
        joinedload(Grant.proposal).joinedload(Proposal.organization),
        joinedload(Grant.proposal).selectinload(Proposal.communities),
    )


@api.get(
    "/grants",
    summary="Grants (signed agreements) and their money",
    responses={200: schemas.GrantList},
)
def list_grants(query: GrantQuery):
    """Every grant, filtered by street, service category, program, year or state."""
    select = _grants().join(Grant.proposal)
    if query.street:
        select = select.where(
            Proposal.id.in_(
                sa.select(proposal_communities.c.proposal_id)
                .join(Community, Community.id == proposal_communities.c.community_id)
                .where(Community.street_code == query.street)
            )
        )
    if query.category:
        select = select.where(Proposal.category_code == query.category)
    if query.program:
        select = select.where(Proposal.program_id == query.program)
    if query.year:
        select = select.where(_year_bounds(Grant.created_at, query.year))
    if query.state:
        select = select.where(Grant.state == query.state)
    rows, cursor = page(select, Grant.id, query)
    items = [grant_out(m) for m in figures.grant_money(rows)]
    return schemas.GrantList(items=items, next_cursor=cursor).model_dump(mode="json")


@api.get("/grants/<int:grant_id>", summary="One grant", responses={200: schemas.GrantOut})
def get_grant(path: GrantPath):
    """One grant and what became of its money."""
    grant = db.session.scalar(_grants().where(Grant.id == path.grant_id))
    if grant is None:
        raise not_found()
    return grant_out(figures.grant_money([grant])[0]).model_dump(mode="json")


# --- needs -----------------------------------------------------------------------------------


class NeedQuery(ListQuery):
    street: StreetCode | None = None
    category: CategoryCode | None = None
    state: NeedStatus | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="year the need was posted")


class NeedPath(BaseModel):
    need_id: Id


def need_out(need: Need) -> schemas.NeedOut:
    return schemas.NeedOut(
        id=need.id,
        title=need.title,
        description=need.description,
        community=_community(need.community),
        category_code=need.category_code,
        beneficiaries=need.beneficiaries,
        budget_estimate_fen=need.budget_estimate_fen,
        source=need.source.value,
        status=need.status.value,
        created_on=need.created_at.astimezone(DISTRICT_ZONE).date(),
    )


@api.get("/needs", summary="Community needs", responses={200: schemas.NeedList})
def list_needs(query: NeedQuery):
    """Residents' needs posted by the communities."""
    select = sa.select(Need).join(Need.community).options(joinedload(Need.community))
    if query.street:
        select = select.where(Community.street_code == query.street)
    if query.category:
        select = select.where(Need.category_code == query.category)
    if query.state:
        select = select.where(Need.status == query.state)
    if query.year:
        select = select.where(_year_bounds(Need.created_at, query.year))
    rows, cursor = page(select, Need.id, query)
    return schemas.NeedList(items=[need_out(n) for n in rows], next_cursor=cursor).model_dump(
        mode="json"
    )


@api.get("/needs/<int:need_id>", summary="One need", responses={200: schemas.NeedOut})
def get_need(path: NeedPath):
    need = db.session.get(Need, path.need_id)
    if need is None:
        raise not_found()
    return need_out(need).model_dump(mode="json")


# --- organizations and enterprises -----------------------------------------------------------


class PartyQuery(ListQuery):
    street: StreetCode | None = None
    category: CategoryCode | None = None


class PartyPath(BaseModel):
    party_id: Id


def party_out(party: Party) -> schemas.PartyOut:
    return schemas.PartyOut(
        id=party.id,
        kind=party.kind.value,
        name=party.name,
        credit_code=party.credit_code,
        legal_form=party.legal_form.value if isinstance(party, Organization) else None,
        description=party.description,
        categories=[c.code for c in party.categories],
        streets=[s.code for s in party.streets],
    )


def _public(model) -> sa.Select:
    """Verified parties (and, for enterprises, those that agreed to be listed)."""
    select = sa.select(model).where(model.verified_at.is_not(None))
    if model is Enterprise:
        select = select.where(Enterprise.public_listing)
    return select.options(selectinload(model.categories), selectinload(model.streets))


def _parties(model, query: PartyQuery) -> dict:
    select = _public(model)
    if query.street:
        select = select.where(
            model.id.in_(
                sa.select(party_streets.c.party_id).where(
                    party_streets.c.street_code == query.street
                )
            )
        )
    if query.category:
        select = select.where(
            model.id.in_(
                sa.select(party_categories.c.party_id).where(
                    party_categories.c.category_code == query.category
                )
            )
        )
    rows, cursor = page(select, model.id, query)
    return schemas.PartyList(items=[party_out(p) for p in rows], next_cursor=cursor).model_dump(
        mode="json"
    )


def _party(model, party_id: int) -> dict:
    party = db.session.scalar(_public(model).where(model.id == party_id))
    if party is None:
        raise not_found()
    return party_out(party).model_dump(mode="json")


@api.get(
    "/organizations", summary="Verified social organizations", responses={200: schemas.PartyList}
)
def list_organizations(query: PartyQuery):
    return _parties(Organization, query)


@api.get(
    "/organizations/<int:party_id>",
    summary="An organization's public profile",
    responses={200: schemas.PartyOut},
)
def get_organization(path: PartyPath):
    return _party(Organization, path.party_id)


@api.get("/enterprises", summary="Listed enterprises", responses={200: schemas.PartyList})
def list_enterprises(query: PartyQuery):
    return _parties(Enterprise, query)


@api.get(
    "/enterprises/<int:party_id>",
    summary="An enterprise's public profile",
    responses={200: schemas.PartyOut},
)
def get_enterprise(path: PartyPath):
    return _party(Enterprise, path.party_id)


# --- transparency ----------------------------------------------------------------------------


@api.get("/transparency", summary="The public money figures", responses={200: schemas.Transparency})
def transparency():
    """Each program's money, the shared funds and the grants' totals (``funding.figures``)."""
    shared = figures.shared_funds()
    totals = figures.grant_totals(figures.grant_money())
    return schemas.Transparency(
        programs=[
            schemas.ProgramFigures(
                program_id=m.program.id, name=m.program.name, **program_money(m).model_dump()
            )
            for m in figures.program_money()
        ],
        shared_funds=schemas.SharedFunds(
            raised_fen=shared.raised_fen,
            to_grants_fen=shared.to_grants_fen,
            available_fen=shared.available_fen,
        ),
        grants=schemas.GrantTotals(
            grants=totals.grants,
            amount_fen=totals.amount_fen,
            paid_fen=totals.paid_fen,
            reserved_fen=totals.reserved_fen,
            returned_fen=totals.returned_fen,
            unreserved_fen=totals.unreserved_fen,
        ),
    ).model_dump(mode="json")
