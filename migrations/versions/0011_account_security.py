"""account security: second-factor secrets encrypted at rest

Revision ID: 0011_account_security
Revises: 0010_accounts
Create Date: 2026-12-02 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from funding.accounts.secret_box import seal, unseal


# revision identifiers, used by Alembic.
revision = '0011_account_security'
down_revision = '0010_accounts'
branch_labels = None
depends_on = None


def _rewrite_secrets(change):
    """Pass every stored TOTP secret through ``change`` (seal or unseal)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    for user_id, secret in rows:
        conn.execute(
            sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
            {"secret": change(secret), "id": user_id},
        )


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=True)
    _rewrite_secrets(seal)


def downgrade():
    _rewrite_secrets(unseal)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=True)
