"""Read a bank's statement export: the header row is found among the first rows (banks put
the account and period above it) and its columns are recognised by the titles Chinese banks
and English exports use; credits and debits come as one signed amount or as two columns."""

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from funding.imports.reading import read_table
from funding.money import MoneyError, parse_yuan
from funding.transactions import DomainError

#: How far down the header row may be.
HEADER_SEARCH_ROWS = 20

#: Column titles (compared without spaces, case or width) -> what the column holds.
TITLES = {
    "date": ("交易日期", "记账日期", "入账日期", "交易时间", "日期", "date", "transactiondate"),
    "amount": ("交易金额", "发生额", "金额", "amount"),
    "credit": ("贷方金额", "贷方发生额", "收入金额", "收入", "credit"),
    "debit": ("借方金额", "借方发生额", "支出金额", "支出", "debit"),
    "payer": (
        "对方户名",
        "对方账户名称",
        "对方名称",
        "付款人名称",
        "付款人",
        "对方单位",
        "payername",
        "payer",
        "counterparty",
    ),
    "reference": ("摘要", "附言", "用途", "备注", "交易附言", "reference", "memo"),
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class StatementLine:
    booked_on: date
    amount_fen: int  # > 0 credit, < 0 debit
    payer: str
    reference: str
    key: str


def _norm(title: str) -> str:
    return re.sub(r"[\s_()（）:：]", "", unicodedata.normalize("NFKC", title)).lower()


def _columns(row: list[str]) -> dict[str, int] | None:
    """Which column holds what, if this row is a header with a date and an amount."""
    found: dict[str, int] = {}
    for index, title in enumerate(row):
        name = _norm(title)
        for field, titles in TITLES.items():
            if field not in found and name in titles:
                found[field] = index
                break
    has_amount = "amount" in found or "credit" in found
    return found if "date" in found and has_amount else None


def _date(text: str) -> date:
    text = unicodedata.normalize("NFKC", text).strip()
    head = text.split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _fen(text: str) -> int:
    """A signed amount; empty is zero."""
    text = unicodedata.normalize("NFKC", text or "").strip().replace("¥", "").replace(" ", "")
    if not text:
        return 0
    sign = -1 if text.startswith("-") else 1
    return sign * parse_yuan(text.lstrip("+-"), allow_zero=True)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def read_statement(filename: str, data: bytes) -> list[StatementLine]:
    """Every credit and debit of the statement; a row that is not a transaction (a balance
    or totals line without a date) is skipped, an unreadable amount refuses the file."""
    rows = read_table(filename, data)
    header = next(
        ((i, cols) for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if (cols := _columns(row))),
        None,
    )
    if header is None:
        raise DomainError("statement_columns")
    start, cols = header
    lines, seen = [], Counter()
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        try:
            booked_on = _date(_cell(row, cols["date"]))
        except ValueError:
            continue
        try:
            if "amount" in cols:
                amount = _fen(_cell(row, cols["amount"]))
            else:
                amount = _fen(_cell(row, cols["credit"])) - abs(_fen(_cell(row, cols.get("debit"))))
        except MoneyError as exc:
            raise DomainError("statement_amount", row=number) from exc
        if amount == 0:
            continue
        payer = _cell(row, cols.get("payer"))[:200]
        reference = _cell(row, cols.get("reference"))[:500]
        content = f"{booked_on.isoformat()}|{amount}|{payer}|{reference}"
        seen[content] += 1
        key = hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()
        lines.append(StatementLine(booked_on, amount, payer, reference, key))
    if not lines:
        raise DomainError("statement_empty")
    return lines
