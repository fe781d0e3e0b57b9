"""Tables people can compute with, as CSV or Excel: money as a number of yuan with two
decimals (or integer fen where the column says so), dates as dates, labels instead of codes,
and a totals row where totals make sense. CSV is streamed; Excel is written in constant
memory (openpyxl's write-only mode)."""

import csv
import enum
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Response, abort, stream_with_context
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from funding.dates import DISTRICT_ZONE
from funding.money import fen_to_input


class Kind(enum.Enum):
    TEXT = "text"
    YUAN = "yuan"  # the cell holds fen; written as yuan with two decimals
    FEN = "fen"  # the cell holds fen; written as an integer
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT
    #: Sum this column in the totals row.
    total: bool = False


@dataclass
class Table:
    """A header of typed columns and rows of raw values (fen, dates, labels)."""

    columns: list[Column]
    rows: Iterable[list]
    #: Label of the totals row, written under the rows; None for no totals row.
    totals: str | None = None

    def lines(self) -> Iterator[list]:
        """The rows, then the totals row (summed while the rows stream past)."""
        sums = [0] * len(self.columns)
        for row in self.rows:
            for i, column in enumerate(self.columns):
                if column.total and row[i] is not None:
                    sums[i] += row[i]
            yield row
        if self.totals is not None:
            yield [
                self.totals if i == 0 else (sums[i] if c.total else None)
                for i, c in enumerate(self.columns)
            ]


def _inert(cell):
    """Keep spreadsheet programs from running text that looks like a formula."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _local(value: datetime) -> datetime:
    return value.astimezone(DISTRICT_ZONE).replace(tzinfo=None)


def _text(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == Kind.YUAN:
        return fen_to_input(value)
    if column.kind == Kind.DATE:
        return value.isoformat()
    if column.kind == Kind.DATETIME:
        return _local(value).strftime("%Y-%m-%d %H:%M")
    return str(_inert(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterator[str]:
    """UTF-8 CSV lines, the first with a byte-order mark so spreadsheet programs read the
    Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_inert(c.title) for c in table.columns])
    for row in table.lines():
        yield writer.writerow([_text(c, v) for c, v in zip(table.columns, row, strict=True)])


FORMATS = {Kind.YUAN: "#,##0.00", Kind.FEN: "0", Kind.DATE: "yyyy-mm-dd"}


def xlsx_bytes(table: Table, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([_inert(c.title) for c in table.columns])
    for row in table.lines():
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            if value is None:
                cells.append(None)
                continue
            if column.kind == Kind.YUAN and isinstance(value, int):
                value = Decimal(value).scaleb(-2)
            elif column.kind == Kind.DATETIME and isinstance(value, datetime):
                value = _local(value)
            elif not isinstance(value, int | Decimal | date):
                value = _inert(value)
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
            elif column.kind == Kind.DATETIME:
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(table: Table, name: str, fmt: str) -> Response:
    """Send a table as CSV (streamed) or Excel."""
    disposition = {"Content-Disposition": f"attachment; filename={name}.{fmt}"}
    if fmt == "csv":
        return Response(
            stream_with_context(csv_lines(table)),
            mimetype="text/csv; charset=utf-8",
            headers=disposition,
        )
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(table, name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=disposition,
        )
    abort(404)


def total_label() -> str:
    return _("Total")
