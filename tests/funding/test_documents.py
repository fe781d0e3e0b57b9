"""The printable documents are PDFs whose text is real text: what a reader (or a test) can
extract says who, what, how much in figures and in capitals, and where to sign."""

import io

from pypdf import PdfReader

from funding.accounts.models import Role
from funding.pledges.models import PledgeTarget
from tests import factories
from tests.funding.money_helpers import (
    enterprise_member,
    matching_program,
    pledge_data,
    promise,
    signed_grant,
)


def _text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_grant_agreement_and_the_application_form(client, login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=50_000_000, tranches=[50, 30, 20])
    grant = signed_grant(staff, member, program, 3_000_000, title="清波长者助餐")
    org = member.party
    browser = login_as(member)

    agreement = _text(browser.get(f"/grants/{grant.id}/agreement.pdf?lang=zh"))
    assert "资助协议" in agreement and "上城区社会组织发展基金会" in agreement
    assert org.name in agreement and org.credit_code in agreement
    assert "清波长者助餐" in agreement and "¥30,000.00" in agreement
    assert "人民币叁万元整" in agreement and "人民币壹万伍仟元整" in agreement, "the tranches"
    assert "甲方（盖章）" in agreement and "乙方（盖章）" in agreement

    form = _text(browser.get(f"/proposals/{grant.proposal_id}/form.pdf?lang=en"))
    assert "Application form" in form and "清波长者助餐" in form
    assert "Budget" in form and "¥30,000.00" in form

    stranger = factories.user(Role.ORG_MEMBER)
    other = login_as(stranger)
    assert other.get(f"/grants/{grant.id}/agreement.pdf").status_code in (403, 404)
    assert other.get(f"/proposals/{grant.proposal_id}/form.pdf").status_code in (403, 404)


def test_the_donation_agreement_shows_the_match_in_capitals(client, login_as):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = matching_program(
        own_fen=50_000_000, cap_project_fen=2_000_000, cap_program_fen=10_000_000
    )
    grant = signed_grant(staff, member, program, 5_000_000)
    donor = enterprise_member()
    pledge = promise(
        donor, pledge_data(PledgeTarget.PROJECT, 1_000_000, proposal_id=grant.proposal_id)
    )
    text = _text(login_as(donor).get(f"/pledges/{pledge.id}/agreement.pdf?lang=zh"))
    assert "捐赠协议" in text and donor.party.name in text
    assert "人民币壹万元整" in text, "the gift and its matching gift, in capitals"
    assert "配捐" in text and pledge.promised_match_fen == 1_000_000
    assert login_as(member).get(f"/pledges/{pledge.id}/agreement.pdf").status_code in (403, 404)
