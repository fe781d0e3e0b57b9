"""Configuration: production refuses to start without secrets; the factory takes paths."""

import subprocess
import sys

import pytest

from config import ProductionConfig
from funding.app import create_app


def test_production_without_secret_key_fails_clearly(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_without_database_fails_clearly(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("config.ProductionConfig")


@pytest.mark.parametrize("name", ["SECOND_FACTOR_KEY", "SITE_URL"])
def test_production_without_second_factor_key_or_site_url_fails_clearly(monkeypatch, name):
    """The key the second factor is encrypted under, and the address email links start with."""
    for other in ProductionConfig.REQUIRED:
        monkeypatch.setenv(other, "postgresql://x@127.0.0.1/db" if other == "DATABASE_URL" else "s")
    monkeypatch.delenv(name)
    with pytest.raises(RuntimeError, match=f"needs the environment variable\\(s\\) {name};"):
        create_app(ProductionConfig)


def test_production_config_is_strict(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db")
    monkeypatch.setenv("SECOND_FACTOR_KEY", "k" * 40)
    monkeypatch.setenv("SITE_URL", "https://linkage.example.org")
    app = create_app("config.ProductionConfig")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert not app.debug
    assert app.config["SITE_URL"] == "https://linkage.example.org"


def test_wsgi_without_secrets_in_production_exits_with_message():
    env = {"LINKAGE_CONFIG": "config.ProductionConfig", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr and "DATABASE_URL" in done.stderr
