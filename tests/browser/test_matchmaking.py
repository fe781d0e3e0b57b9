"""Journeys through matchmaking: a staff run and acceptance, the enterprise's dashboard, a fair."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from funding.accounts.models import Role
from funding.extensions import db
from funding.matchmaking.models import FairIntent, IntentState
from funding.pledges.models import Pledge, PledgeTarget
from tests import factories as make
from tests.browser.test_foundation_journeys import log_in
from tests.funding.test_matchmaking import QINGBO, approved, build_world

pytestmark = pytest.mark.browser


def english(page) -> None:
    """The language choice is remembered in a cookie; these journeys read English."""
    page.goto("/?lang=en")


def log_out(page) -> None:
    page.click("nav button:has-text('Log out')")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_staff_run_matchmaking_accept_a_pairing_and_the_enterprise_sees_fits(page):
    world = build_world()
    english(page)
    log_in(page, world.staff.email)
    page.get_by_role("button", name="Foundation").click()
    page.get_by_role("link", name="Matchmaking", exact=True).click()
    expect(page.locator("h1")).to_have_text("Matchmaking")
    page.click("#run-matchmaking")
    expect(page.locator("#total-funded")).to_have_text("2")
    expect(page.locator("#unfunded")).to_contain_text("青少年四点半课堂")
    expect(page.locator("#unfunded")).to_contain_text(
        "No organization provides Services for young people"
    )
    row = page.locator(f"tr[data-need='need-{world.meals.id}']")
    expect(row).to_contain_text("清波助老服务中心")
    expect(row).to_contain_text("Same service area: Services for older people")
    row.get_by_role("button", name="Accept").click()
    expect(page.locator(".alert-success")).to_contain_text("1 pairing accepted")
    expect(page.locator(f"tr[data-need='need-{world.meals.id}']")).to_contain_text("Accepted")

    page.locator("main").get_by_role("link", name="Network picture").click()
    expect(page.locator(f"#network [data-ref='need-{world.meals.id}']")).to_be_visible()
    log_out(page)

    log_in(page, world.org_member.email)
    page.click("#notifications-link")
    expect(page.locator("main")).to_contain_text("invites you to propose a project")
    log_out(page)

    log_in(page, world.ent_member.email)
    panel = page.locator("#match-fits")
    expect(panel).to_contain_text("Projects that fit your giving")
    expect(panel).to_contain_text("长者助餐服务")
    pledge = panel.locator(f"[data-project='{world.project.id}'] a", has_text="Pledge")
    expect(pledge).to_have_attribute("href", f"/pledges/new?proposal={world.project.id}")


def test_a_fair_with_two_enterprises_board_and_report(page):
    world = build_world()
    youth_org = make.organization(name="青苗成长中心", categories=[make.category("I")])
    second = approved(
        make.user(Role.ORG_MEMBER, party=youth_org),
        "四点半课堂",
        3_000_000,
        category_code="I",
        program=world.project.program,
    )
    other = make.enterprise(name="西湖青少年基金企业")
    other.categories = [make.category("I")]
    other.streets = [make.street(QINGBO)]
    db.session.commit()
    other_member = make.user(Role.ENTERPRISE_MEMBER, party=other)

    english(page)
    log_in(page, world.staff.email)
    page.goto("/fairs")
    page.get_by_role("link", name="New fair").click()
    page.fill("input[name=name]", "清波公益创投相亲会")
    page.fill("input[name=held_on]", "2027-05-20")
    page.fill("input[name=place]", "清波街道文化中心")
    page.click("main form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Fair created")
    page.locator("#projects-form").get_by_label("长者助餐服务").check()
    page.locator("#projects-form").get_by_label("四点半课堂").check()
    page.locator("#projects-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Shortlist saved")
    page.locator("#invite-form").get_by_label("杭州暖阳科技有限公司").check()
    page.locator("#invite-form").get_by_label("西湖青少年基金企业").check()
    page.locator("#invite-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2 enterprises invited")
    expect(page.locator(f"#invited [data-enterprise='{other.id}']")).to_contain_text("四点半课堂")

    page.select_option("#paddle select[name=proposal_id]", label="长者助餐服务")
    page.select_option("#paddle select[name=enterprise_id]", label="杭州暖阳科技有限公司")
    page.fill("#paddle input[name=amount_fen]", "20000")
    page.click("#paddle button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Paddle raise recorded")
    log_out(page)

    log_in(page, other_member.email)
    page.get_by_role("link", name="Fairs", exact=True).click()
    page.get_by_role("link", name="清波公益创投相亲会").click()
    expect(page.locator("#shortlist")).to_contain_text("四点半课堂")
    expect(page.locator("#shortlist")).not_to_contain_text("长者助餐服务")
    page.select_option("#paddle select[name=proposal_id]", label="四点半课堂")
    page.fill("#paddle input[name=amount_fen]", "15000")
    page.click("#paddle button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Paddle raise recorded")
    page.locator("#intents").get_by_role("button", name="Confirm as a pledge").click()
    expect(page.locator(".alert-success")).to_contain_text("your pledge is recorded")
    expect(page.locator("#intents")).to_contain_text("Confirmed as a pledge")

    page.click("#board-link")
    board = page.locator("#board")
    expect(board.locator("section")).to_have_count(2)
    expect(board.locator(f"[data-project='{second.id}']")).to_contain_text("¥15,000.00")
    expect(board.locator(f"[data-project='{world.project.id}']")).to_contain_text("80%")
    log_out(page)

    db.session.rollback()  # end this thread's read snapshot: the server committed since
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.target == PledgeTarget.PROJECT))
    assert (pledge.enterprise_id, pledge.proposal_id, pledge.amount_fen) == (
        other.id,
        second.id,
        1_500_000,
    )
    states = set(db.session.scalars(sa.select(FairIntent.state)))
    assert states == {IntentState.INTENT, IntentState.CONFIRMED}

    log_in(page, world.staff.email)
    page.goto("/fairs")
    page.get_by_role("link", name="Report").click()
    expect(page.locator("h1")).to_contain_text("Fair report")
    project_row = page.locator("#by-project tr", has_text="四点半课堂")
    expect(project_row.locator("td").nth(3)).to_have_text("¥15,000.00")
    expect(project_row.locator("td").nth(6)).to_have_text("100%")  # raised -> pledged
    enterprise_row = page.locator("#by-enterprise tr", has_text="杭州暖阳科技有限公司")
    expect(enterprise_row).to_contain_text("¥20,000.00")
