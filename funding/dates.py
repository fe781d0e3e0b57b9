"""Calendar helpers: working days for disclosure periods, "today" in the district's zone."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from funding.extensions import PRETEND_NOW, utcnow

DISTRICT_ZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """The date in Hangzhou now (deadlines and disclosure periods are local dates)."""
    return utcnow().astimezone(DISTRICT_ZONE).date()


@contextmanager
def pretend(moment: datetime) -> Iterator[None]:
    """Let services take ``moment`` (aware) for now: the district data set lays years of
    activity out through the same services that serve requests."""
    token = PRETEND_NOW.set(moment)
    try:
        yield
    finally:
        PRETEND_NOW.reset(token)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday–Friday) after ``start``.

    Public holidays are not known here; staff can see the date and sign later if one falls in
    the period.
    """
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
