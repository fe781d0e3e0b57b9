"""Journeys through the foundation: registration, verification, dashboard, language switch."""

import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from tests.factories import PASSWORD, TOTP_SECRET, fresh_code

pytestmark = pytest.mark.browser


def log_in(page, email: str, password: str = PASSWORD, secret: str = TOTP_SECRET) -> None:
    """The login form, then (staff and admins) the code their authenticator app shows."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if "/login/second-factor" in page.url:
        page.fill("input[name=code]", fresh_code(email, secret))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    page.wait_for_load_state("load")  # Bootstrap's script drives the menus clicked next


def log_out(page) -> None:
    page.click("nav button:has-text('退出')")
    expect(page.get_by_role("link", name="登录")).to_be_visible()


def test_register_verify_and_see_dashboard(page, make):
    staff = make.user(Role.STAFF)
    page.goto("/")
    page.get_by_role("link", name="注册", exact=True).click()
    page.get_by_role("link", name="注册社会组织").click()
    page.fill("input[name=party_name]", "湖滨邻里守望社会工作服务中心")
    page.fill("input[name=credit_code]", "91350100M000100Y4Z")
    page.select_option("select[name=legal_form]", "private_non_enterprise")
    page.fill("input[name=person_name]", "陈晓")
    page.fill("input[name=contact_mobile]", "13800001234")
    page.fill("input[name=email]", "chen@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("Z")
    page.fill("input[name=credit_code]", "91350100M000100Y43")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("注册已提交")

    log_in(page, "chen@example.org")
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator("main")).to_contain_text("待审核")
    log_out(page)

    log_in(page, staff.email)
    page.get_by_role("button", name="基金会").click()
    page.get_by_role("link", name="主体审核").click()
    page.locator("button[data-verify='91350100M000100Y43']").click()
    expect(page.locator(".alert-success")).to_contain_text("已通过审核")
    log_out(page)

    log_in(page, "chen@example.org")
    expect(page.locator("main")).to_contain_text("湖滨邻里守望社会工作服务中心")
    expect(page.locator("main .badge")).to_contain_text("已审核")
    expect(page.get_by_role("link", name="机构资料")).to_be_visible()


def test_language_switch(page, make):
    make.need(title="独居老人助餐")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("社区需求，多方共解")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("Neighbourhood needs, met together")
    page.get_by_role("link", name="Community needs", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Community needs")
    expect(page.locator("main")).to_contain_text("Services for older people")
    page.click("#lang-switch")
    expect(page.locator("h1")).to_have_text("社区需求")
