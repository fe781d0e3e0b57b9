"""Bank statement reconciliation: reading the banks' exports, proposing the instalment each
credit pays, and bulk confirmation through the same receipt service as the pledge page."""

import csv
import io

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.models import AuditRecord
from funding.dates import today
from funding.extensions import db
from funding.ledger.check import violations
from funding.ledger.models import Account, Entry, LedgerTransaction
from funding.money import fen_to_input
from funding.pledges.models import InstalmentState, PledgeTarget
from funding.pledges.services import confirm_instalment
from funding.reconciliation import services
from funding.reconciliation.models import BankLine
from funding.reconciliation.pairing import Reason, Verdict, propose
from funding.reconciliation.reading import read_statement
from funding.transactions import DomainError
from tests.funding.money_helpers import (
    independent_problems,
    key,
    matching_program,
    pledge_data,
    promise,
)
from tests.funding.statements import get_counting
from tests.funding.test_imports import _xlsx

DAY = today().isoformat()


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


# --- reading ---------------------------------------------------------------------------------


def test_a_utf8_csv_with_english_titles_and_a_signed_amount():
    data = _csv(
        [
            ["Date", "Amount", "Payer name", "Reference"],
            ["2026-11-30", "1,500.00", "Hangzhou Tea Co.", "pledge #12"],
            ["2026/11/29", "-20.5", "Bank", "fee"],
            ["", "3000.00", "", "closing balance"],  # not a transaction: no date
        ]
    )
    lines = read_statement("statement.csv", data)
    assert [(str(li.booked_on), li.amount_fen, li.payer) for li in lines] == [
        ("2026-11-30", 150_000, "Hangzhou Tea Co."),
        ("2026-11-29", -2_050, "Bank"),
    ]
    assert lines[0].reference == "pledge #12"


def test_a_gbk_csv_with_chinese_titles_below_the_account_details():
    data = _csv(
        [
            ["账号", "3301 0000 1234"],
            ["起止日期", "2026-11-01 至 2026-11-30"],
            ["交易日期", "借方金额", "贷方金额", "对方户名", "摘要"],
            ["20261130", "", "50000.00", "杭州龙井茶业有限公司", "认捐12 第1期"],
            ["20261128", "300.00", "", "国网杭州供电", "电费"],
        ],
        encoding="gbk",
    )
    lines = read_statement("流水.csv", data)
    assert [(li.amount_fen, li.payer, li.reference) for li in lines] == [
        (5_000_000, "杭州龙井茶业有限公司", "认捐12 第1期"),
        (-30_000, "国网杭州供电", "电费"),
    ]


def test_an_xlsx_with_a_credit_column_and_a_postscript():
    data = _xlsx(
        [
            ["交易时间", "收入金额", "支出金额", "对方账户名称", "附言"],
            ["2026-11-30 10:22:01", 1234.5, None, "西湖制药股份有限公司", "#7"],
        ]
    )
    [line] = read_statement("statement.xlsx", data)
    assert (str(line.booked_on), line.amount_fen, line.reference) == ("2026-11-30", 123_450, "#7")


def test_identical_lines_get_different_keys_and_the_same_file_the_same_keys():
    rows = [["日期", "金额", "对方户名", "摘要"], [DAY, "100", "甲", "x"], [DAY, "100", "甲", "x"]]
    first = read_statement("a.csv", _csv(rows))
    assert len({li.key for li in first}) == 2
    assert [li.key for li in read_statement("b.csv", _csv(rows))] == [li.key for li in first]


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([["名称", "数值"], ["甲", "1"]], "statement_columns"),
        ([["日期", "金额"], [DAY, "一百元"]], "statement_amount"),
        ([["日期", "金额"], ["合计", "100"]], "statement_empty"),
    ],
)
def test_unreadable_statements_are_refused_with_a_reason(rows, code):
    with pytest.raises(DomainError) as info:
        read_statement("s.csv", _csv(rows))
    assert info.value.code == code


# --- proposals and confirmation -------------------------------------------------------------


@pytest.fixture
def donors(make):
    staff = make.user(Role.STAFF)
    program = matching_program(own_fen=1_000_000, ratio_pct=0)
    tea = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise(name="杭州龙井茶业有限公司"))
    pharma = make.user(Role.ENTERPRISE_MEMBER, party=make.enterprise(name="西湖制药股份有限公司"))

    def pledge(member, amount_fen, instalments=1):
        data = pledge_data(
            PledgeTarget.PROGRAM, amount_fen, program_id=program.id, instalments=instalments
        )
        return promise(member, data)

    return {"staff": staff, "tea": tea, "pharma": pharma, "pledge": pledge}


def _upload(staff, rows: list[list[str]]):
    header = ["交易日期", "贷方金额", "借方金额", "对方户名", "摘要"]
    return services.upload_statement(staff, "流水.csv", _csv([header, *rows]))


def _lines() -> list[BankLine]:
    return list(db.session.scalars(sa.select(BankLine).order_by(BankLine.id)))


def test_credits_are_proposed_exactly_ambiguously_or_not_at_all(donors):
    tea_pledge = donors["pledge"](donors["tea"], 500_000)
    pharma_a = donors["pledge"](donors["pharma"], 200_000)
    pharma_b = donors["pledge"](donors["pharma"], 200_000)
    _upload(
        donors["staff"],
        [
            [DAY, "5000.00", "", "杭州龙井茶业", f"认捐编号：{tea_pledge.id}"],
            [DAY, "2000.00", "", "西湖制药", "捐款"],
            [DAY, "777.00", "", "某某", ""],
            [DAY, "", "30.00", "银行", "手续费"],
        ],
    )
    exact, ambiguous, none, debit = _lines()
    proposals = propose(_lines())
    assert debit.id not in proposals  # a debit is shown, never proposed
    sure = proposals[exact.id]
    assert sure.verdict == Verdict.SURE and sure.ticked
    assert sure.best.instalment.pledge_id == tea_pledge.id
    assert sure.best.reasons == (Reason.AMOUNT, Reason.PAYER, Reason.REFERENCE)
    assert sure.best.confidence == 100
    both = proposals[ambiguous.id]
    assert both.verdict == Verdict.AMBIGUOUS and not both.ticked and both.best is None
    assert {c.instalment.pledge_id for c in both.candidates} == {pharma_a.id, pharma_b.id}
    assert all(c.reasons == (Reason.AMOUNT, Reason.PAYER) for c in both.candidates)
    assert proposals[none.id].verdict == Verdict.NONE


def _movements(pledge_id: int) -> list[tuple]:
    """A pledge's ledger entries as (transaction kind, account kind, amount), in order."""
    return [
        (kind, account_kind, amount)
        for kind, account_kind, amount in db.session.execute(
            sa.select(LedgerTransaction.kind, Account.kind, Entry.amount_fen)
            .join(Entry.transaction)
            .join(Entry.account)
            .where(Entry.pledge_id == pledge_id)
            .order_by(Entry.id)
        )
    ]


def test_bulk_confirmation_records_what_the_manual_receipt_records(donors):
    staff = donors["staff"]
    manual = donors["pledge"](donors["tea"], 500_000)
    by_bank = donors["pledge"](donors["tea"], 500_000)
    other = donors["pledge"](donors["pharma"], 200_000)
    confirm_instalment(staff, manual.instalments[0], "R-1", today(), key())
    [first] = by_bank.instalments
    _upload(
        staff,
        [
            [DAY, fen_to_input(first.amount_fen), "", "杭州龙井茶业", f"#{by_bank.id}"],
            [DAY, "2000.00", "", "西湖制药", f"#{other.id}"],
        ],
    )
    line_a, line_b = _lines()
    pairs = [services.Pair(line_a.id, first.id), services.Pair(line_b.id, other.instalments[0].id)]
    form_key = key()
    assert services.confirm_matches(staff, pairs, form_key) == 0
    assert services.confirm_matches(staff, pairs, form_key) == 0  # a double click: once
    db.session.expire_all()
    assert first.state == InstalmentState.RECEIVED
    assert first.received_on == line_a.booked_on  # the bank's day, not the day of the upload
    assert first.receipt_no.startswith(f"BANK-{line_a.id}")
    assert first.confirmed_by_id == staff.id
    assert _movements(by_bank.id) == _movements(manual.id)
    assert _movements(other.id) == [(*m[:2], m[2] * 2 // 5) for m in _movements(manual.id)]
    assert violations() == [] and independent_problems() == []
    actions = [
        a
        for (a,) in db.session.execute(
            sa.select(AuditRecord.action).where(AuditRecord.action.like("%received%"))
        )
    ]
    assert actions.count("pledge.instalment_received") == 3
    assert db.session.scalar(
        sa.select(AuditRecord).where(AuditRecord.action == "bank_statement.confirm")
    )
    assert {line.instalment_id for line in _lines()} == {first.id, other.instalments[0].id}


def test_a_batch_with_one_refused_line_records_nothing(donors):
    staff = donors["staff"]
    pledge = donors["pledge"](donors["tea"], 500_000)
    other = donors["pledge"](donors["pharma"], 200_000)
    _upload(staff, [[DAY, "5000.00", "", "甲", ""], [DAY, "1999.99", "", "乙", ""]])
    good, wrong = _lines()
    before = db.session.scalar(sa.select(sa.func.count(Entry.id)))
    with pytest.raises(DomainError) as info:
        services.confirm_matches(
            staff,
            [
                services.Pair(good.id, pledge.instalments[0].id),
                services.Pair(wrong.id, other.instalments[0].id),
            ],
            key(),
        )
    assert info.value.code == "bank_amount_differs"
    db.session.expire_all()
    assert pledge.instalments[0].state == InstalmentState.DUE
    assert [line.instalment_id for line in _lines()] == [None, None]
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == before


def test_uploading_the_same_statement_again_receives_nothing_twice(donors):
    staff = donors["staff"]
    pledge = donors["pledge"](donors["tea"], 500_000, instalments=2)
    first, second = pledge.instalments
    rows = [
        [DAY, fen_to_input(first.amount_fen), "", "杭州龙井茶业", ""],
        [DAY, fen_to_input(first.amount_fen), "", "杭州龙井茶业", ""],  # a second, equal credit
    ]
    statement = _upload(staff, rows)
    assert (statement.lines_read, statement.lines_new) == (2, 2)
    line = _lines()[0]
    services.confirm_matches(staff, [services.Pair(line.id, first.id)], key())
    again = _upload(staff, rows)
    assert (again.lines_read, again.lines_new) == (2, 0)
    assert len(_lines()) == 2
    with pytest.raises(DomainError) as info:  # the same line for the next instalment
        services.confirm_matches(staff, [services.Pair(line.id, second.id)], key())
    assert info.value.code == "bank_line_used"
    with pytest.raises(DomainError) as info:  # another line for the instalment received
        services.confirm_matches(staff, [services.Pair(_lines()[1].id, first.id)], key())
    assert info.value.code == "pledge_not_pending"
    db.session.expire_all()
    assert second.state == InstalmentState.DUE
    assert violations() == []


def test_only_staff_upload_and_confirm(donors, make):
    pledge = donors["pledge"](donors["tea"], 500_000)
    for role in (Role.ENTERPRISE_MEMBER, Role.ORG_MEMBER, Role.REVIEWER):
        with pytest.raises(DomainError):
            _upload(make.user(role), [[DAY, "5000.00", "", "甲", ""]])
    _upload(donors["staff"], [[DAY, "5000.00", "", "甲", ""]])
    with pytest.raises(DomainError) as info:
        services.confirm_matches(
            donors["tea"], [services.Pair(_lines()[0].id, pledge.instalments[0].id)], key()
        )
    assert info.value.code == "forbidden"


# --- the pages --------------------------------------------------------------------------------


def test_staff_upload_review_and_confirm_on_the_page(donors, login_as):
    pledge = donors["pledge"](donors["tea"], 500_000)
    browser = login_as(donors["staff"])
    assert "/staff/bank" in browser.get("/pledges").get_data(as_text=True)
    data = _csv(
        [
            ["交易日期", "贷方金额", "借方金额", "对方户名", "摘要"],
            [DAY, "5000.00", "", "杭州龙井茶业有限公司", f"认捐{pledge.id}"],
            [DAY, "", "12.00", "银行", "手续费"],
        ],
        encoding="gbk",
    )
    sent = browser.post(
        "/staff/bank/upload",
        data={"file": (io.BytesIO(data), "流水.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = sent.get_data(as_text=True)
    assert "2 lines read, 2 new" in page or "读取 2 行，新增 2 行" in page
    english = browser.get("/staff/bank?lang=en").get_data(as_text=True)
    assert "Payer is the enterprise" in english and "Reference names the pledge" in english
    assert "Debit: nothing to match" in english and "checked" in english
    chinese = browser.get("/staff/bank?lang=zh").get_data(as_text=True)
    assert "付款人即该企业" in chinese and "仅一个候选" in chinese
    credit = _lines()[0]
    form_key = chinese.split('name="key" type="hidden" value="')[1].split('"')[0]
    done = browser.post(
        "/staff/bank/confirm",
        data={
            "key": form_key,
            "line": str(credit.id),
            f"instalment-{credit.id}": str(pledge.instalments[0].id),
        },
        follow_redirects=True,
    )
    assert done.status_code == 200
    db.session.expire_all()
    assert pledge.instalments[0].state == InstalmentState.RECEIVED
    left = browser.get("/staff/bank?lang=en").get_data(as_text=True)
    assert f'data-line="{credit.id}"' not in left  # reconciled lines leave the default view
    assert f'data-line="{credit.id}"' in browser.get("/staff/bank?show=all").get_data(as_text=True)


def test_the_page_costs_the_same_whatever_the_number_of_lines(donors, login_as, client):
    staff_id = donors["staff"].id
    pledges = [donors["pledge"](donors["tea"], 100_000 + n) for n in range(8)]
    rows = [[DAY, fen_to_input(p.amount_fen), "", "杭州龙井茶业", f"#{p.id}"] for p in pledges]
    _upload(donors["staff"], rows[:1])
    login_as(donors["staff"])
    _response, small = get_counting(client, "/staff/bank?show=all")
    _upload(db.session.get(User, staff_id), [*rows[1:], [DAY, "", "5.00", "银行", "手续费"]])
    response, large = get_counting(client, "/staff/bank?show=all")
    assert response.get_data(as_text=True).count("data-line=") == 9
    assert large == small
