"""ledger flows: each account's money summed per movement and pledge as it is posted

Revision ID: 0013_ledger_flows
Revises: 0012_bank_statements
Create Date: 2026-12-02 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_ledger_flows'
down_revision = "0012_bank_statements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_flows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('movement', sa.String(length=40), nullable=False),
    sa.Column('pledge_key', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_flows_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_flows')),
    sa.UniqueConstraint('account_id', 'movement', 'pledge_key', name=op.f('uq_ledger_flows_account_id'))
    )
    with op.batch_alter_table('ledger_flows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_flows_pledge_key'), ['pledge_key'], unique=False)
    # The movements posted so far, summed once.
    op.execute(
        "INSERT INTO ledger_flows (account_id, movement, pledge_key, total_fen) "
        "SELECT e.account_id, t.kind, coalesce(e.pledge_id, 0), sum(e.amount_fen) "
        "FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id "
        "GROUP BY e.account_id, t.kind, coalesce(e.pledge_id, 0)"
    )


def downgrade():
    with op.batch_alter_table('ledger_flows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_flows_pledge_key'))
    op.drop_table('ledger_flows')
