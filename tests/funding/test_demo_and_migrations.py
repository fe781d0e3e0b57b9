"""Demo seed and migrations."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from config import BASE_DIR
from funding.accounts.models import Role, User
from funding.demo import DEMO_PASSWORD
from funding.directory.models import Enterprise, Need, Organization
from funding.extensions import db
from funding.proposals.models import Program, Proposal, ProposalState
from funding.validators import normalise_credit_code


def _counts():
    return {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Organization, Enterprise, Need, Program, Proposal, User)
    }


def test_seed_demo_is_idempotent_and_plausible(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts == {
        "Organization": 40,
        "Enterprise": 12,
        "Need": 60,
        "Program": 6,
        "Proposal": 10,
        "User": 17,
    }
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts() == counts
    codes = db.session.scalars(sa.select(Organization.credit_code)).all()
    assert all(normalise_credit_code(c) == c for c in codes)
    categories = set(db.session.scalars(sa.select(Need.category_code)))
    assert categories == set("ABCDEFGHI")
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == set(Role)
    states = set(db.session.scalars(sa.select(Proposal.state)))
    assert states == set(ProposalState), "every page has something to show"
    failed = [
        p
        for p in db.session.scalars(sa.select(Proposal))
        if p.screening and not all(r["passed"] for r in p.screening)
    ]
    assert len(failed) == 1


def test_demo_accounts_log_in(app, runner, client, monkeypatch):
    """README's two commands: the password, and for staff and admin `flask demo-code`."""
    runner.invoke(args=["seed-demo"])
    refused = runner.invoke(args=["demo-code", "staff@demo.local"])
    assert refused.exit_code != 0 and "DevelopmentConfig" in refused.output
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    for email in ("admin", "staff", "reviewer", "org", "enterprise", "community"):
        response = client.post(
            "/login", data={"email": f"{email}@demo.local", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        if email in ("admin", "staff"):
            assert response.headers["Location"].startswith("/login/second-factor")
            code = runner.invoke(args=["demo-code", f"{email}@demo.local"]).output.strip()
            assert len(code) == 6 and code.isdigit()
            response = client.post("/login/second-factor", data={"code": code})
            assert response.status_code == 302, email
        assert client.get("/dashboard").status_code == 200
        client.post("/logout")
    assert runner.invoke(args=["demo-code", "org@demo.local"]).exit_code != 0


def test_seed_demo_refuses_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "ProductionConfig" in result.output
    assert _counts()["Organization"] == 0


def test_models_and_migrations_agree():
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_upgrade_on_an_empty_sqlite_file(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "fresh.sqlite"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{target}",
        "FLASK_APP": "wsgi.py",
        "LINKAGE_CONFIG": "config.DevelopmentConfig",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"users", "parties", "needs", "audit_records", "alembic_version"} <= tables


@pytest.mark.postgres
def test_upgrade_on_an_empty_postgres_database():
    """The session fixture built this database from nothing with the migrations."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("set TESTING_DATABASE_URL to a PostgreSQL database")
    version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    head = ScriptDirectory(str(BASE_DIR / "migrations")).get_current_head()
    assert version == head
    triggers = db.session.scalar(
        sa.text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_records_append_only'")
    )
    assert triggers == 1


def test_pledges_keep_their_money_through_the_schedule_migration(tmp_path):
    """Pledges made before instalments existed become schedules: their instalments (or their
    single due date) are rows, a receipt stays on them and the match becomes the promise."""
    import subprocess
    import sys

    target = tmp_path / "old.sqlite"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{target}",
        "FLASK_APP": "wsgi.py",
        "LINKAGE_CONFIG": "config.DevelopmentConfig",
    }

    def flask_db(*args):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "db", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    flask_db("upgrade", "0004")
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.begin() as conn:  # SQLite does not enforce the foreign keys here
        for values in (
            "(1, 'pool', 500000, 'received', '2026-02-01', '[]', 'R-1', '2026-01-20', 1, 0)",
            "(2, 'pool', 300000, 'pledged', '2026-09-01', "
            '\'[{"due": "2026-06-01", "amount_fen": 100000}, '
            '{"due": "2026-09-01", "amount_fen": 200000}]\', NULL, NULL, NULL, 0)',
            "(3, 'pool', 200000, 'cancelled', '2026-03-01', '[]', NULL, NULL, NULL, 0)",
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO pledges (id, target, amount_fen, state, due_date, instalments, "
                    "receipt_no, received_on, confirmed_by_id, matched_fen, enterprise_id, "
                    "payment_method, note, created_by_id, created_at) VALUES "
                    + values[:-1]
                    + ", 1, 'bank_transfer', '', 1, '2026-01-01')"
                )
            )
    flask_db("upgrade")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT pledge_id, number, due_date, amount_fen, state, receipt_no "
                "FROM pledge_instalments ORDER BY pledge_id, number"
            )
        ).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("pledges")}
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, 1, "2026-02-01", 500000, "received", "R-1"),
        (2, 1, "2026-06-01", 100000, "due", None),
        (2, 2, "2026-09-01", 200000, "due", None),
        (3, 1, "2026-03-01", 200000, "cancelled", None),
    ]
    assert {"promised_match_fen", "if_unused"} <= columns
    assert not {"due_date", "instalments", "receipt_no", "matched_fen"} & columns
