"""Fixtures: one app per test session, a clean database per test, login and factories.

tests/matching never builds an app: the database fixtures are switched on per folder.

SQLite in memory by default; set TESTING_DATABASE_URL to run the same suite on PostgreSQL.
The schema comes from the migrations, so every run also checks that they apply.
"""

import flask_babel
import pytest
import sqlalchemy as sa
from flask import g
from flask_migrate import upgrade

from config import TestingConfig
from funding import autocommit
from funding.app import create_app
from funding.directory.services import load_reference_data
from funding.extensions import db
from tests import factories


def build_app(tmp_path_factory, database_url: str | None = None):
    """A test app on its own database, migrated from nothing."""
    config = TestingConfig()
    if database_url:
        config.SQLALCHEMY_DATABASE_URI = database_url
    app = create_app(config)
    app.config["UPLOAD_FOLDER"] = str(tmp_path_factory.mktemp("uploads"))
    app.config["EXPORT_FOLDER"] = str(tmp_path_factory.mktemp("exports"))
    app.config["IMPORT_FOLDER"] = str(tmp_path_factory.mktemp("imports"))

    @app.teardown_request
    def _forget_request_state(_exc):
        # Tests hold an app context open, so requests share ``g``; a server never does.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        flask_babel.refresh()

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        yield app
        db.session.remove()
        autocommit.dispose()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    yield from build_app(tmp_path_factory)


def _wipe() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def clean_db(app):
    """Every app test starts from the reference data alone (autoused by tests/funding)."""
    with app.app_context():
        _wipe()
        load_reference_data()
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client):
    """Log ``user`` in through the real login form; returns the client."""

    def login(user, password: str = factories.PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if user.totp_secret:
            response = factories.give_second_factor(client, user.email, user.totp_secret)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return login


@pytest.fixture
def make():
    """The factory module, for tests that build their own objects."""
    return factories
