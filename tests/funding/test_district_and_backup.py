"""The district data set is valid through and through, and a backup of it restores to the
same books: ``flask ledger check`` passes and the public figures are equal to the fen."""

import os
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from config import TestingConfig
from funding.app import create_app
from funding.directory.models import Enterprise, Organization
from funding.extensions import db
from funding.figures import grant_money, identity_problems, program_money
from funding.grants.models import Grant, GrantState
from funding.ledger.check import violations
from funding.ledger.models import Account
from funding.matchmaking.models import Fair, FairIntent
from funding.messages import message
from funding.pledges.models import Pledge
from funding.proposals.models import Proposal, ProposalState


def public_figures() -> dict:
    """What the transparency pages show, as numbers: per program and per grant."""
    programs = [
        (
            m.program.name,
            m.raised_fen,
            m.paid_fen,
            m.reserved_fen,
            m.fund_fen,
            m.committed_fen,
            m.matched_fen,
            m.due_fen,
        )
        for m in program_money()
    ]
    grants = [(g.grant.id, g.paid_fen, g.reserved_fen, g.returned_fen) for g in grant_money()]
    balances = sorted(db.session.execute(sa.select(Account.kind, Account.ref, Account.balance_fen)))
    return {"programs": programs, "grants": grants, "balances": balances}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_district_data_set_is_valid_and_a_backup_restores_the_same_books(app, runner, tmp_path):
    """One test, as building the data set is the costly part."""
    district = runner.invoke(args=["seed-district", "--years", "2", "--scale", "0.06"])
    assert district.exit_code == 0, district.output
    assert "grants:" in district.output
    assert _count(Organization) == round(1_412 * 0.06)
    assert _count(Enterprise) == round(208 * 0.06)
    states = Counter(db.session.scalars(sa.select(Proposal.state)))
    assert states[ProposalState.AGREEMENT_SIGNED] >= 2
    assert {ProposalState.REJECTED, ProposalState.DRAFT} <= set(states)
    grant_states = set(db.session.scalars(sa.select(Grant.state)))
    assert GrantState.COMPLETED in grant_states, "the first year's grants are finished"
    assert grant_states & {GrantState.ACTIVE, GrantState.MIDTERM_PASSED}, "this year's run"
    assert _count(Fair) >= 1 and _count(FairIntent) >= 2
    assert _count(Pledge) >= 5
    assert violations() == []
    assert identity_problems() == []
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
    again = runner.invoke(args=["seed-district", "--years", "1", "--scale", "0.06"])
    # in the language the command runs in (the test session's, whatever earlier tests left)
    assert again.exit_code != 0 and message("district_not_empty") in again.output
    _backup_restores_the_same_books(app, runner, tmp_path)


def test_seed_district_refuses_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = runner.invoke(args=["seed-district"])
    assert result.exit_code != 0 and "ProductionConfig" in result.output
    assert _count(Organization) == 0


def _fresh_database(tmp_path: Path) -> tuple[str, callable]:
    """An empty database of the same kind as the test database, and how to drop it."""
    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{tmp_path / 'restored.sqlite'}", lambda: None
    name = f"linkage_restore_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _backup_restores_the_same_books(app, runner, tmp_path: Path) -> None:
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "a1b2c3.pdf").write_bytes(b"%PDF-1.4 budget sheet")
    before = public_figures()
    assert before["grants"] and violations() == []
    saved = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert saved.exit_code == 0, saved.output
    again = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert again.exit_code != 0 and "not empty" in again.output

    url, drop = _fresh_database(tmp_path)
    try:
        restored_uploads = tmp_path / "restored-uploads"
        args = ["backup", "restore", str(tmp_path / "backup"), "--database-url", url]
        done = runner.invoke(args=[*args, "--uploads", str(restored_uploads)])
        assert done.exit_code == 0, done.output
        assert (restored_uploads / "a1b2c3.pdf").read_bytes() == b"%PDF-1.4 budget sheet"
        twice = runner.invoke(args=[*args, "--uploads", str(restored_uploads)])
        assert twice.exit_code != 0 and "not empty" in twice.output

        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = url
        restored = create_app(config)
        with restored.app_context():
            try:
                assert violations() == []
                assert public_figures() == before
                assert restored.test_cli_runner().invoke(args=["ledger", "check"]).exit_code == 0
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        drop()
