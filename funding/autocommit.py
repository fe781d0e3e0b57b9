"""Reads outside the request's transaction, for what every request asks first: the data's
version (for cached pages) and the signed-in person behind the session.

On PostgreSQL they run on their own autocommit connections, without the pool's liveness ping:
one round trip to the database, where the request's session pays four (ping, BEGIN, the
query, ROLLBACK). A page served from the cache then never opens the request's transaction.
Each statement sees what was committed when it ran, as it would in a READ COMMITTED
transaction. A connection the database dropped (a restart) fails its query instead of its
ping; the pool is then emptied and the read is asked once more on a fresh connection.

Elsewhere (SQLite) the reads go through the request's session.
"""

import os
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from funding import observability
from funding.extensions import db

KEY = "autocommit_engine"
T = TypeVar("T")


def _engine() -> sa.Engine:
    engine = current_app.extensions.get(KEY)
    if engine is None:
        engine = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_size=2)
        # A connection is never shared with a forked worker (gunicorn --preload).
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        observability.watch_queries(engine)
        current_app.extensions[KEY] = engine
    return engine


def _retried(read: Callable[[sa.Engine], T]) -> T:
    try:
        return read(_engine())
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return read(_engine())


def scalar(statement: sa.Executable) -> object:
    """The statement's first column of its first row, read on a plain connection: no ORM
    object is made, so the read costs half of what it would through a session."""
    if db.engine.dialect.name != "postgresql":
        return db.session.scalar(statement)

    def read(engine: sa.Engine) -> object:
        with engine.connect() as conn:
            return conn.scalar(statement)

    return _retried(read)


def first(statement: sa.Executable, params: dict | None = None) -> tuple | None:
    """The statement's first row; the ORM objects in it belong to the request's session
    (copied in without a query), so changing them or loading their relations works as usual."""
    if db.engine.dialect.name != "postgresql":
        return db.session.execute(statement, params).first()

    def read(engine: sa.Engine) -> sa.Row | None:
        with Session(engine) as session:
            return session.execute(statement, params).first()

    row = _retried(read)
    if row is None:
        return None
    return tuple(
        db.session.merge(value, load=False) if sa.inspect(value, raiseerr=False) else value
        for value in row
    )


def dispose() -> None:
    """Close the connections (with the app's engine, at the end of tests)."""
    if engine := current_app.extensions.pop(KEY, None):
        engine.dispose()
