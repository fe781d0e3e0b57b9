import pytest


@pytest.fixture(autouse=True)
def _clean(clean_db):
    """Each test here starts from a clean database with the reference data."""
