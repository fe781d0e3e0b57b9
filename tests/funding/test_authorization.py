"""Every route × every role → the expected status, generated from the app's URL map.

A new route without an entry in EXPECTED fails ``test_every_route_has_an_entry``.
"""

import io
from datetime import date

import pytest

from funding.accounts.models import Role
from funding.api.models import TokenScope
from funding.api.tokens import create_token
from funding.dates import today
from funding.extensions import db
from funding.grants.reservation import reserve_grant, source_options
from funding.matchmaking.fairs import FairData, create_fair
from funding.matchmaking.models import FairIntent
from funding.matchmaking.services import run_batch
from funding.pledges.models import PaymentMethod, PledgeTarget
from funding.pledges.services import PledgeData, confirm_instalment, create_pledge, single
from funding.proposals.attachments import add_attachment
from funding.proposals.models import Objection, ProposalState, ProposalVersion
from funding.proposals.services import sign_agreement, snapshot
from funding.reviews.models import RelationKind, Relationship, ReviewAssignment

ROLES = ["anonymous", *[r.value for r in Role]]
ALL = dict.fromkeys(ROLES, 200)
LOGGED_IN = {**ALL, "anonymous": 302}


def only(*allowed: str, ok: int = 200, other: int = 403) -> dict:
    """Anonymous visitors go to login; ``allowed`` roles get ``ok``; the rest ``other``."""
    return {r: ok if r in allowed else (302 if r == "anonymous" else other) for r in ROLES}


STAFF = ("staff", "admin")
EXPECTED: dict[tuple[str, str], dict] = {
    ("GET", "main.index"): ALL,
    ("GET", "health.healthz"): ALL,
    ("GET", "bootstrap.static"): ALL,
    ("GET", "main.dashboard"): LOGGED_IN,
    ("GET", "accounts.login"): {**dict.fromkeys(ROLES, 302), "anonymous": 200},
    ("POST", "accounts.logout"): dict.fromkeys(ROLES, 302),
    ("GET", "accounts.register"): ALL,
    ("GET", "accounts.register_organization"): ALL,
    ("GET", "accounts.register_enterprise"): ALL,
    ("GET", "accounts.users"): only(*STAFF),
    ("GET", "accounts.new_user"): only(*STAFF),
    ("POST", "accounts.toggle_user"): only(*STAFF, ok=302),
    ("POST", "accounts.lift_limits"): only("admin", ok=302),
    ("GET", "accounts.account"): LOGGED_IN,
    ("GET", "accounts.my_sessions"): LOGGED_IN,
    ("POST", "accounts.end_session"): {**dict.fromkeys(ROLES, 404), "anonymous": 302},
    ("POST", "accounts.end_other_sessions"): dict.fromkeys(ROLES, 302),
    ("GET", "accounts.change_password"): LOGGED_IN,
    ("GET", "accounts.forgot_password"): ALL,
    ("GET", "accounts.change_email"): LOGGED_IN,
    ("GET", "accounts.confirm_email_change"): dict.fromkeys(ROLES, 302),  # not a valid link
    ("GET", "accounts.reset_password"): dict.fromkeys(ROLES, 302),  # not a valid link
    ("GET", "accounts.confirm"): LOGGED_IN,
    ("POST", "accounts.send_reset_link"): only("admin", ok=302),
    ("GET", "accounts.second_factor_login"): dict.fromkeys(ROLES, 302),  # already given
    ("GET", "accounts.second_factor"): LOGGED_IN,
    ("POST", "accounts.new_recovery_codes"): {**only(*STAFF, other=404)},
    ("POST", "accounts.second_factor_off"): dict.fromkeys(ROLES, 302),
    # without an authenticator app a passkey cannot be added: the page sends there
    ("GET", "accounts.passkeys_page"): only(*STAFF, other=302),
    ("POST", "accounts.passkey_registration_options"): only(*STAFF),
    ("POST", "accounts.remove_passkey"): {**dict.fromkeys(ROLES, 404), "anonymous": 302},
    ("POST", "accounts.passkey_login_options"): {**dict.fromkeys(ROLES, 404), "anonymous": 302},
    ("POST", "accounts.passkey_login"): dict.fromkeys(ROLES, 302),  # already given
    ("GET", "accounts.parties"): only(*STAFF),
    ("POST", "accounts.verify"): only(*STAFF, ok=302),
    ("POST", "accounts.ask_party"): only(*STAFF, ok=302),
    ("POST", "accounts.reject_party"): only(*STAFF, ok=302),
    ("GET", "directory.organizations"): ALL,
    ("GET", "directory.organization"): ALL,
    ("GET", "directory.edit_organization"): only("org_member", *STAFF),
    ("GET", "directory.enterprises"): ALL,
    ("GET", "directory.enterprise"): ALL,
    ("GET", "directory.edit_enterprise"): only("enterprise_member", *STAFF),
    ("GET", "directory.communities"): ALL,
    ("GET", "directory.community"): ALL,
    ("GET", "directory.needs"): ALL,
    ("GET", "directory.need"): ALL,
    ("GET", "directory.new_need"): only("community_worker", *STAFF),
    ("GET", "directory.edit_need"): only("community_worker", *STAFF),
    ("GET", "audit.log"): only(*STAFF),
    ("GET", "proposals.programs"): ALL,
    ("POST", "proposals.apply"): only("org_member", ok=302),
    ("GET", "proposals.mine"): only("org_member", *STAFF),
    ("GET", "proposals.edit"): only("org_member", ok=302),  # not editable in review: back
    ("GET", "proposals.detail"): only("org_member", *STAFF),
    ("POST", "proposals.withdraw"): only("org_member", ok=302),
    ("GET", "proposals.download"): {
        **dict.fromkeys(ROLES, 404),
        "org_member": 200,
        "reviewer": 200,
        "staff": 200,
        "admin": 200,
    },
    ("POST", "proposals.delete_attachment"): only("org_member", ok=302),
    ("GET", "proposals.compare"): {
        **dict.fromkeys(ROLES, 404),
        "org_member": 200,
        "reviewer": 200,
        "staff": 200,
        "admin": 200,
    },
    ("GET", "proposals.staff_queue"): only(*STAFF),
    ("POST", "proposals.pass_screening"): only(*STAFF, ok=302),
    ("POST", "proposals.return_for_revision"): only(*STAFF, ok=302),
    ("POST", "proposals.reject"): only(*STAFF, ok=302),
    ("POST", "proposals.approve"): only(*STAFF, ok=302),
    ("POST", "proposals.sign"): only(*STAFF, ok=302),
    ("GET", "proposals.objections"): only(*STAFF),
    ("POST", "proposals.answer_objection"): only(*STAFF, ok=302),
    ("GET", "proposals.export_proposals"): only(*STAFF),
    ("GET", "proposals.export_reviews"): only(*STAFF),
    ("GET", "proposals.staff_programs"): only(*STAFF),
    ("GET", "proposals.new_program"): only(*STAFF),
    ("GET", "proposals.edit_program"): only(*STAFF),
    ("GET", "proposals.disclosures"): ALL,
    ("GET", "proposals.disclosure"): ALL,
    ("GET", "reviews.assignments"): only("reviewer"),
    ("GET", "reviews.review"): only("reviewer"),
    ("POST", "reviews.declare"): only("reviewer", ok=302),
    ("GET", "reviews.export"): only("reviewer"),
    ("POST", "reviews.assign"): only(*STAFF, ok=302),
    ("GET", "reviews.relationships"): only(*STAFF),
    ("POST", "reviews.delete_relationship"): only(*STAFF, ok=302),
    ("GET", "notifications.index"): LOGGED_IN,
    ("POST", "notifications.read"): dict.fromkeys(ROLES, 302),
    ("GET", "matchmaking.index"): only(*STAFF),
    ("POST", "matchmaking.run"): only(*STAFF, ok=302),
    ("GET", "matchmaking.batch"): only(*STAFF),
    ("POST", "matchmaking.accept"): only(*STAFF, ok=302),
    ("POST", "matchmaking.invite"): only(*STAFF, ok=302),
    ("GET", "matchmaking.network"): only(*STAFF),
    ("GET", "matchmaking.fairs_list"): only("enterprise_member", *STAFF),
    ("GET", "matchmaking.new_fair"): only(*STAFF),
    ("GET", "matchmaking.fair"): only("enterprise_member", *STAFF),
    ("POST", "matchmaking.fair_projects"): only(*STAFF, ok=302),
    ("POST", "matchmaking.fair_invite"): only(*STAFF, ok=302),
    ("POST", "matchmaking.raise_paddle"): only("enterprise_member", *STAFF, ok=302),
    ("POST", "matchmaking.confirm_intent"): only("enterprise_member", ok=302),
    ("POST", "matchmaking.withdraw_intent"): only("enterprise_member", *STAFF, ok=302),
    ("GET", "matchmaking.fair_board"): only("enterprise_member", *STAFF),
    ("GET", "matchmaking.fair_report"): only(*STAFF),
    ("GET", "pledges.index"): only("enterprise_member", *STAFF),
    ("GET", "pledges.new"): only("enterprise_member"),
    ("GET", "pledges.detail"): only("enterprise_member", *STAFF),
    ("GET", "pledges.agreement"): only("enterprise_member", *STAFF),
    ("POST", "pledges.confirm_new"): only("enterprise_member"),
    ("POST", "pledges.receipt"): only(*STAFF, ok=302),
    ("GET", "pledges.instalments"): only(*STAFF),
    ("GET", "reconciliation.index"): only(*STAFF),
    ("POST", "reconciliation.upload"): only(*STAFF, ok=302),  # no file: back to the page
    ("POST", "reconciliation.confirm"): only(*STAFF, ok=302),  # nothing ticked: back
    ("GET", "pledges.statement"): only(*STAFF),
    ("POST", "pledges.cancel"): only("enterprise_member", *STAFF, ok=302),
    ("GET", "pledges.fund_program"): only(*STAFF),
    ("GET", "grants.index"): LOGGED_IN,
    ("GET", "grants.detail"): {**LOGGED_IN, "reviewer": 404},
    ("GET", "grants.reserve"): only(*STAFF),
    ("GET", "grants.request_tranche"): {**only("org_member"), "reviewer": 404},
    ("POST", "grants.sign"): only(*STAFF, ok=302),
    ("POST", "grants.return_request"): only(*STAFF, ok=302),
    ("POST", "grants.midterm"): only(*STAFF, ok=302),
    ("POST", "grants.terminate"): only(*STAFF, ok=302),
    ("POST", "grants.rate"): {**dict.fromkeys(ROLES, 302), "reviewer": 404},
    ("POST", "grants.rate_foundation"): {**dict.fromkeys(ROLES, 302), "reviewer": 404},
    ("GET", "jobs.detail"): {**LOGGED_IN, **dict.fromkeys(ROLES[1:], 404)},
    ("GET", "jobs.download"): {**LOGGED_IN, **dict.fromkeys(ROLES[1:], 404)},
    ("GET", "transparency.index"): ALL,
    ("GET", "transparency.export"): ALL,
    ("GET", "transparency.annual_report"): ALL,
    ("GET", "transparency.annual_report_pdf"): ALL,
    ("GET", "main.favicon"): ALL,
    ("GET", "proposals.application_pdf"): only("org_member", *STAFF),
    ("GET", "grants.agreement_pdf"): {**LOGGED_IN, "reviewer": 404},
    ("GET", "pledges.agreement_pdf"): only("enterprise_member", *STAFF),
    ("GET", "opendata.giving_json"): ALL,
    ("GET", "opendata.giving_table"): ALL,
    ("GET", "tokens.index"): LOGGED_IN,
    ("GET", "imports.index"): only(*STAFF),
    ("POST", "imports.confirm"): only(*STAFF, ok=400),  # no previewed upload named
    ("GET", "imports.template"): only(*STAFF),
    ("POST", "tokens.revoke"): {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff": 302},
    ("GET", "openapi.doc_url"): ALL,
    ("GET", "openapi.openapi"): ALL,
    ("GET", "openapi.static"): dict.fromkeys(ROLES, 404),
    ("GET", "swagger.swagger"): ALL,
    ("GET", "swagger.oauth2-redirect"): ALL,
    ("GET", "swagger.static"): dict.fromkeys(ROLES, 404),
    **{
        ("GET", f"api_public.{name}"): ALL
        for name in (
            "list_programs",
            "get_program",
            "list_grants",
            "get_grant",
            "list_needs",
            "get_need",
            "list_organizations",
            "get_organization",
            "list_enterprises",
            "get_enterprise",
            "transparency",
        )
    },
    # The API never takes the session cookie: without a token every role gets 401.
    **{
        (method, f"api_private.{name}"): dict.fromkeys(ROLES, 401)
        for method, name in (
            ("GET", "me"),
            ("GET", "list_proposals"),
            ("POST", "create_proposal"),
            ("GET", "get_proposal"),
            ("PUT", "save_proposal"),
            ("POST", "submit_proposal"),
            ("GET", "list_pledges"),
            ("POST", "preview_pledge"),
            ("POST", "create_pledge"),
            ("GET", "staff_queue"),
        )
    },
    **{
        (method, name): dict.fromkeys(ROLES, 401)
        for method, name in (
            ("POST", "api_organization.upload_attachment"),
            ("GET", "api_organization.list_own_grants"),
            ("GET", "api_organization.get_own_grant"),
            ("POST", "api_organization.request_tranche"),
            ("GET", "api_exports.export_proposals"),
            ("GET", "api_exports.export_reviews"),
            ("GET", "api_exports.export_grants"),
            ("GET", "api_exports.export_giving"),
        )
    },
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET" or "GET" not in rule.methods:
                yield method, rule.endpoint, rule


def test_every_route_has_an_entry(app):
    found = {(m, e) for m, e, _ in _routes(app)}
    assert found - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - found == set(), "EXPECTED names routes that no longer exist"


@pytest.fixture
def world(make):
    """One user per role, each owning the objects the routes point at."""
    users = {role.value: make.user(role) for role in Role}
    org = users["org_member"].party
    ent = users["enterprise_member"].party
    need = make.need(community=users["community_worker"].community)
    target = make.user(Role.REVIEWER)
    pending = make.organization(verified=False)
    proposal = make.proposal(users["org_member"])
    attachment = add_attachment(
        users["org_member"], proposal, "plan.pdf", io.BytesIO(b"%PDF-1.4 test")
    )
    proposal.state = ProposalState.IN_REVIEW
    proposal.versions = [ProposalVersion(number=n, snapshot=snapshot(proposal)) for n in (1, 2)]
    assignment = ReviewAssignment(
        proposal=proposal, reviewer_id=users["reviewer"].id, assigned_by_id=users["staff"].id
    )
    db.session.add(assignment)
    public = make.proposal(
        users["org_member"],
        state=ProposalState.APPROVED,
        approved_amount_fen=1_000_000,
        disclosure_until=date(2999, 1, 1),
    )
    link = Relationship(user_id=target.id, party_id=org.id, kind=RelationKind.FOUNDER)
    db.session.add(link)
    objection = Objection(proposal=public, name="居民", contact="13800001111", text="有疑问")
    db.session.add(objection)
    db.session.commit()
    batch = run_batch(users["staff"])
    fair = create_fair(users["staff"], FairData("相亲会", date(2999, 1, 1), "清波街道"))
    fair.projects = [public]
    fair.enterprises = [ent]
    intent = FairIntent(
        fair=fair, proposal=public, enterprise=ent, amount_fen=100, recorded_by_id=users["staff"].id
    )
    db.session.add(intent)
    db.session.commit()
    signed = make.proposal(
        users["org_member"],
        state=ProposalState.APPROVED,
        approved_amount_fen=1_000_000,
        disclosure_until=date(2020, 1, 1),
    )
    grant = sign_agreement(users["staff"], signed, date(2026, 1, 1))
    pledge = create_pledge(
        users["enterprise_member"],
        ent,
        PledgeData(
            target=PledgeTarget.PROJECT,
            amount_fen=1_000_000,
            payment_method=PaymentMethod.BANK_TRANSFER,
            instalments=single(1_000_000, date(2999, 1, 1)),
            proposal_id=signed.id,
        ),
        "world-pledge",
    )
    confirm_instalment(users["staff"], pledge.instalments[0], "R1", today(), "world-confirm")
    reserve_grant(
        users["staff"],
        grant,
        {o.key: o.proposed_fen for o in source_options(grant)},
        "world-reserve",
    )
    args = {
        "party_id": {
            "organization": org.id,
            "edit_organization": org.id,
            "enterprise": ent.id,
            "edit_enterprise": ent.id,
            "verify": pending.id,
            "ask_party": pending.id,
            "reject_party": pending.id,
            "get_organization": org.id,
            "get_enterprise": ent.id,
        },
        "need_id": need.id,
        "community_id": need.community_id,
        "user_id": target.id,
        "session_id": 2**31 - 1,
        "token": "not-a-token",
        "proposal_id": {"disclosure": public.id, "_": proposal.id},
        "program_id": proposal.program_id,
        "attachment_id": attachment.id,
        "assignment_id": assignment.id,
        "link_id": link.id,
        "objection_id": objection.id,
        "batch_id": batch.id,
        "fair_id": fair.id,
        "intent_id": intent.id,
        "pledge_id": pledge.id,
        "enterprise_id": ent.id,
        "job_id": "0" * 32,
        "grant_id": grant.id,
        "token_id": create_token(users["staff"], "matrix", TokenScope.READ, 7)[0].id,
        "number": 1,
        "passkey_id": 1,  # no passkey: another's id is not found either
        "kind": "needs",
        "name": "programs",
        "fmt": "csv",
        "filename": "css/bootstrap.min.css",
        "year": grant.created_at.year,
    }
    return users, args


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, world, login_as, client, role):
    users, args = world
    if role != "anonymous":
        login_as(users[role])
    failures = []
    for method, endpoint, rule in _routes(app):
        values = {}
        for name in rule.arguments:
            value = args[name]
            if isinstance(value, dict):
                value = value.get(endpoint.split(".")[1], value.get("_"))
            values[name] = value
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **values)
        if endpoint == "accounts.logout" and role != "anonymous":
            continue  # logging out would end the session for the routes after it
        response = client.open(url, method=method)
        response.close()
        expected = EXPECTED[(method, endpoint)][role]
        if response.status_code != expected:
            failures.append(f"{method} {url}: {response.status_code} != {expected}")
    assert failures == []


def test_logout_as_each_role(world, login_as):
    users, _ = world
    for user in users.values():
        client = login_as(user)
        assert client.post("/logout").status_code == 302
        assert client.get("/dashboard").status_code == 302


def test_another_organizations_profile_edit_is_404(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    other = make.organization()
    assert login_as(member).get(f"/organizations/{other.id}/edit").status_code == 404
    assert (
        login_as(member)
        .post(f"/organizations/{other.id}/edit", data={"name": "hijack"})
        .status_code
        == 404
    )


def test_unverified_party_profile_is_hidden_from_others(make, login_as, client):
    member = make.user(Role.ORG_MEMBER, party=make.organization(verified=False))
    assert client.get(f"/organizations/{member.party_id}").status_code == 404
    assert login_as(member).get(f"/organizations/{member.party_id}").status_code == 200


def test_worker_cannot_edit_another_communitys_need(make, login_as):
    worker = make.user(Role.COMMUNITY_WORKER)
    elsewhere = make.need(community=make.community("涌金门社区"))
    assert login_as(worker).get(f"/needs/{elsewhere.id}/edit").status_code == 404
