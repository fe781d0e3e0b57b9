"""Each workbench in Chromium, on the demo district: the person signs in (staff with their
code), sees what waits for them in Chinese and in English, and follows an item to the page
where they act on it; at a phone's and a desktop's width nothing is wider than the window."""

import re

import pytest
from playwright.sync_api import expect

from funding.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from tests.browser.test_foundation_journeys import log_in
from tests.browser.test_layout_crawl import CHECK, _codes

pytestmark = pytest.mark.browser

#: Per workbench: who, what waits for them (in Chinese, in English), the item followed, the
#: page it leads to and what there is acted on.
WORKBENCHES = {
    "staff": (
        "staff@demo.local",
        '[data-waiting="screen"]',
        ("待资格审查的申报", "Proposals to screen"),
        r"/proposals\?state=screening$",
        "#pass-screening",
    ),
    "organization": (
        "org@demo.local",
        "#tranches-due a",
        ("现在可以申请的拨款", "Tranches you can request now"),
        r"/grants/\d+/tranches/\d+/request$",
        "#send-request",
    ),
    "enterprise": (
        "enterprise@demo.local",
        "#match-fits [data-project] a.btn",
        ("每一元的去向", "What each yuan did"),
        r"/pledges/new\?proposal=\d+$",
        "#schedule",
    ),
    "reviewer": (
        "reviewer@demo.local",
        "main .card a[href^='/reviews/']",
        ("评审任务", "Reviews"),
        r"/reviews/\d+$",
        "#declare",
    ),
    "community worker": (
        "community@demo.local",
        "#to-rate a",
        ("等待您评价的项目", "Projects waiting for your rating"),
        r"/grants/\d+$",
        "#rate",
    ),
}


def _fits(tab) -> None:
    tab.wait_for_load_state("load")  # measured with the stylesheets, not before they apply
    assert tab.evaluate(CHECK, _codes()) == [], tab.url


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("who", list(WORKBENCHES))
def test_each_workbench_shows_what_waits_and_leads_to_where_it_is_done(
    browser, live_server, who, width
):
    seed_demo()
    email, item, waiting, target, action = WORKBENCHES[who]
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": 900}, locale="zh-CN"
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    log_in(tab, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    for lang, text in zip(("zh", "en"), waiting, strict=True):
        tab.goto(f"/dashboard?lang={lang}")
        expect(tab.locator("main")).to_contain_text(text)
        expect(tab.locator(item).first).to_be_visible()
        _fits(tab)
    tab.locator(item).first.click()
    expect(tab).to_have_url(re.compile(target))
    if who == "staff":  # the list of proposals to screen, then one of them
        _fits(tab)
        tab.locator("main table a[href^='/proposals/']").first.click()
    expect(tab.locator(action)).to_be_visible()
    _fits(tab)
    context.close()
