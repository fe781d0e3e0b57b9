"""Public figures defined once: every table reconciles by its stated identity, the breakdowns
sum to the grants table, and the downloads hold numbers, dates and labels with a totals row."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from funding.accounts.models import Role
from funding.dates import today
from funding.grants import closing, tranches
from funding.ledger.check import violations
from funding.pledges.models import PledgeTarget, UnusedMoney
from tests.funding.money_helpers import (
    key,
    matching_program,
    pledge_data,
    promise,
    receive,
    request_next,
    reserve_proposed,
    signed_grant,
)


@pytest.fixture
def district(make):
    """Two programs; grants in two streets, one serving both; one completed under budget, one
    terminated, one running; gifts to the pool, a program and projects (one refunded)."""
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    worker = make.user(Role.COMMUNITY_WORKER)
    ent = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise(public_listing=True))
    a = matching_program(
        own_fen=6_000_000, cap_project_fen=500_000, cap_program_fen=800_000, tranches=[50, 50]
    )
    b = matching_program(own_fen=3_000_000, ratio_pct=0)
    qingbo, hubin = make.community("清波门社区"), make.community("东坡路社区")
    done = signed_grant(staff, member, a, 2_000_000, communities=[qingbo])
    cut = signed_grant(staff, member, a, 1_500_000, communities=[qingbo, hubin], category_code="A")
    running = signed_grant(staff, member, b, 2_500_000, communities=[hubin])
    receive(staff, promise(ent, pledge_data(PledgeTarget.POOL, 700_000)))
    receive(staff, promise(ent, pledge_data(PledgeTarget.PROGRAM, 400_000, program_id=b.id)))
    receive(
        staff,
        promise(ent, pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=done.proposal_id)),
    )
    receive(
        staff,
        promise(
            ent,
            pledge_data(
                PledgeTarget.PROJECT,
                200_000,
                proposal_id=cut.proposal_id,
                if_unused=UnusedMoney.REFUND,
            ),
        ),
    )
    for grant in (done, cut, running):
        reserve_proposed(staff, grant)
    for _ in done.tranches:
        tranches.sign_tranche(staff, request_next(member, staff, worker, done, 90), key())
    tranches.sign_tranche(staff, request_next(member, staff, worker, cut), key())
    closing.terminate_grant(staff, cut, False, "项目停止", key())
    tranches.sign_tranche(staff, request_next(member, staff, worker, running), key())
    assert violations() == []
    return {"staff": staff, "ent": ent, "programs": (a, b)}


def _rows(client, name):
    text = client.get(f"/transparency/{name}.csv?lang=en").data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _yuan(cell: str) -> int:
    return round(float(cell) * 100) if cell else 0


def test_each_program_row_adds_up_as_stated(district, client):
    header, *rows = _rows(client, "programs")
    assert header[:9] == [
        "Program",
        "Raised",
        "From shared funds",
        "Refunded to donors",
        "Paid",
        "Reserved",
        "For projects",
        "Committed",
        "Available",
    ]
    *programs, total = rows
    assert total[0] == "Total" and len(programs) == 2
    for row in programs:
        raised, shared, refunded, paid, reserved, projects, committed, available = map(
            _yuan, row[1:9]
        )
        assert raised + shared - refunded == paid + reserved + projects + committed + available
    for column in range(1, len(header)):
        assert _yuan(total[column]) == sum(_yuan(r[column]) for r in programs)
    refunded = sum(_yuan(r[3]) for r in programs)
    assert refunded == 100_000  # half the refundable gift was paid with the first tranche


def test_breakdowns_sum_to_the_grants_table(district, client):
    grants_total = _rows(client, "grants")[-1]
    amount, paid, reserved, returned, unreserved = map(_yuan, grants_total[3:8])
    assert amount == paid + reserved + returned + unreserved == 6_000_000
    for name in ("street", "category", "year"):
        _header, *rows = _rows(client, name)
        *_buckets, total = rows
        assert total[1] == "3", name  # every grant counted exactly once
        assert list(map(_yuan, total[2:7])) == [amount, paid, reserved, returned, unreserved]
    streets = {r[0] for r in _rows(client, "street")[1:-1]}
    assert "Several streets" in streets  # the grant serving two streets has its own bucket


def test_the_page_shows_each_identity_and_totals(district, client):
    page = client.get("/transparency?lang=en").get_data(as_text=True)
    assert page.count("data-identity") == 6 and page.count("data-totals") == 6
    assert "Amount = paid + reserved + returned + not yet reserved." in page
    assert 'id="shared-funds"' in page


def test_downloads_hold_numbers_dates_and_labels(district, client, login_as):
    book = load_workbook(io.BytesIO(client.get("/transparency/grants.xlsx?lang=en").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[3] == "Amount"
    values = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(v, int | float) for v in values)
    assert sheet.cell(row=2, column=4).number_format == "#,##0.00"
    states = {row[8].value for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1)}
    assert states == {"Completed", "Terminated", "Active"}  # labels, not codes
    staff = login_as(district["staff"])
    book = load_workbook(io.BytesIO(staff.get("/staff/exports/proposals.xlsx?lang=en").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    submitted = header.index("Submitted")
    state = header.index("State")
    assert {row[state].value for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1)} == {
        "Agreement signed"
    }
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    assert sheet.cell(row=2, column=submitted + 1).value is None or isinstance(
        sheet.cell(row=2, column=submitted + 1).value, date
    )


def test_funder_statement(district, login_as):
    staff = login_as(district["staff"])
    ent = district["ent"].party
    rows = list(
        csv.reader(
            io.StringIO(
                staff.get(f"/staff/enterprises/{ent.id}/statement.csv?lang=en").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    header, *body = rows
    *lines, total = body
    column = {name: i for i, name in enumerate(header)}
    assert _yuan(total[column["Pledged"]]) == 1_600_000
    assert _yuan(total[column["Received"]]) == 1_600_000
    assert _yuan(total[column["Matching added"]]) == 300_000 + 200_000
    assert _yuan(total[column["Refunded"]]) == 100_000
    paid = _yuan(total[column["Paid to the organization"]])
    reserved = _yuan(total[column["Reserved for the grant"]])
    returned = _yuan(total[column["Returned by the grant"]])
    waiting = _yuan(total[column["Waiting in funds"]])
    assert paid + waiting + _yuan(total[column["Refunded"]]) + (reserved - paid - returned) == (
        1_600_000
    )
    granted = [r for r in lines if r[column["Grant"]]]
    assert {r[column["Grant"]] for r in granted} == {"长者助餐服务"}
    assert all(
        r[column["Made on"]] == "" or r[column["Made on"]].startswith(str(today().year))
        for r in lines
    )
    assert staff.get(f"/staff/enterprises/{ent.id}/statement.xlsx").status_code == 200
    assert (
        login_as(district["ent"]).get(f"/staff/enterprises/{ent.id}/statement.csv").status_code
        == 403
    )
