"""Cursor pagination: lists are ordered by id, and the cursor names the last id seen, so a
row never moves between pages and a page costs the same anywhere in the list."""

import base64
import binascii

import sqlalchemy as sa
from pydantic import BaseModel, Field

from funding.api.problems import ApiError
from funding.extensions import db
from funding.i18n import lazy as _l


class ListQuery(BaseModel):
    cursor: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,40}$", description="next_cursor of the previous page"
    )
    limit: int = Field(20, ge=1, le=100, description="items per page")


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = text.partition(":")
        last_id = int(value)
        if kind != "id" or not 0 <= last_id < 2**62:
            raise ValueError(cursor)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(
            422, "invalid_cursor", str(_l("The cursor is not one this API gave."))
        ) from exc
    return last_id


def page(query: sa.Select, id_column, args: ListQuery) -> tuple[list, str | None]:
    """The rows after the cursor, in id order, and the cursor of the next page (or None)."""
    if args.cursor:
        query = query.where(id_column > decode(args.cursor))
    rows = list(db.session.scalars(query.order_by(id_column).limit(args.limit + 1)).unique())
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    return rows, (encode(rows[-1].id) if more else None)
