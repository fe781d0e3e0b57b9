import pytest
from cachelib import SimpleCache

from funding.caching import cache


@pytest.fixture(autouse=True)
def _clean(clean_db):
    """Each test here starts from a clean database with the reference data."""


@pytest.fixture
def cached(app, monkeypatch):
    """The test app with a real in-memory cache (the suite runs with none)."""
    monkeypatch.setitem(app.extensions["cache"], cache, SimpleCache())
    return app
