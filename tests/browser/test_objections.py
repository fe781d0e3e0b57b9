"""The public objects to an approval on disclosure, staff answer in public, the public reads
the outcome."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from funding.extensions import utcnow
from funding.proposals.models import ProposalState
from tests.browser.test_foundation_journeys import log_in, log_out

pytestmark = pytest.mark.browser


def test_objection_answered_in_public(page, make):
    staff = make.user(Role.STAFF)
    p = make.proposal(
        state=ProposalState.APPROVED,
        approved_amount_fen=2_000_000,
        disclosure_until=(utcnow() + timedelta(days=7)).date(),
        decided_at=utcnow(),
        title="社区长者助餐点",
    )
    page.goto("/disclosures")
    page.get_by_role("link", name="社区长者助餐点").click()
    page.fill("input[name=name]", "王女士")
    page.fill("input[name=contact]", "13800002222")
    page.fill("textarea[name=text]", "该机构去年的助餐项目没有按期完成。")
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".alert-success")).to_be_visible()

    log_in(page, staff.email)
    page.goto(f"/proposals/{p.id}")
    expect(page.locator("#staff-actions")).to_contain_text("待基金会答复")
    page.get_by_role("button", name="基金会").click()
    page.get_by_role("link", name="异议", exact=True).click()
    card = page.locator("[data-objection-state=open]").first
    card.get_by_label("异议成立：撤销立项").check()
    card.locator("textarea").fill("经核实，该机构确有项目未结项，撤销本次立项。")
    card.get_by_role("button", name="发布答复").click()
    expect(page.locator(".alert-success")).to_contain_text("答复已在公示页面发布")
    log_out(page)

    page.goto(f"/disclosures/{p.id}")
    expect(page.locator("#disclosure-outcome")).to_contain_text("立项已撤销")
    expect(page.locator("#objections")).to_contain_text("经核实，该机构确有项目未结项")
    expect(page.locator("main")).not_to_contain_text("王女士")
    page.click("#lang-switch")
    expect(page.locator("#objections")).to_contain_text("Upheld: the approval was withdrawn")
