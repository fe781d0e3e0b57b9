"""Money in the browser: pledge with matching, receipt, reservation, a two-person release."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from funding.extensions import db
from funding.proposals.models import ProposalState
from tests.browser.test_foundation_journeys import log_in, log_out

pytestmark = pytest.mark.browser


def test_pledge_match_reserve_two_person_release_public_figures(page, make):
    staff, staff2 = make.user(Role.STAFF), make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = make.program(
        name="社区伙伴计划",
        budget_fen=50_000_000,
        match_ratio_pct=100,
        match_cap_project_fen=2_000_000,
        match_cap_program_fen=10_000_000,
        max_grant_fen=20_000_000,
    )
    proposal = make.proposal(
        member,
        program=program,
        state=ProposalState.APPROVED,
        approved_amount_fen=12_000_000,
        title="邻里守望助老",
        disclosure_until=date(2020, 1, 2),
    )
    proposal.amount_requested_fen = 12_000_000
    db.session.commit()

    log_in(page, ent.email)
    page.goto("/disclosures")
    page.get_by_role("link", name="邻里守望助老").click()
    page.goto(f"/pledges/new?proposal={proposal.id}")
    page.fill("input[name=amount]", "30000")
    page.fill("input[name=due_date]", "2027-06-30")
    page.click("#preview-pledge")
    expect(page.locator("#match-estimate")).to_contain_text("¥20,000.00")
    expect(page.locator("#match-estimate")).to_contain_text("¥50,000.00")
    page.click("#confirm-pledge")
    expect(page.locator("[data-pledge-state]")).to_have_attribute("data-pledge-state", "pledged")
    log_out(page)

    log_in(page, staff.email)
    page.goto("/pledges")
    page.locator("#pledges a").first.click()
    page.fill("input[name=receipt_no]", "HZ-2027-001")
    page.fill("input[name=received_on]", "2027-01-05")
    page.click("#confirm-receipt")
    expect(page.locator("#matched")).to_have_text("¥20,000.00")
    page.goto(f"/proposals/{proposal.id}")
    page.click("#sign")
    page.goto("/grants")
    page.get_by_role("link", name="邻里守望助老").click()
    page.click("#reserve-link")
    expect(page.locator("#proposed-total")).to_contain_text("¥120,000.00 / ¥120,000.00")
    page.click("#reserve")
    expect(page.locator("#shares")).to_contain_text(ent.party.name)
    log_out(page)

    log_in(page, member.email)
    page.goto("/grants")
    page.get_by_role("link", name="邻里守望助老").click()
    page.locator("tr[data-tranche='1'] a").click()
    page.fill("textarea[name=activities]", "开展助老活动 20 场")
    page.fill("input[name=beneficiaries_served]", "60")
    page.click("#send-request")
    expect(page.locator("tr[data-tranche='1']")).to_have_attribute(
        "data-tranche-state", "requested"
    )
    log_out(page)

    for signer, state in ((staff, "signed"), (staff2, "paid")):
        log_in(page, signer.email)
        page.goto("/grants")
        page.get_by_role("link", name="邻里守望助老").click()
        page.click("button[data-sign='1']")
        expect(page.locator("tr[data-tranche='1']")).to_have_attribute("data-tranche-state", state)
        log_out(page)

    page.goto("/transparency")
    row = page.locator(f"tr[data-program='{program.id}']")
    expect(row).to_contain_text("¥60,000.00")  # paid: the first tranche (50%)
    cells = row.locator("td").all_inner_texts()
    assert re.sub(r"\s", "", cells[3]) == "¥60,000.00"
