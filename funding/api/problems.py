"""Errors as RFC 9457 problem details (``application/problem+json``) with a stable ``code``."""

from flask import Response, json
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from funding.messages import MESSAGES, message
from funding.transactions import DomainError

PROBLEM_TYPE = "urn:linkage:problem:"
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """A problem detail (RFC 9457); ``code`` is stable, ``detail`` is in the caller's language."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict] | None = None


class ApiError(Exception):
    """Answer the API request with a problem (raised by the API's own checks)."""

    def __init__(self, status: int, code: str, detail: str, headers: dict | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers

    def response(self) -> Response:
        return problem(self.status, self.code, self.detail, headers=self.headers)


#: A stable code for each HTTP error the API answers with.
HTTP_CODES = {
    400: "bad_request",
    401: "token_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


def problem(
    status: int,
    code: str,
    detail: str,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers)


def from_http(error: HTTPException) -> Response:
    status = error.code or 500
    code = HTTP_CODES.get(status, "error")
    return problem(status, code, error.description or code, headers=dict(error.get_headers()))


def from_domain(error: DomainError) -> Response:
    """A business rule refused the action: 409 for the state of things, 422 for the input
    (unless the refusal has an HTTP status of its own)."""
    status = STATUSES.get(error.code, 409 if error.code in CONFLICTS else 422)
    detail = message(error.code, **error.details) if error.code in MESSAGES else error.code
    errors = getattr(error, "errors", None)
    listed = [{"field": f, "codes": c} for f, c in errors.items()] if errors else None
    return problem(status, error.code, str(detail), listed)


#: Domain refusals that HTTP names exactly.
STATUSES = {"forbidden": 403, "attachment_too_large": 413}

#: Domain refusals caused by the state of things rather than by the request's content.
CONFLICTS = {
    "transition_not_allowed",
    "proposal_changed",
    "match_changed",
    "pledge_changed",
    "program_closed",
    "party_not_verified",
    "key_reused",
}


def validation_problem(error: ValidationError) -> Response:
    """The request did not match the documented parameters or body (flask-openapi3 calls this)."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    return problem(422, "invalid_request", _("The request is not valid."), errors)
