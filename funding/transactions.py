"""One transaction per service call: commit on success, roll back on any error."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from funding.extensions import db
from funding.jobs.queue import dispatch

P = ParamSpec("P")
R = TypeVar("R")


class DomainError(Exception):
    """A business rule refused the action; ``code`` names the message the view shows."""

    def __init__(self, code: str, **details) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one database transaction; nested calls join the outer one."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if db.session.info.get("in_service"):
            return fn(*args, **kwargs)
        db.session.info["in_service"] = True
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.info.pop("in_service", None)
        dispatch()
        return result

    return wrapper
