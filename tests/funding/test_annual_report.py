"""The annual report: one year's grants and givers, as a page and as a PDF."""

import io

from pypdf import PdfReader

from funding.accounts.models import Role
from funding.dates import today
from funding.pledges.models import PledgeTarget
from tests import factories
from tests.funding.money_helpers import (
    enterprise_member,
    matching_program,
    pledge_data,
    promise,
    signed_grant,
)


def test_the_years_report_as_page_and_pdf(client):
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=50_000_000)
    program.name_en = "Partners"
    grant = signed_grant(staff, member, program, 3_000_000, title="清波长者助餐")
    donor = enterprise_member()
    promise(donor, pledge_data(PledgeTarget.PROGRAM, 2_000_000, program_id=program.id))
    year = grant.created_at.year

    assert f'href="/reports/{year}"' in client.get("/transparency").get_data(as_text=True)
    page = client.get(f"/reports/{year}?lang=en").get_data(as_text=True)
    assert f"Annual report {year}" in page and "Partners" in page
    assert "¥30,000.00" in page and donor.party.name in page and "¥20,000.00" in page
    assert 'id="annual-program"' in page, "a chart beside each table"

    pdf = client.get(f"/reports/{year}.pdf?lang=zh")
    assert pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"{year}" in text and "人民币叁万元整" in text and donor.party.name in text
    assert client.get(f"/reports/{today().year - 30}").status_code == 404


def test_a_year_no_calendar_holds_is_not_found(client):
    for year in (0, 1999, 9999, 10_000, 2**40):
        assert client.get(f"/reports/{year}").status_code == 404
        assert client.get(f"/reports/{year}.pdf").status_code == 404
