"""An enterprise's workbench follows each pledge into the grants it paid for; the amounts are
the ledger's."""

import re

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.grants import tranches
from funding.ledger.models import Account, AccountKind, Entry
from funding.pledges.models import PledgeTarget
from tests import factories
from tests.funding.money_helpers import (
    approved_proposal,
    enterprise_member,
    key,
    matching_program,
    pledge_data,
    promise,
    receive,
    request_next,
    reserve_proposed,
    signed_grant,
)


def _ledger(pledge_id: int, kind: AccountKind) -> int:
    """The sum of the pledge's entries on accounts of ``kind``, read straight from the ledger."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount_fen), 0))
        .join(Entry.account)
        .where(Entry.pledge_id == pledge_id, Account.kind == kind)
    )


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in row.split("</td>")][:-1]


def test_a_pledge_split_over_two_grants_shows_the_ledgers_amounts(login_as):
    staff = factories.user(Role.STAFF)
    program = matching_program(
        own_fen=50_000_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    donor = enterprise_member()
    split = promise(donor, pledge_data(PledgeTarget.PROGRAM, 5_000_000, program_id=program.id))
    receive(staff, split)
    member, other = (factories.user(Role.ORG_MEMBER) for _ in range(2))
    first = signed_grant(staff, member, program, 3_000_000, title="长者助餐")
    reserve_proposed(staff, first)
    second = signed_grant(staff, other, program, 3_000_000, title="四点半课堂")
    reserve_proposed(staff, second)
    tranches.sign_tranche(staff, request_next(member, staff, None, first), key())
    project = approved_proposal(other, program, 2_000_000, title="社区食堂")
    gift = promise(donor, pledge_data(PledgeTarget.PROJECT, 1_000_000, proposal_id=project.id))
    receive(staff, gift)

    page = login_as(donor).get("/dashboard?lang=en").get_data(as_text=True)
    card = page[page.index(f'data-pledge="{split.id}"') :].split('class="card mb-2"')[0]
    rows = {
        title: _cells(re.search(rf"{title}.*?</tr>", card, re.S).group(0))
        for title in ("长者助餐", "四点半课堂")
    }
    paid = _ledger(split.id, AccountKind.PAYEE)
    assert paid == 1_500_000, "the first tranche (50%) of the first grant came from the pledge"
    assert rows["长者助餐"][2:5] == ["¥30,000.00", "¥15,000.00", "¥0.00"]
    assert rows["四点半课堂"][2:5] == ["¥20,000.00", "¥0.00", "¥0.00"]
    assert "tranche 1: ¥15,000.00" in rows["长者助餐"][5]
    assert rows["长者助餐"][6] == "Progress report 1" and rows["四点半课堂"][6] == "—"
    assert f'href="/disclosures/{first.proposal_id}"' in card
    assert f'href="/grants/{first.id}#tranches"' in card
    reserved = _ledger(split.id, AccountKind.GRANT_RESERVED) + _ledger(
        split.id, AccountKind.GRANT_HELD
    )
    assert reserved + paid == 5_000_000, "all of it went into the two grants"

    gift_card = page[page.index(f'data-pledge="{gift.id}"') :].split('class="card mb-2"')[0]
    assert "Matching added <span data-matched>¥10,000.00</span>" in gift_card
    totals = _cells(re.search(r'id="impact-totals">.*?<tbody>(.*?)</tbody>', page, re.S).group(1))
    assert totals == [
        "All your pledges",
        "¥60,000.00",
        "¥60,000.00",
        "¥10,000.00",
        f"¥{reserved / 100:,.2f}",
        "¥15,000.00",
        f"¥{(6_000_000 - reserved - paid) / 100:,.2f}",
        "¥0.00",
    ]
    chinese = login_as(donor).get("/dashboard?lang=zh").get_data(as_text=True)
    assert "每一元的去向" in chinese
