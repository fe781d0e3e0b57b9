"""Counting the SQL statements a request runs (the measure of a page's cost)."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from funding.extensions import db


@contextmanager
def counted(target, event: str) -> Iterator[list]:
    """A list that gets one item each time ``event`` fires on ``target`` in the block."""
    seen = []

    def counter(*_args):
        seen.append(1)

    sa.event.listen(target, event, counter)
    try:
        yield seen
    finally:
        sa.event.remove(target, event, counter)


def get_counting(client, url: str, **kwargs):
    """GET ``url`` from a fresh session, as a server's request has (nothing already loaded);
    returns the response and how many statements it ran on any engine (the version of a
    cached page has its own), a streamed body's included."""
    db.session.remove()
    with counted(sa.Engine, "before_cursor_execute") as seen:
        response = client.get(url, **kwargs)
        response.get_data()  # a streamed download runs its queries as it is read
    return response, len(seen)
