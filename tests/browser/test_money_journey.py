"""Money in the browser: a pledge previewed then confirmed (in both languages), receipt per
instalment, reservation, a two-person release, and the public figures."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from funding.dates import today
from funding.proposals.models import ProposalState
from tests.browser.test_foundation_journeys import log_in, log_out
from tests.funding.money_helpers import budget_for

pytestmark = pytest.mark.browser


def _world(make, amount_fen=12_000_000):
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
        approved_amount_fen=amount_fen,
        title="邻里守望助老",
        disclosure_until=date(2020, 1, 2),
        **budget_for(amount_fen),
    )
    return staff, staff2, member, ent, program, proposal


def test_pledge_match_reserve_two_person_release_public_figures(page, make):
    staff, staff2, member, ent, _program, proposal = _world(make)

    log_in(page, ent.email)
    page.goto("/disclosures")
    page.get_by_role("link", name="邻里守望助老").click()
    page.goto(f"/pledges/new?proposal={proposal.id}")
    page.fill("input[name=amount]", "30000")
    page.fill("input[name=due_date]", (today() + timedelta(days=30)).isoformat())
    page.click("#preview-pledge")
    expect(page.locator("#match-estimate")).to_contain_text("¥20,000.00")
    expect(page.locator("[data-preview-part='1']")).to_contain_text("¥50,000.00")
    page.click("#confirm-pledge")
    expect(page.locator("[data-pledge-state]")).to_have_attribute("data-pledge-state", "pledged")
    log_out(page)

    log_in(page, staff.email)
    page.goto("/pledges")
    page.locator("#pledges a").first.click()
    page.fill("tr[data-instalment='1'] input[name=receipt_no]", "HZ-2027-001")
    page.click("button[data-receipt='1']")
    expect(page.locator("#matched")).to_have_text("¥20,000.00")
    expect(page.locator("tr[data-instalment='1']")).to_have_attribute(
        "data-instalment-state", "received"
    )
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
    page.fill("input[name='spending-0-amount']", "50000")
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
    row = page.locator("#program-figures tbody tr", has_text="社区伙伴计划")
    cells = [re.sub(r"\s", "", c) for c in row.locator("td").all_inner_texts()]
    assert cells[4] == "¥60,000.00"  # paid: the first tranche (50%)
    assert cells[5] == "¥60,000.00"  # still reserved for the grant
    expect(page.locator("#program-figures tfoot")).to_contain_text("合计")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pledge_preview_then_confirm(page, make, lang):
    """The donor previews, is offered what the project still needs, changes the pledge, and
    confirms exactly what the preview shows; nothing is pledged before that."""
    _staff, _staff2, _member, ent, _program, proposal = _world(make, amount_fen=6_000_000)
    words = {
        "zh": {"only": "该项目仅尚缺 ¥60,000.00", "change": "修改", "project": "项目"},
        "en": {
            "only": "This project still needs only ¥60,000.00",
            "change": "Change",
            "project": "Project",
        },
    }[lang]
    log_in(page, ent.email)
    page.goto(f"/pledges/new?proposal={proposal.id}&lang={lang}")
    expect(page.locator("#project-open")).to_contain_text("¥60,000.00")
    page.fill("input[name=amount]", "90000")
    page.fill("input[name=due_date]", (today() + timedelta(days=30)).isoformat())
    page.click("#preview-pledge")
    expect(page.locator(".alert-danger")).to_contain_text(words["only"])
    page.click("#fit-split")  # ¥40,000 (+ ¥20,000 matching) to the project, ¥50,000 to the program
    parts = page.locator("[data-preview-part]")
    expect(parts).to_have_count(2)
    expect(parts.nth(0).locator("[data-amount]")).to_have_text("¥40,000.00")
    expect(parts.nth(0).locator("#match-estimate")).to_have_text("¥20,000.00")
    expect(parts.nth(1).locator("[data-amount]")).to_have_text("¥50,000.00")
    page.get_by_role("button", name=words["change"]).click()  # back to the form, values kept
    expect(page.locator("input[name=amount]")).to_have_value("90000")
    page.fill("input[name=amount]", "30000")
    page.fill("input[name=due_date]", "")
    first, second = today() + timedelta(days=10), today() + timedelta(days=70)
    page.fill("input[name='schedule-0-due_date']", first.isoformat())
    page.fill("input[name='schedule-0-amount']", "10000")
    page.fill("input[name='schedule-1-due_date']", second.isoformat())
    page.fill("input[name='schedule-1-amount']", "20000")
    page.click("#preview-pledge")
    expect(page.locator("[data-preview-part]")).to_have_count(1)
    expect(page.locator("#match-estimate")).to_have_text("¥20,000.00")
    expect(page.locator("[data-preview-part='1'] li")).to_have_count(2)
    page.click("#confirm-pledge")
    expect(page.locator("[data-pledge-state]")).to_have_attribute("data-pledge-state", "pledged")
    expect(page.locator("#instalments tbody tr")).to_have_count(2)
    expect(page.locator("#promised")).to_have_text("¥20,000.00")
    expect(page.locator("h1")).to_contain_text("¥30,000.00")
    page.goto(f"/pledges?lang={lang}")
    expect(page.locator("#pledges tbody tr")).to_have_count(1)
    expect(page.locator("#pledges")).to_contain_text(words["project"])
