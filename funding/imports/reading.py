"""Read an uploaded table: Excel (.xlsx) or CSV in UTF-8 (with or without a byte-order mark)
or GBK/GB18030, as Excel on Chinese Windows saves it. Every cell comes back as stripped text."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from funding.transactions import DomainError

MAX_ROWS = 20_000


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        value = Decimal(repr(value))  # a spreadsheet's number, written back as typed
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("import_encoding")


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The rows of the first sheet (or of the CSV file), header first, blank rows dropped."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
            raise DomainError("import_unreadable") from exc
        sheet = book.worksheets[0]
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif name.endswith(".csv"):
        rows = [[_text(v) for v in row] for row in csv.reader(io.StringIO(_decode(data)))]
    else:
        raise DomainError("import_file_type")
    rows = [row for row in rows if any(row)]
    if len(rows) > MAX_ROWS + 1:
        raise DomainError("import_too_many_rows")
    if not rows:
        raise DomainError("import_empty")
    return rows
