"""The API's organization writes (files on drafts, tranche requests) and the staff exports as
JSON: the same services and checks as the pages, per-object 404s, problem details, and
pages whose statement count does not grow with their size."""

import gc
import io
import warnings

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.api.models import TokenScope
from funding.audit.models import AuditRecord
from funding.extensions import db
from funding.grants.models import TrancheState
from funding.pledges.models import PledgeTarget
from funding.proposals.attachments import MAX_BYTES
from funding.proposals.models import Attachment, ProposalState
from funding.reviews import services as reviews
from funding.reviews.models import Recommendation
from tests import factories
from tests.funding.money_helpers import (
    matching_program,
    pledge_data,
    promise,
    receive,
    reserve_proposed,
    signed_grant,
)
from tests.funding.statements import get_counting
from tests.funding.test_api import bearer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(client, proposal_id: int, name: str, data: bytes, headers: dict):
    return client.post(
        f"/api/v1/proposals/{proposal_id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def _refused_upload(client, proposal_id: int, data: bytes, headers: dict) -> tuple[int, dict]:
    """A large upload's status and problem; Werkzeug leaves the spooled upload of a refused
    request to the garbage collector."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        response = _upload(client, proposal_id, "big.pdf", data, headers)
        assert response.headers["Content-Type"] == "application/problem+json"
        status, body = response.status_code, response.get_json()
        del response
        gc.collect()
    return status, body


def test_an_organization_attaches_files_to_its_own_draft_only(make, client, app):
    member = make.user(Role.ORG_MEMBER)
    draft = make.proposal(member, state=ProposalState.DRAFT)
    headers = bearer(member)
    made = _upload(client, draft.id, "计划书.pdf", PDF, headers)
    assert made.status_code == 201
    body = made.get_json()
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF)
    stored = db.session.get(Attachment, body["id"])
    assert stored.proposal_id == draft.id and stored.original_name == "计划书.pdf"
    assert db.session.scalar(
        sa.select(AuditRecord).where(
            AuditRecord.action == "attachment.add", AuditRecord.actor_id == member.id
        )
    )

    disguised = _upload(client, draft.id, "plan.pdf", PNG, headers)  # a PNG named .pdf
    assert disguised.status_code == 422
    assert disguised.headers["Content-Type"] == "application/problem+json"
    assert disguised.get_json()["code"] == "attachment_content"
    assert _upload(client, draft.id, "run.exe", PDF, headers).get_json()["code"] == (
        "attachment_type"
    )
    big = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    status, body = _refused_upload(client, draft.id, big, headers)
    assert status == 413 and body["code"] == "attachment_too_large"
    app.config["MAX_CONTENT_LENGTH"], limit = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        status, body = _refused_upload(client, draft.id, big, headers)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert status == 413 and body["code"] == "too_large"

    other = make.user(Role.ORG_MEMBER)
    assert _upload(client, draft.id, "x.pdf", PDF, bearer(other)).status_code == 404
    staff = make.user(Role.STAFF)
    assert _upload(client, draft.id, "x.pdf", PDF, bearer(staff)).status_code == 403
    read_only = bearer(member, TokenScope.READ)
    assert _upload(client, draft.id, "x.pdf", PDF, read_only).status_code == 403
    draft.state = ProposalState.SCREENING
    db.session.commit()
    submitted = _upload(client, draft.id, "late.pdf", PDF, headers)
    assert submitted.status_code == 403 and submitted.get_json()["code"] == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


@pytest.fixture
def grant(make):
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=9_000_000, ratio_pct=0)
    made = signed_grant(staff, member, program, 1_000_000)
    return {"grant": made, "member": member, "staff": staff}


def test_an_organization_reads_its_grants_and_requests_a_tranche(grant, make, client):
    made, member = grant["grant"], grant["member"]
    headers = bearer(member)
    listed = client.get("/api/v1/organization/grants", headers=headers).get_json()
    assert [g["id"] for g in listed["items"]] == [made.id]
    one = listed["items"][0]
    assert [t["amount_fen"] for t in one["tranches"]] == [500_000, 300_000, 200_000]
    assert one["reserved"] is False
    tranche_url = f"/api/v1/organization/grants/{made.id}/tranches/{{}}/request"
    url = tranche_url.format(1)
    report = {
        "activities": "助餐 60 次",
        "beneficiaries_served": 80,
        "spent": [{"position": 0, "amount_fen": 100_000}],
    }
    early = client.post(url, json=report, headers=headers)
    assert early.status_code == 422 and early.get_json()["code"] == "grant_not_reserved"
    reserve_proposed(grant["staff"], made)
    second = client.post(tranche_url.format(2), json=report, headers=headers)
    assert second.get_json()["code"] == "tranche_order"
    above = {**report, "spent": [{"position": 0, "amount_fen": 1_000_001}]}
    assert client.post(url, json=above, headers=headers).get_json()["code"] == (
        "spending_above_line"
    )
    twice = {**report, "spent": report["spent"] * 2}
    assert client.post(url, json=twice, headers=headers).status_code == 422

    other = make.user(Role.ORG_MEMBER)
    assert client.post(url, json=report, headers=bearer(other)).status_code == 404
    assert (
        client.get(f"/api/v1/organization/grants/{made.id}", headers=bearer(other)).status_code
        == 404
    )
    assert (
        client.get("/api/v1/organization/grants", headers=bearer(other)).get_json()["items"] == []
    )
    assert client.post(url, json=report, headers=bearer(member, TokenScope.READ)).status_code == 403

    done = client.post(url, json=report, headers=headers)
    assert done.status_code == 200
    assert done.get_json()["state"] == "requested"
    assert done.get_json()["report"]["spending"] == [
        {"position": 0, "line": "人员经费", "amount_fen": 100_000}
    ]
    db.session.refresh(made)
    assert made.tranches[0].state == TrancheState.REQUESTED
    assert made.tranches[0].requested_by_id == member.id
    assert db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "tranche.request"))
    again = client.post(url, json=report, headers=headers)
    assert again.get_json()["code"] == "tranche_not_requestable"
    shown = client.get(f"/api/v1/organization/grants/{made.id}", headers=headers).get_json()
    assert shown["tranches"][0]["state"] == "requested"


def reviewed(staff):
    """A proposal in review with one submitted review."""
    proposal = factories.proposal(factories.user(Role.ORG_MEMBER), state=ProposalState.IN_REVIEW)
    reviewer = factories.user(Role.REVIEWER)
    assignment = reviews.assign_reviewer(staff, proposal, reviewer)
    reviews.declare(reviewer, assignment, conflicted=False)
    reviews.submit_review(reviewer, assignment, [reviews.Score(8)] * 5, "意见", Recommendation.FUND)
    return proposal, assignment


def test_staff_read_the_exports_as_json_pages(grant, make, client):
    staff = grant["staff"]
    proposal, assignment = reviewed(staff)
    ent = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise())
    program = matching_program(own_fen=0, ratio_pct=0)
    receive(staff, promise(ent, pledge_data(PledgeTarget.PROGRAM, 300_000, program_id=program.id)))
    headers = bearer(staff, TokenScope.READ)

    def every(url: str) -> list[dict]:
        items, cursor = [], None
        while True:
            body = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
            assert body.status_code == 200, body.get_json()
            items += body.get_json()["items"]
            if (cursor := body.get_json()["next_cursor"]) is None:
                return items

    proposals = every("/api/v1/exports/proposals?limit=1")
    assert [p["id"] for p in proposals] == sorted([proposal.id, grant["grant"].proposal_id])
    in_review = every("/api/v1/exports/proposals?limit=1&state=in_review")
    assert [p["id"] for p in in_review] == [proposal.id]
    assert in_review[0]["total_budget_fen"] == proposal.total_budget_fen

    [review] = every("/api/v1/exports/reviews?limit=1")
    assert review["id"] == assignment.id and review["proposal_id"] == proposal.id
    assert review["weighted_total"] == 80 and review["recommendation"] == "fund"
    assert [s["score"] for s in review["scores"]] == [8] * 5

    [row] = every("/api/v1/exports/grants?limit=1")
    assert row["amount_fen"] == 1_000_000 and row["unreserved_fen"] == 1_000_000
    reserve_proposed(staff, grant["grant"])
    [row] = every("/api/v1/exports/grants?limit=5")
    assert row["reserved_fen"] == 1_000_000 and row["unreserved_fen"] == 0

    giving = {g["enterprise_id"]: g for g in every("/api/v1/exports/enterprise-giving?limit=1")}
    assert giving[ent.party_id]["pledged_fen"] == giving[ent.party_id]["received_fen"] == 300_000
    assert giving[ent.party_id]["public_listing"] is not None

    member = grant["member"]
    for name in ("proposals", "reviews", "grants", "enterprise-giving"):
        assert client.get(f"/api/v1/exports/{name}", headers=bearer(member)).status_code == 403
        assert client.get(f"/api/v1/exports/{name}").status_code == 401


@pytest.mark.parametrize("name", ["proposals", "reviews", "grants", "enterprise-giving"])
def test_an_export_page_costs_the_same_whatever_its_size(name, grant, make, client):
    staff_id, member_id = grant["staff"].id, grant["member"].id
    headers = bearer(grant["staff"], TokenScope.READ)
    url = f"/api/v1/exports/{name}?limit=100"
    reviewed(grant["staff"])
    _response, small = get_counting(client, url, headers=headers)
    staff, member = db.session.get(User, staff_id), db.session.get(User, member_id)
    for _ in range(4):
        reviewed(staff)
        program = matching_program(own_fen=9_000_000, ratio_pct=0)
        signed_grant(staff, member, program, 1_000_000)
        make.enterprise()
    response, large = get_counting(client, url, headers=headers)
    assert len(response.get_json()["items"]) >= 4
    assert large == small
