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


def _password_step(page, email: str, login: str = "/login") -> None:
    """The first step of logging in; the page then asks for the second factor."""
    page.goto(login)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile("/login/second-factor"))


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
    _password_step(page, staff.email)
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


@pytest.fixture
def localhost_page(browser, live_server):
    """A tab on ``localhost`` (a passkey's relying party must be a domain, not an address) with
    Chromium's virtual authenticator standing in for a fingerprint reader."""
    context = browser.new_context(
        base_url=live_server.replace("127.0.0.1", "localhost"), locale="zh-CN"
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    cdp = context.new_cdp_session(tab)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield tab, cdp, authenticator["authenticatorId"]
    context.close()


def test_staff_adds_a_passkey_and_logs_in_with_it(localhost_page, make):
    page, cdp, authenticator = localhost_page
    staff = make.user(Role.STAFF)
    log_in(page, staff.email)
    page.click("#account-link")
    page.get_by_role("link", name="通行密钥").click()
    expect(page.locator("#passkeys")).to_have_text("还没有通行密钥。")
    page.fill("input[name=name]", "办公室电脑")
    page.click("#passkey-add button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("通行密钥已添加")
    expect(page.locator("#passkeys tbody tr")).to_have_count(1)
    expect(page.locator("#passkeys tbody td").first).to_have_text("办公室电脑")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    log_out(page)
    _password_step(page, staff.email, "/login?lang=en")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).not_to_have_url(re.compile("/login/"))
    page.goto("/staff/users")
    expect(page.locator("h1")).to_have_text("Accounts")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert credentials["credentials"][0]["signCount"] >= 1
