"""Hostile input is a 400, a 404 or a form error with a message, never a 500."""

import io

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.proposals.attachments import add_attachment
from funding.proposals.models import Program, ProposalState
from funding.reviews.models import AssignmentState, ReviewAssignment
from tests.funding.test_programs import _program_form


@pytest.mark.parametrize(
    "url",
    [
        "/organizations?q=a%00b",
        "/needs?street=%00",
        "/organizations?q=%01",
        "/login?next=/%09/evil.example",
        "/login?next=/x%0d%0aSet-Cookie:%20a=1",
    ],
)
def test_control_characters_in_the_query_are_a_400(client, url):
    assert client.get(url).status_code == 400


def test_nul_in_a_form_field_is_a_400_and_line_breaks_are_kept(client, make):
    user = make.user(Role.STAFF)
    assert client.post("/login", data={"email": "a\x00@x.cn", "password": "x"}).status_code == 400
    response = client.post("/login", data={"email": user.email, "password": "wrong\npass"})
    assert response.status_code == 401


def test_an_offsite_next_after_normalisation_is_not_followed(client, make):
    user = make.user(Role.REVIEWER)
    for target in ["/\\evil.example", "\\\\evil.example", "https://evil.example", "//evil"]:
        client.post("/logout")
        response = client.post(
            "/login", query_string={"next": target}, data={"email": user.email, "password": "x"}
        )
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": user.email, "password": make.PASSWORD},
        )
        assert response.headers["Location"] == "/dashboard", target
    client.post("/logout")
    response = client.post(
        "/login?next=/proposals", data={"email": user.email, "password": make.PASSWORD}
    )
    assert response.headers["Location"] == "/proposals"


def test_ids_and_pages_beyond_the_integer_range(client, make, login_as):
    org = make.organization()
    assert client.get(f"/organizations/{2**31}").status_code == 404
    assert client.get(f"/organizations/{2**80}").status_code == 404
    assert client.get(f"/organizations/{org.id}").status_code == 200
    page = client.get(f"/organizations?page={2**80}")
    assert page.status_code == 200 and org.name in page.get_data(as_text=True)
    staff = login_as(make.user(Role.STAFF))
    assert staff.get(f"/staff/audit?page={2**64}").status_code == 200
    assert staff.get(f"/staff/queue?program={2**64}").status_code == 200


def test_program_form_without_tranches_is_a_form_error(make, login_as):
    client = login_as(make.user(Role.STAFF))
    data = _program_form()
    del data["tranches"]
    page = client.post("/staff/programs/new", data=data)
    assert page.status_code == 200 and "50/30/20" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == 0


def test_multi_line_comment_when_returning_a_proposal(app, make, login_as):
    box = app.extensions["mailman"]
    box.outbox = []
    proposal = make.proposal(state=ProposalState.SCREENING)
    client = login_as(make.user(Role.STAFF))
    response = client.post(
        f"/proposals/{proposal.id}/return", data={"note-note": "第一行\r\n第二行\n第三行"}
    )
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.RETURNED
    assert box.outbox and all("\n" not in m.subject for m in box.outbox)


@pytest.mark.parametrize("name", ["社区\u202e服务中心", "社区\u200b服务中心", "\u2066社区\u2069"])
def test_names_with_invisible_characters_are_refused(client, name):
    page = client.post(
        "/register/enterprise",
        data={
            "email": "new@example.cn",
            "password": "a-long-unusual-passphrase",
            "confirm": "a-long-unusual-passphrase",
            "person_name": "王五",
            "party_name": name,
            "credit_code": "91330102MA2XXXXX0K",
            "contact_mobile": "13800001234",
        },
    )
    assert page.status_code == 200
    assert "不可见" in page.get_data(as_text=True)


def test_blind_reviewer_gets_a_neutral_file_name(make, login_as):
    program = make.program(blind_review=True)
    member = make.user(Role.ORG_MEMBER)
    proposal = make.proposal(member, program=program)
    item = add_attachment(member, proposal, "王五公益服务中心.pdf", io.BytesIO(b"%PDF-1.4 x"))
    proposal.state = ProposalState.IN_REVIEW
    reviewer = make.user(Role.REVIEWER)
    db.session.add(
        ReviewAssignment(
            proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=make.user(Role.STAFF).id
        )
    )
    db.session.commit()
    url = f"/proposals/{proposal.id}/attachments/{item.id}"
    with login_as(reviewer).get(url) as response:
        disposition = response.headers["Content-Disposition"]
    assert "attachment-" in disposition and "%E7%8E%8B" not in disposition
    with login_as(member).get(url) as response:
        disposition = response.headers["Content-Disposition"]
    assert "%E7%8E%8B%E4%BA%94" in disposition  # 王五: the applicant sees its own name


def test_a_reviewer_who_declared_a_conflict_cannot_open_the_proposal(make, login_as):
    proposal = make.proposal(state=ProposalState.IN_REVIEW)
    reviewer = make.user(Role.REVIEWER)
    assignment = ReviewAssignment(
        proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=make.user(Role.STAFF).id
    )
    db.session.add(assignment)
    db.session.commit()
    client = login_as(reviewer)
    assert client.get(f"/reviews/{assignment.id}").status_code == 200
    assignment.state = AssignmentState.CONFLICTED
    db.session.commit()
    page = client.get(f"/reviews/{assignment.id}")
    assert page.status_code == 403 and proposal.title not in page.get_data(as_text=True)


def test_a_form_part_without_a_readable_name_is_no_server_error(client):
    """A multipart part whose name the parser cannot read reaches the guard with no name."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="\r"\r\n\r\nnull\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nx\r\n--b--\r\n'
    )
    response = client.post(
        "/api/v1/proposals/1/attachments",
        data=body,
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 401
