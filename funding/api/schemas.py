"""What the API answers with: pydantic models, from which the OpenAPI document is made.
Money is integer fen (``*_fen``) beside ``currency``."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from funding.api.problems import MEDIA_TYPE

Currency = Literal["CNY"]
Fen = Annotated[int, Field(description="integer fen (1/100 yuan)")]
#: Text without control characters (a database refuses NUL bytes).
Text = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
StreetCode = Annotated[str, Field(pattern=r"^[0-9]{1,12}$")]
CategoryCode = Annotated[str, Field(pattern=r"^[A-Z]{1,2}$")]


def problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: Errors every operation may answer with.
ERRORS = {
    # the site-wide input guard: control characters in the path, query or body
    "400": problem_response("The request holds characters no text may hold"),
    "404": problem_response("Not found"),
    # an id beyond what an id column holds matches no address of this method
    "405": problem_response("Not an address this method answers"),
    "422": problem_response("The request is not valid"),
}
#: And those of operations that need a token.
TOKEN_ERRORS = {
    **ERRORS,
    "401": problem_response("No usable token"),
    "403": problem_response("Not allowed"),
    "409": problem_response("Refused in the current state of things"),
    "429": {
        **problem_response("Too many requests with this token"),
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
    },
}


class Ref(BaseModel):
    code: str
    name: str
    name_en: str


class ProgramRules(BaseModel):
    min_grant_fen: Fen
    max_grant_fen: Fen
    min_self_share_pct: int
    match_ratio_pct: int
    match_cap_project_fen: Fen
    match_cap_program_fen: Fen
    tranches_pct: list[int]
    disclosure_days: int
    legal_forms: list[str]
    categories: list[str]
    streets: list[str]


class ProgramMoney(BaseModel):
    """The program's public figures (defined in ``funding.figures``)."""

    currency: Currency = "CNY"
    raised_fen: Fen
    from_shared_fen: Fen
    refunded_fen: Fen
    paid_fen: Fen
    reserved_fen: Fen
    for_projects_fen: Fen
    committed_fen: Fen
    available_fen: Fen
    matched_fen: Fen
    due_fen: Fen


class ProgramOut(BaseModel):
    id: int
    name: str
    name_en: str
    purpose: str
    purpose_en: str
    open_from: date
    open_until: date | None
    is_open: bool
    rules: ProgramRules
    money: ProgramMoney


class ProgramList(BaseModel):
    items: list[ProgramOut]
    next_cursor: str | None


class PartyRef(BaseModel):
    id: int
    name: str
    credit_code: str


class CommunityRef(BaseModel):
    id: int
    name: str
    street_code: str


class GrantOut(BaseModel):
    id: int
    proposal_id: int
    title: str
    organization: PartyRef
    program_id: int
    category_code: str | None
    communities: list[CommunityRef]
    state: str
    signed_on: date
    currency: Currency = "CNY"
    amount_fen: Fen
    paid_fen: Fen
    reserved_fen: Fen
    returned_fen: Fen
    unreserved_fen: Fen


class GrantList(BaseModel):
    items: list[GrantOut]
    next_cursor: str | None


class NeedOut(BaseModel):
    id: int
    title: str
    description: str
    community: CommunityRef
    category_code: str
    beneficiaries: int
    currency: Currency = "CNY"
    budget_estimate_fen: Fen
    source: str
    status: str
    created_on: date


class NeedList(BaseModel):
    items: list[NeedOut]
    next_cursor: str | None


class PartyOut(BaseModel):
    id: int
    kind: str
    name: str
    credit_code: str
    legal_form: str | None
    description: str
    categories: list[str]
    streets: list[str]


class PartyList(BaseModel):
    items: list[PartyOut]
    next_cursor: str | None


class SharedFunds(BaseModel):
    currency: Currency = "CNY"
    raised_fen: Fen
    to_grants_fen: Fen
    available_fen: Fen


class GrantTotals(BaseModel):
    currency: Currency = "CNY"
    grants: int
    amount_fen: Fen
    paid_fen: Fen
    reserved_fen: Fen
    returned_fen: Fen
    unreserved_fen: Fen


class ProgramFigures(ProgramMoney):
    program_id: int
    name: str


class Transparency(BaseModel):
    programs: list[ProgramFigures]
    shared_funds: SharedFunds
    grants: GrantTotals
