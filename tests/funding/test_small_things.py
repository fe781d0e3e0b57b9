"""Small things a user trips on: each fixed where it happened, and kept fixed here."""

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.directory.models import LegalForm
from funding.extensions import db
from funding.notifications.services import notify
from funding.proposals.models import Proposal, ProposalState
from funding.proposals.screening import run_screening, self_share
from funding.transactions import transactional
from tests import factories


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00", "an ICO file"


def test_category_choices_carry_no_letter_code(client, login_as):
    worker = factories.user(Role.COMMUNITY_WORKER)
    page = login_as(worker).get("/needs/new").get_data(as_text=True)
    assert ">为老服务<" in page and ">H 为老服务<" not in page


def test_a_failing_self_share_reads_as_failing():
    member = factories.user(Role.ORG_MEMBER)
    program = factories.program(min_self_share_pct=50)
    proposal = factories.proposal(member, program=program)  # ¥20,000 of ¥50,000: 40%
    result = self_share(proposal)
    assert not result.passed and result.detail == "40% < 50%"
    program.min_self_share_pct = 30
    assert self_share(proposal).detail == "40% ≥ 30%"


def test_the_applicant_is_not_shown_another_organizations_title(client, login_as):
    need = factories.need()
    staff = factories.user(Role.STAFF)
    other = factories.proposal(
        title="别家机构的助餐项目", needs=[need], state=ProposalState.SCREENING
    )
    member = factories.user(Role.ORG_MEMBER)
    mine = factories.proposal(member, title="我们的助餐项目", needs=[need])
    mine.state = ProposalState.SCREENING
    mine.screening = run_screening(mine)
    db.session.commit()
    page = login_as(member).get(f"/proposals/{mine.id}").get_data(as_text=True)
    assert "别家机构的助餐项目" not in page
    staff_page = login_as(staff).get(f"/proposals/{mine.id}").get_data(as_text=True)
    assert other.title in staff_page, "staff see which proposal asks for the same need"


def test_programs_say_who_may_apply(client):
    factories.program(name="好邻居基金", legal_forms=[LegalForm.SOCIAL_GROUP.value])
    page = client.get("/programs?lang=en").get_data(as_text=True)
    assert "Who may apply" in page and "Social group" in page


def test_applying_twice_opens_the_same_draft(client, login_as):
    program = factories.program()
    member = factories.user(Role.ORG_MEMBER)
    browser = login_as(member)
    first = browser.post(f"/programs/{program.id}/apply").headers["Location"]
    second = browser.post(f"/programs/{program.id}/apply").headers["Location"]
    assert first == second
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1


def test_seeing_the_notifications_clears_the_badge(client, login_as):
    member = factories.user(Role.ORG_MEMBER)
    transactional(notify)([member], "midterm_passed", "/grants/1", title="助餐")
    browser = login_as(member)
    assert 'id="unread-count">1<' in browser.get("/dashboard").get_data(as_text=True)
    listing = browser.get("/notifications").get_data(as_text=True)
    assert "list-group-item-warning" in listing, "the new one is marked on the list itself"
    assert 'id="unread-count"' not in browser.get("/dashboard").get_data(as_text=True)
