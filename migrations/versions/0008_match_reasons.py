"""match reasons: runs store one result with reasons as codes, rendered when shown

Revision ID: 0008_match_reasons
Revises: 0007_jobs
Create Date: 2026-12-01 06:00:00

Runs stored before kept their result and reasons once per language, as sentences. They become
one result whose reasons are {"code": "said", "params": {"zh": ..., "en": ...}}: the sentences
they had, shown in the reader's language.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_match_reasons'
down_revision = '0007_jobs'
branch_labels = None
depends_on = None

batches = sa.table('match_batches', sa.column('id', sa.Integer), sa.column('result', sa.JSON))
pairings = sa.table('match_pairings', sa.column('id', sa.Integer), sa.column('reasons', sa.JSON))


def _said(zh, en):
    en = list(en or [])
    return [
        {"code": "said", "params": {"zh": text, "en": en[k] if k < len(en) else text}}
        for k, text in enumerate(zh or [])
    ]


def upgrade():
    bind = op.get_bind()
    for row_id, reasons in bind.execute(sa.select(pairings.c.id, pairings.c.reasons)).all():
        if isinstance(reasons, dict):
            new = _said(reasons.get("zh"), reasons.get("en"))
            bind.execute(pairings.update().where(pairings.c.id == row_id).values(reasons=new))
    for row_id, result in bind.execute(sa.select(batches.c.id, batches.c.result)).all():
        if isinstance(result, dict) and "zh" in result:
            zh, en = result["zh"], result.get("en") or {}
            english = {u["need"]: u.get("reasons") for u in en.get("unfunded", [])}
            for item in zh.get("unfunded", []):
                item["reasons"] = _said(item.get("reasons"), english.get(item["need"]))
            english = {p["need"]: p.get("reasons") for p in en.get("pairings", [])}
            for item in zh.get("pairings", []):
                item["reasons"] = _said(item.get("reasons"), english.get(item["need"]))
            bind.execute(batches.update().where(batches.c.id == row_id).values(result=zh))


def _texts(reasons, lang):
    return [(r.get("params") or {}).get(lang, "") for r in reasons or []]


def _in(result, lang):
    out = dict(result)
    for part in ("pairings", "unfunded"):
        out[part] = [dict(item, reasons=_texts(item.get("reasons"), lang)) for item in result.get(part, [])]
    return out


def downgrade():
    """Back to sentences per language; reasons stored as codes (not "said") become empty."""
    bind = op.get_bind()
    for row_id, reasons in bind.execute(sa.select(pairings.c.id, pairings.c.reasons)).all():
        if isinstance(reasons, list):
            texts = {lang: _texts(reasons, lang) for lang in ("zh", "en")}
            bind.execute(pairings.update().where(pairings.c.id == row_id).values(reasons=texts))
    for row_id, result in bind.execute(sa.select(batches.c.id, batches.c.result)).all():
        if isinstance(result, dict) and "zh" not in result:
            both = {lang: _in(result, lang) for lang in ("zh", "en")}
            bind.execute(batches.update().where(batches.c.id == row_id).values(result=both))
