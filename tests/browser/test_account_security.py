"""Account security in Chromium: setting up the second factor and logging in with it,
changing the password, and resetting a forgotten one through the emailed link."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from funding.accounts.models import Role
from tests.browser.test_foundation_journeys import log_in, log_out
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW = "lantern orchard ferry"


def test_staff_sets_up_the_second_factor_and_logs_in_with_it(page, make):
    staff = make.user(Role.STAFF, totp_secret=None)
    log_in(page, staff.email)
    expect(page).to_have_url(re.compile("/account/second-factor$"))
    expect(page.locator("#totp-qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit]:has-text('开启')")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery = page.locator("#recovery-codes li").first.inner_text()
    page.goto("/staff/users")
    expect(page.locator("h1")).to_have_text("账户管理")
    log_out(page)
    page.goto("/login")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile("/login/second-factor"))
    page.goto("/staff/users")
    expect(page).to_have_url(re.compile("/login/second-factor"))
    page.fill("input[name=code]", recovery)
    page.click("form button[type=submit]:has-text('继续')")
    page.goto("/staff/users")
    expect(page.locator("h1")).to_have_text("账户管理")


def test_change_password(page, make):
    member = make.user(Role.ORG_MEMBER)
    log_in(page, member.email)
    page.click("#account-link")
    page.get_by_role("link", name="修改密码").click()
    page.fill("input[name=current]", PASSWORD)
    page.fill("input[name=password]", NEW)
    page.fill("input[name=confirm]", NEW)
    page.click("form button[type=submit]:has-text('修改密码')")
    expect(page.locator(".alert")).to_contain_text("密码已修改")
    log_out(page)
    log_in(page, member.email, NEW)
    expect(page.locator("#account-link")).to_be_visible()


def test_reset_a_forgotten_password(page, make, app):
    member = make.user(Role.ORG_MEMBER)
    outbox = app.extensions["mailman"].outbox = []
    page.goto("/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.fill("input[name=email]", member.email)
    page.click("form button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("如果有账户使用此邮箱")
    link = re.search(r"http://\S+/password/reset/\S+", outbox[-1].body).group(0)
    page.goto(link)
    page.fill("input[name=password]", NEW)
    page.fill("input[name=confirm]", NEW)
    page.click("form button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("请使用新密码登录")
    log_in(page, member.email, NEW)
    expect(page.locator("#account-link")).to_be_visible()
    page.goto(link)
    expect(page.locator(".alert")).to_contain_text("此链接已失效")
