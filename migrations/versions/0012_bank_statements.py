"""bank statements: uploaded statements and their lines, each stored once and matched to at most one instalment

Revision ID: 0012_bank_statements
Revises: 0011_account_security
Create Date: 2026-12-02 09:38:32.162366

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_bank_statements'
down_revision = "0011_account_security"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lines_read', sa.Integer(), nullable=False),
    sa.Column('lines_new', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_bank_statements_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements'))
    )
    op.create_table('bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sa.String(length=64), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('payer', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=500), nullable=False),
    sa.Column('instalment_id', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(instalment_id IS NULL) = (matched_by_id IS NULL)', name=op.f('ck_bank_lines_matched_by')),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_bank_lines_amount_nonzero')),
    sa.CheckConstraint('instalment_id IS NULL OR amount_fen > 0', name=op.f('ck_bank_lines_credit_matched')),
    sa.ForeignKeyConstraint(['instalment_id'], ['pledge_instalments.id'], name=op.f('fk_bank_lines_instalment_id_pledge_instalments')),
    sa.ForeignKeyConstraint(['matched_by_id'], ['users.id'], name=op.f('fk_bank_lines_matched_by_id_users')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_bank_lines_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_lines')),
    sa.UniqueConstraint('instalment_id', name=op.f('uq_bank_lines_instalment_id')),
    sa.UniqueConstraint('line_key', name=op.f('uq_bank_lines_line_key'))
    )
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_lines_statement_id'), ['statement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_lines_statement_id'))

    op.drop_table('bank_lines')
    op.drop_table('bank_statements')
