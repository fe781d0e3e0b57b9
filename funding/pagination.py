"""Every list is a page: a bounded page number, a bounded size, and a stable order."""

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination

from funding.extensions import db
from funding.inputs import bounded_int

#: Past this page a list is not browsed but searched or filtered: links stop here.
MAX_PAGE = 10_000


def page_of(query: sa.Select, per_page: int | None = None) -> Pagination:
    """The page of ``query`` that ``?page=`` asks for (out of range: the nearest); the query
    must end its order with a unique column so that rows never move between pages."""
    number = request.args.get("page", 1, type=bounded_int)
    number = min(max(number or 1, 1), MAX_PAGE)
    return db.paginate(
        query,
        page=number,
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )
