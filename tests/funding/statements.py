"""Counting the SQL statements a request runs (the measure of a page's cost)."""

import sqlalchemy as sa

from funding.extensions import db


def get_counting(client, url: str, **kwargs):
    """GET ``url`` from a fresh session, as a server's request has (nothing already loaded);
    returns the response and how many statements it ran on any engine (the version of a
    cached page has its own), a streamed body's included."""
    seen = []

    def counter(*_args):
        seen.append(1)

    db.session.remove()
    sa.event.listen(sa.Engine, "before_cursor_execute", counter)
    try:
        response = client.get(url, **kwargs)
        response.get_data()  # a streamed download runs its queries as it is read
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", counter)
    return response, len(seen)
