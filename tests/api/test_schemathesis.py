"""Schemathesis drives every operation of the OpenAPI document with generated requests,
anonymously and with a token of each role: no answer may be a server error, and every answer
must have a documented status, content type, headers and body.

``SCHEMATHESIS_EXAMPLES`` sets the examples per operation and role (default 6; the run then
takes well under a minute); e.g. ``SCHEMATHESIS_EXAMPLES=200 make test``.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from funding.accounts.models import Role
from funding.api.models import TokenScope
from funding.api.tokens import create_token
from funding.directory.services import load_reference_data
from funding.extensions import db
from funding.pledges.models import PledgeTarget
from funding.proposals.models import ProposalState
from tests import factories
from tests.conftest import _wipe
from tests.funding.money_helpers import (
    approved_proposal,
    matching_program,
    pledge_data,
    promise,
    receive,
    reserve_proposed,
    signed_grant,
)
from tests.funding.test_api_writes import reviewed

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ("org_member", "enterprise_member", "staff")


@pytest.fixture(scope="module")
def tokens(app):
    """A small district (programs, a reserved grant, needs, a pledge, a proposal in the queue
    with a review, a draft) and a read-write token for each role; the rate limit is lifted
    for the run."""
    _wipe()
    load_reference_data()
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    enterprise = factories.user(Role.ENTERPRISE_MEMBER, party=factories.enterprise())
    program = matching_program(
        own_fen=9_000_000, ratio_pct=100, cap_project_fen=1_000_000, cap_program_fen=2_000_000
    )
    grant = signed_grant(staff, member, program, 1_000_000, communities=[factories.community()])
    project = approved_proposal(member, program, 2_000_000)
    pledge = promise(
        enterprise,
        pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=project.id),
    )
    receive(staff, pledge)
    reserve_proposed(staff, grant)
    factories.need()
    factories.proposal(member)
    reviewed(staff)
    factories.proposal(member, state=ProposalState.DRAFT)
    db.session.commit()
    users = {"org_member": member, "enterprise_member": enterprise, "staff": staff}
    made = {
        role: {"Authorization": f"Bearer {create_token(u, role, TokenScope.READ_WRITE, 7)[1]}"}
        for role, u in users.items()
    }
    limit = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = 1_000_000
    yield made
    app.config["API_RATE_LIMIT"] = limit
    db.session.remove()  # end the run's transaction, as the other tests' fixture does


@pytest.fixture(scope="module")
def operations(app, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)


def _examples(operation, mode: GenerationMode, headers: dict | None, sent: dict[str, int]):
    """A hypothesis test sending ``mode`` requests to one operation and checking each answer."""
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @RUN
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
        sent[label] = sent.get(label, 0) + 1

    return run


def drive(operations, headers: dict | None, only_token_operations: bool) -> dict[str, int]:
    """Generated requests (valid ones, then invalid ones) against each operation; returns the
    number of requests sent per operation. A failed check fails the test with the request
    that caused it."""
    sent: dict[str, int] = {}
    for operation in operations:
        if only_token_operations and "with a token" not in (operation.tags or []):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _examples(operation, mode, headers, sent)()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing of it can be made invalid
    return sent


def test_anonymous(operations):
    sent = drive(operations, None, only_token_operations=False)
    print("anonymous", sum(sent.values()), "requests", len(sent), "operations")
    assert len(sent) == len(operations) >= 20


@pytest.mark.parametrize("role", ROLES)
def test_with_a_token(operations, tokens, role):
    sent = drive(operations, tokens[role], only_token_operations=True)
    print(role, sum(sent.values()), "requests", len(sent), "operations")
    assert len(sent) >= 10
