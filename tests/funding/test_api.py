"""The JSON API: the OpenAPI document, the public lists with their filters and cursors,
problem details, personal access tokens (scope, expiry, revocation, rate limit, the use log)
and the token-only writes, which go through the same services as the pages."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from funding import figures
from funding.accounts.models import Role
from funding.api import tokens
from funding.api.models import ApiToken, ApiTokenUse, TokenScope
from funding.audit.models import AuditRecord
from funding.dates import today
from funding.extensions import db, utcnow
from funding.grants.models import GrantState
from funding.pledges.models import Pledge
from funding.proposals.models import Proposal, ProposalState
from tests.funding.money_helpers import approved_proposal, matching_program, signed_grant


def bearer(user, scope=TokenScope.READ_WRITE) -> dict:
    _token, secret = tokens.create_token(user, "test", scope, 30)
    return {"Authorization": f"Bearer {secret}"}


def test_the_openapi_document_describes_every_operation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    assert {"/api/v1/grants", "/api/v1/proposals/{proposal_id}", "/api/v1/pledges"} <= set(
        doc["paths"]
    )
    grants = doc["paths"]["/api/v1/grants"]["get"]
    assert {p["name"] for p in grants["parameters"]} >= {
        "street",
        "category",
        "program",
        "year",
        "state",
        "cursor",
        "limit",
    }
    assert "application/problem+json" in grants["responses"]["422"]["content"]
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"token": []}]
    page = client.get("/api/v1/swagger").get_data(as_text=True)
    assert "swagger/js/swagger-ui-bundle.js" in page and "<script>" not in page
    bundle = client.get("/api/v1/swagger/js/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()


@pytest.fixture
def grants(make):
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    program_a = matching_program(own_fen=9_000_000, ratio_pct=0)
    program_b = matching_program(own_fen=9_000_000, ratio_pct=0)
    qingbo, hubin = make.community("清波门社区"), make.community("涌金门社区")
    made = [
        signed_grant(staff, member, program_a, 1_000_000, communities=[qingbo], category_code="A"),
        signed_grant(staff, member, program_a, 1_200_000, communities=[hubin], category_code="H"),
        signed_grant(staff, member, program_b, 1_500_000, communities=[qingbo], category_code="H"),
    ]
    made[2].state = GrantState.TERMINATED
    db.session.commit()
    return {"grants": made, "programs": (program_a, program_b), "qingbo": qingbo}


def test_grants_filter_and_page_with_a_cursor(grants, client):
    qingbo = grants["qingbo"]
    ids = [g.id for g in grants["grants"]]
    seen, cursor = [], None
    while True:
        url = "/api/v1/grants?limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids)  # every grant once, in id order

    def found(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"/api/v1/grants?{query}").get_json()["items"]]

    assert found(f"street={qingbo.street_code}") == [ids[0], ids[2]]
    assert found("category=H") == [ids[1], ids[2]]
    assert found(f"program={grants['programs'][1].id}") == [ids[2]]
    assert found("state=terminated") == [ids[2]]
    assert found(f"year={today().year}") == ids
    assert found(f"year={today().year - 1}") == []
    item = client.get(f"/api/v1/grants/{ids[0]}").get_json()
    assert item["currency"] == "CNY" and item["amount_fen"] == 1_000_000
    assert item["amount_fen"] == (
        item["paid_fen"] + item["reserved_fen"] + item["returned_fen"] + item["unreserved_fen"]
    )


def test_programs_and_transparency_carry_the_public_figures(grants, client):
    body = client.get("/api/v1/programs").get_json()
    money = {m.program.id: m for m in figures.program_money()}
    for item in body["items"]:
        assert item["money"]["currency"] == "CNY"
        assert item["money"]["available_fen"] == money[item["id"]].available_fen
        assert item["money"]["committed_fen"] == money[item["id"]].committed_fen
        assert item["rules"]["tranches_pct"] == [50, 30, 20]
    totals = client.get("/api/v1/transparency").get_json()
    assert totals["grants"]["grants"] == 3
    assert totals["grants"]["amount_fen"] == 3_700_000
    assert [p["program_id"] for p in totals["programs"]] == sorted(money)


def test_needs_and_public_profiles(make, client):
    need = make.need()
    hidden = make.organization(verified=False)
    shown = make.organization()
    body = client.get(f"/api/v1/needs?category=H&street={need.community.street_code}").get_json()
    assert [n["id"] for n in body["items"]] == [need.id]
    assert body["items"][0]["budget_estimate_fen"] == 3_000_000
    assert client.get("/api/v1/needs?state=met").get_json()["items"] == []
    orgs = [o["id"] for o in client.get("/api/v1/organizations").get_json()["items"]]
    assert shown.id in orgs and hidden.id not in orgs
    assert client.get(f"/api/v1/organizations/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/organizations/{shown.id}").get_json()["credit_code"] == (
        shown.credit_code
    )


def test_errors_are_problem_details_with_a_stable_code(client):
    for url, status, code in [
        ("/api/v1/grants/999", 404, "not_found"),
        ("/api/v1/grants?limit=0", 422, "invalid_request"),
        ("/api/v1/grants?cursor=bm9wZQ", 422, "invalid_cursor"),
        ("/api/v1/nowhere", 404, "not_found"),
        ("/api/v1/me", 401, "token_required"),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["code"] == code and body["status"] == status
        assert body["type"] == f"urn:linkage:problem:{code}"
    assert client.get("/api/v1/me").headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/grants?limit=0").get_json()["errors"][0]["field"] == "limit"


def test_the_token_page_shows_a_token_once_and_stores_only_its_digest(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    web = login_as(member)
    page = web.post(
        "/account/tokens?lang=en", data={"name": "sync", "scope": "read", "days": "30"}
    ).get_data(as_text=True)
    assert "it will not be shown again" in page
    secret = page.split("data-token>")[1].split("<")[0]
    assert secret.startswith("lk_")
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == tokens.digest(secret) and secret not in stored.token_hash
    assert stored.scope == TokenScope.READ
    again = web.get("/account/tokens?lang=en").get_data(as_text=True)
    assert secret not in again and stored.prefix in again
    assert db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "api_token.create"))
    api = {"Authorization": f"Bearer {secret}"}
    assert web.get("/api/v1/me", headers=api).get_json()["email"] == member.email
    assert web.post(f"/account/tokens/{stored.id}/revoke").status_code == 302
    assert web.get("/api/v1/me", headers=api).status_code == 401


def test_tokens_expire_read_tokens_cannot_write_and_cookies_never_authenticate(
    make, login_as, client
):
    member = make.user(Role.ORG_MEMBER)
    program = make.program()
    read = bearer(member, TokenScope.READ)
    refused = client.post("/api/v1/proposals", json={"program_id": program.id}, headers=read)
    assert refused.status_code == 403 and refused.get_json()["code"] == "token_read_only"
    web = login_as(member)  # a signed-in browser session is not an API credential
    assert web.post("/api/v1/proposals", json={"program_id": program.id}).status_code == 401
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.scope == TokenScope.READ))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=read).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_each_use_is_logged_and_the_rate_limit_answers_429(make, client, app):
    member = make.user(Role.ORG_MEMBER)
    headers = bearer(member)
    app.config["API_RATE_LIMIT"] = 3
    try:
        statuses = [client.get("/api/v1/me", headers=headers).status_code for _ in range(4)]
        limited = client.get("/api/v1/me", headers=headers)
    finally:
        app.config["API_RATE_LIMIT"] = 120
    assert statuses == [200, 200, 200, 429]
    assert limited.get_json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= app.config["API_RATE_WINDOW_SECONDS"] + 1
    uses = db.session.scalars(sa.select(ApiTokenUse)).all()
    assert [(u.method, u.path) for u in uses] == [("GET", "/api/v1/me")] * 3


def _complete(make) -> dict:
    community = make.community()
    return {
        "title": "长者助餐服务",
        "summary": "为独居老人提供午餐与探访。",
        "category_code": "H",
        "community_ids": [community.id],
        "direct_beneficiaries": 80,
        "indirect_beneficiaries": 200,
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "amount_requested_fen": 3_000_000,
        "self_funded_fen": 2_000_000,
        "lines": [
            {"item": "餐费补贴", "category": "activities", "quantity": 1000, "unit_price_fen": 5000}
        ],
        "outcomes": [{"indicator": "服务老人", "target": "80人"}],
        "team": [{"name": "陈晓", "role": "项目负责人"}],
        "declaration": True,
    }


def test_an_organization_drafts_updates_and_submits_a_proposal(make, client):
    member = make.user(Role.ORG_MEMBER)
    other = make.user(Role.ORG_MEMBER)
    program = make.program()
    headers = bearer(member)
    created = client.post("/api/v1/proposals", json={"program_id": program.id}, headers=headers)
    assert created.status_code == 201
    draft = created.get_json()
    url = f"/api/v1/proposals/{draft['id']}"
    incomplete = client.post(f"{url}/submit", headers=headers)
    assert incomplete.status_code == 422
    assert incomplete.get_json()["code"] == "proposal_incomplete"
    assert {e["field"] for e in incomplete.get_json()["errors"]} >= {"title", "lines"}
    saved = client.put(url, json=_complete(make) | {"version": draft["version"]}, headers=headers)
    assert saved.status_code == 200
    assert saved.get_json()["total_budget_fen"] == 5_000_000
    stale = client.put(url, json={"title": "旧", "version": draft["version"]}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["code"] == "proposal_changed"
    assert client.get(url, headers=bearer(other)).status_code == 404  # another organization's
    submitted = client.post(f"{url}/submit", headers=headers)
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["state"] == "screening" and body["screening"]
    assert body["decision"] is None
    assert client.put(url, json={"title": "改"}, headers=headers).status_code == 409
    proposal = db.session.get(Proposal, draft["id"])
    assert proposal.state == ProposalState.SCREENING and len(proposal.versions) == 1
    actions = set(db.session.scalars(sa.select(AuditRecord.action)))
    assert {"proposal.create"} <= actions
    staff = make.user(Role.STAFF)
    queue = client.get("/api/v1/queue", headers=bearer(staff, TokenScope.READ)).get_json()
    assert [q["proposal_id"] for q in queue["items"]] == [draft["id"]]
    assert client.get("/api/v1/queue", headers=headers).status_code == 403


def test_an_enterprise_previews_and_confirms_a_pledge_once(make, client):
    ent = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise())
    program = matching_program(
        own_fen=5_000_000, ratio_pct=100, cap_project_fen=1_000_000, cap_program_fen=1_000_000
    )
    project = approved_proposal(make.user(Role.ORG_MEMBER), program, 2_000_000)
    headers = bearer(ent)
    pledge = {
        "target": "project",
        "proposal_id": project.id,
        "amount_fen": 500_000,
        "instalments": [
            {"due_date": (today() + timedelta(days=10)).isoformat(), "amount_fen": 500_000}
        ],
    }
    preview = client.post("/api/v1/pledges/preview", json=pledge, headers=headers)
    assert preview.status_code == 200
    shown = preview.get_json()
    assert shown["match_fen"] == 500_000 and shown["open_fen"] == 2_000_000
    confirm = pledge | {"shown_match_fen": shown["match_fen"]}
    key = {"Idempotency-Key": "order-20261201-1"}
    first = client.post("/api/v1/pledges", json=confirm, headers=headers | key)
    again = client.post("/api/v1/pledges", json=confirm, headers=headers | key)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["promised_match_fen"] == 500_000
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1
    changed = client.post(
        "/api/v1/pledges",
        json=confirm | {"shown_match_fen": 1},
        headers=headers | {"Idempotency-Key": "order-20261201-2"},
    )
    assert changed.status_code == 409 and changed.get_json()["code"] == "match_changed"
    missing = client.post("/api/v1/pledges", json=confirm, headers=headers)
    assert missing.status_code == 422
    listed = client.get("/api/v1/pledges", headers=headers).get_json()["items"]
    assert [p["id"] for p in listed] == [first.get_json()["id"]]
