"""Every page reads right for every kind of user, on a phone and on a desktop, in Chinese and in
English: nothing wider than the window, no table column squeezed to a character per line, and
no raw code (an enumeration's value, a category letter) where a label belongs."""

import enum
import os
import re

import pytest
import sqlalchemy as sa

from funding import models  # noqa: F401 - every model, so every enumeration is defined
from funding.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from funding.directory.models import Community, Enterprise, Need, Organization
from funding.extensions import db
from funding.grants.models import Grant
from funding.matchmaking.models import Fair, MatchBatch
from funding.proposals.models import Proposal, ProposalState
from funding.reviews.models import ReviewAssignment
from tests.browser.test_foundation_journeys import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(os.environ.get("TESTING_DATABASE_URL")),
        reason="layout does not depend on the database: the crawl runs in the SQLite pass",
    ),
]

ROLES = {
    "anonymous": None,
    "staff": "staff@demo.local",
    "admin": "admin@demo.local",
    "reviewer": "reviewer@demo.local",
    "organization": "org@demo.local",
    "enterprise": "enterprise@demo.local",
    "community": "community@demo.local",
}
SKIP = re.compile(r"\.(csv|xlsx|json|pdf)$|^/(logout|static|bootstrap|healthz|jobs/)")

#: Run in the page: what a reader would trip on.
CHECK = """(codes) => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  for (const cell of document.querySelectorAll("td, th")) {
    const text = cell.innerText.trim();
    if (!cell.offsetParent) continue;
    if (/^[A-I]$/.test(text)) problems.push(`a category letter "${text}" shown as a label`);
    if (text.length < 3) continue;
    const style = getComputedStyle(cell);
    const size = parseFloat(style.fontSize);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner < size * 1.8 && cell.clientHeight > size * 4) {
      problems.push(`a column squeezed to ${Math.round(inner)}px: "${text.slice(0, 24)}"`);
    }
  }
  const words = new Set(document.body.innerText.split(/[^A-Za-z_]+/));
  for (const code of codes) if (words.has(code)) problems.push(`the raw code "${code}" is shown`);
  return problems;
}"""


def _codes() -> list[str]:
    """Every enumeration value that is a code, not a word (``agreement_signed``)."""
    found = set()
    stack = [enum.StrEnum]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("funding"):
                found |= {m.value for m in sub if "_" in m.value}
    return sorted(found)


def _pages(app) -> list[str]:
    """Every GET page without parameters, and one of each kind of detail page."""
    simple = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not SKIP.search(rule.rule)
    )
    first = lambda model, *where: db.session.scalar(  # noqa: E731
        sa.select(model.id).where(*where).order_by(model.id).limit(1)
    )
    signed = first(Proposal, Proposal.state == ProposalState.AGREEMENT_SIGNED)
    details = [
        f"/needs/{first(Need)}",
        f"/organizations/{first(Organization, Organization.verified_at.is_not(None))}",
        f"/enterprises/{first(Enterprise, Enterprise.verified_at.is_not(None))}",
        f"/communities/{first(Community)}",
        f"/disclosures/{signed}",
        f"/proposals/{signed}",
        f"/proposals/{first(Proposal, Proposal.state == ProposalState.IN_REVIEW)}",
        f"/grants/{first(Grant)}",
        f"/reviews/{first(ReviewAssignment)}",
        f"/matchmaking/batches/{first(MatchBatch)}",
        f"/fairs/{first(Fair)}",
        f"/fairs/{first(Fair)}/report",
    ]
    return simple + details


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_fits_and_speaks_the_readers_language(app, browser, live_server, width):
    seed_demo()
    pages, codes = _pages(app), _codes()
    problems = []
    for role, email in ROLES.items():
        context = browser.new_context(
            base_url=live_server, viewport={"width": width, "height": 900}, locale="zh-CN"
        )
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        if email:
            log_in(tab, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        for lang in ("zh", "en"):
            for path in pages:
                response = tab.goto(f"{path}?lang={lang}")
                assert response.status < 500, f"{path} as {role}: {response.status}"
                if response.status != 200 or not tab.url.startswith(f"{live_server}{path}"):
                    continue  # not this role's page (refused, or sent elsewhere)
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue  # data for programs (the API, open data), not a page to read
                for problem in tab.evaluate(CHECK, codes):
                    problems.append(f"{path} {lang} {width}px as {role}: {problem}")
        context.close()
    assert problems == [], "\n".join(problems[:60]) + f"\n({len(problems)} in all)"
