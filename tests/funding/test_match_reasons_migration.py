"""Runs stored when reasons were sentences keep them, in both languages, after migration 0008."""

import json

import flask_babel
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from funding.app import create_app
from funding.extensions import db
from funding.matchmaking.reasons import say_all

LEGACY_RESULT = {
    "zh": {"pairings": [{"need": "need-1", "reasons": ["甲"]}], "unfunded": []},
    "en": {"pairings": [{"need": "need-1", "reasons": ["A"]}], "unfunded": []},
}


def test_legacy_sentences_become_said_reasons_and_come_back(tmp_path):
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'legacy.sqlite'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0007_jobs")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO match_batches (id, state, created_at, error, result) "
                    "VALUES (1, 'done', '2026-01-01', '', :result)"
                ),
                {"result": json.dumps(LEGACY_RESULT)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO match_pairings (id, batch_id, position, need_ref, "
                    "organization_ref, funding, score, reasons, state) VALUES "
                    "(1, 1, 0, 'need-1', 'org-1', '[]', 0.5, :reasons, 'proposed')"
                ),
                {"reasons": json.dumps({"zh": ["甲"], "en": ["A"]})},
            )
        upgrade()
        with db.engine.begin() as conn:
            result = json.loads(conn.execute(sa.text("SELECT result FROM match_batches")).scalar())
            reasons = json.loads(
                conn.execute(sa.text("SELECT reasons FROM match_pairings")).scalar()
            )
        said = [{"code": "said", "params": {"zh": "甲", "en": "A"}}]
        assert reasons == said and result["pairings"][0]["reasons"] == said
        for lang, text in (("en", "A"), ("zh", "甲")):
            with app.test_request_context(f"/?lang={lang}"):
                flask_babel.refresh()  # the locale is cached on the shared app context
                assert say_all(reasons, {}) == [text]
        downgrade(revision="0007_jobs")
        with db.engine.begin() as conn:
            result = json.loads(conn.execute(sa.text("SELECT result FROM match_batches")).scalar())
        assert result == LEGACY_RESULT
        db.engine.dispose()
