"""A proposal from draft to public disclosure, in the browser, each role in its own session."""

import re

import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from tests.browser.test_foundation_journeys import log_in, log_out

pytestmark = pytest.mark.browser


def test_draft_submit_screen_review_approve_disclose(page, make, tmp_path):
    member = make.user(Role.ORG_MEMBER)
    staff = make.user(Role.STAFF)
    reviewers = [make.user(Role.REVIEWER, name=f"评审{i}") for i in range(3)]
    program = make.program(name="社区伙伴计划")
    need = make.need(title="独居老人助餐")
    plan = tmp_path / "项目计划书.pdf"
    plan.write_bytes(b"%PDF-1.4\n% project plan\n")

    log_in(page, member.email)
    page.goto("/programs")
    page.click(f"button[data-apply='{program.id}']")
    page.fill("input[name=title]", "清波门长者助餐")
    page.click("input[name=save]")
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    page.fill("textarea[name=summary]", "为独居老人提供午餐与每周探访。")
    page.select_option("select[name=category_code]", "H")
    page.check(f"input[name=need_ids][value='{need.id}']")
    page.check(f"input[name=community_ids][value='{need.community_id}']")
    page.fill("input[name=direct_beneficiaries]", "80")
    page.fill("input[name=indirect_beneficiaries]", "240")
    page.fill("input[name=start_date]", "2027-01-01")
    page.fill("input[name=end_date]", "2027-12-31")
    page.fill("input[name='lines-0-item']", "午餐补贴")
    page.select_option("select[name='lines-0-category']", "activities")
    page.fill("input[name='lines-0-quantity']", "1000")
    page.fill("input[name='lines-0-unit_price']", "30")
    page.fill("input[name='lines-1-item']", "社工人力")
    page.select_option("select[name='lines-1-category']", "personnel")
    page.fill("input[name='lines-1-quantity']", "2")
    page.fill("input[name='lines-1-unit_price']", "10000")
    page.fill("input[name=amount_requested]", "30000")
    page.fill("input[name=self_funded]", "20000")
    page.fill("input[name='outcomes-0-indicator']", "服务老人")
    page.fill("input[name='outcomes-0-target']", "80人")
    page.fill("input[name='team-0-name']", "陈晓")
    page.fill("input[name='team-0-role']", "项目负责人")
    page.set_input_files("input[name=attachment]", str(plan))
    page.check("input[name=declaration]")
    page.click("input[name=submit]")
    expect(page.locator(".alert-success")).to_contain_text("申报已提交")
    expect(page.locator("#screening [data-passed='no']")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("¥50,000.00")
    expect(page.locator("main")).to_contain_text("项目计划书.pdf")
    log_out(page)

    log_in(page, staff.email)
    page.goto("/staff/queue")
    page.get_by_role("link", name="清波门长者助餐").click()
    page.click("#pass-screening")
    for reviewer in reviewers:
        page.select_option("select[name='assign-reviewer_id']", str(reviewer.id))
        page.get_by_role("button", name="指派", exact=True).click()
        expect(page.locator(".alert-success")).to_contain_text(reviewer.name)
    log_out(page)

    for n, reviewer in enumerate(reviewers):
        log_in(page, reviewer.email)
        page.goto("/reviews")
        page.get_by_role("link", name="清波门长者助餐").click()
        page.check("input[name='declare-conflicted'][value='no']")
        page.click("#declare")
        for i in range(5):
            page.fill(f"input[name='review-scores-{i}-score']", str(7 + n))
        page.select_option("select[name='review-recommendation']", "fund")
        page.fill("textarea[name='review-comment']", "需求明确，方案可行。")
        page.click("#submit-review")
        expect(page.locator(".alert-success")).to_contain_text("评审已提交")
        log_out(page)

    log_in(page, staff.email)
    page.goto("/staff/queue")
    page.get_by_role("link", name="清波门长者助餐").click()
    expect(page.locator("#review-summary")).to_contain_text("80")
    page.fill("input[name='approve-amount']", "28000")
    page.click("#approve")
    expect(page.locator(".alert-success")).to_contain_text("公示")
    log_out(page)

    page.goto("/disclosures")
    page.get_by_role("link", name="清波门长者助餐").click()
    expect(page.locator("#disclosed-amount")).to_have_text("¥28,000.00")
    expect(page.locator("main")).to_contain_text(member.party.name)

    log_in(page, member.email)
    page.goto("/proposals")
    page.get_by_role("link", name="清波门长者助餐").click()
    events = page.locator("#timeline [data-event]")
    expect(events).to_have_count(11)
    steps = [events.nth(i).get_attribute("data-event") for i in range(11)]
    assert steps[:3] == ["create", "submit", "auto_screening"]
    assert steps[3] == "pass_screening" and steps[-1] == "approve"
    assert steps.count("reviewer_assigned") == 3 and steps.count("review_submitted") == 3
    expect(page.locator("#timeline")).to_contain_text(re.compile("已立项"))
