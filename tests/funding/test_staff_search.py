"""Staff find a proposal by title, organization or credit code, keep an archive of closed
ones, and see in the queue the money left and when a decision is expected."""

import re
from datetime import timedelta

from funding.accounts.models import Role
from funding.extensions import db, utcnow
from funding.proposals.models import ProposalState
from tests import factories


def _proposals():
    member = factories.user(Role.ORG_MEMBER)
    other = factories.user(Role.ORG_MEMBER)
    meals = factories.proposal(member, title="清波长者助餐")
    meals.state, meals.submitted_at = ProposalState.SCREENING, utcnow() - timedelta(days=2)
    homework = factories.proposal(other, title="四点半课堂")
    homework.state = ProposalState.REJECTED
    db.session.commit()
    return member


def test_staff_search_by_title_organization_or_credit_code(client, login_as):
    member = _proposals()
    staff = login_as(factories.user(Role.STAFF))
    by_title = staff.get("/proposals?q=助餐").get_data(as_text=True)
    assert "清波长者助餐" in by_title and "四点半课堂" not in by_title
    by_org = staff.get(f"/proposals?q={member.party.name}").get_data(as_text=True)
    assert "清波长者助餐" in by_org and "四点半课堂" not in by_org
    by_code = staff.get(f"/proposals?q={member.party.credit_code.lower()}").get_data(as_text=True)
    assert "清波长者助餐" in by_code and "四点半课堂" not in by_code
    archive = staff.get("/proposals?state=archive").get_data(as_text=True)
    assert "四点半课堂" in archive and "清波长者助餐" not in archive


def test_the_queue_shows_money_left_and_the_expected_decision(client, login_as):
    _proposals()
    staff = login_as(factories.user(Role.STAFF))
    page = staff.get("/staff/queue?lang=en").get_data(as_text=True)
    assert "Expected decision" in page and "Money left in program" in page
    assert "¥1,000,000.00" in page, "the program's free money (the factory funds ¥1,000,000)"
    assert re.search(r"<td>[A-Z][a-z]{2} \d{1,2}, \d{4}</td>", page), "a date for the one waiting"
