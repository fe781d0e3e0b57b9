"""pledge schedules, promised matching, unused project money, tranche payments

Each pledge is paid in instalments (a table instead of free text), each with its own receipt;
a pledge carries the matching gift it was promised and what becomes of project money the
project cannot use; a tranche records what was paid.

Revision ID: 0006_pledge_schedules
Revises: 0005_decisions
Create Date: 2026-12-01 02:00:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0006_pledge_schedules'
down_revision = '0005_decisions'
branch_labels = None
depends_on = None

STATE = sa.Enum('due', 'received', 'cancelled', name='instalmentstate', native_enum=False, length=32)


def upgrade():
    op.create_table('pledge_instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('state', STATE, nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("(state = 'received') = (receipt_no IS NOT NULL AND received_on IS NOT NULL)", name=op.f('ck_pledge_instalments_receipt')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_pledge_instalments_amount_positive')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_pledge_instalments_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_pledge_instalments_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_instalments')),
    sa.UniqueConstraint('pledge_id', 'number', name=op.f('uq_pledge_instalments_pledge_id'))
    )
    with op.batch_alter_table('pledge_instalments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_instalments_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_instalments_pledge_id'), ['pledge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_instalments_state'), ['state'], unique=False)

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('if_unused', sa.Enum('program', 'refund', name='unusedmoney', native_enum=False, length=32), nullable=False, server_default='program'))
        batch_op.add_column(sa.Column('promised_match_fen', sa.BigInteger(), nullable=False, server_default='0'))

    _move_schedules()

    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pledges_receipt'), type_='check')
        batch_op.drop_constraint(op.f('fk_pledges_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('due_date')
        batch_op.drop_column('instalments')
        batch_op.drop_column('receipt_no')
        batch_op.drop_column('received_on')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('matched_fen')
        batch_op.create_check_constraint('match_nonnegative', 'promised_match_fen >= 0')

    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_fen', sa.BigInteger(), nullable=True))
    op.execute("UPDATE tranches SET paid_fen = amount_fen WHERE state = 'paid'")


def _move_schedules():
    """Each existing pledge's instalments (or its single due date) become rows; a pledge that
    arrived keeps its receipt on its instalments and its match as the promise kept."""
    conn = op.get_bind()
    pledges = sa.table(
        'pledges', sa.column('id'), sa.column('amount_fen'), sa.column('state'),
        sa.column('due_date', sa.Date), sa.column('instalments', sa.JSON),
        sa.column('receipt_no'), sa.column('received_on', sa.Date),
        sa.column('confirmed_by_id'), sa.column('matched_fen'), sa.column('promised_match_fen'),
    )
    rows = sa.table(
        'pledge_instalments', sa.column('pledge_id'), sa.column('number'),
        sa.column('due_date', sa.Date), sa.column('amount_fen'), sa.column('state'),
        sa.column('receipt_no'), sa.column('received_on', sa.Date), sa.column('confirmed_by_id'),
        sa.column('matched_fen'),
    )
    for p in conn.execute(sa.select(pledges)).mappings().all():
        schedule = [(date.fromisoformat(i['due']), i['amount_fen']) for i in p['instalments'] or []]
        schedule = schedule or [(p['due_date'], p['amount_fen'])]
        arrived = p['state'] in ('received', 'allocated', 'paid_out')
        state = 'received' if arrived else 'cancelled' if p['state'] == 'cancelled' else 'due'
        for number, (due, amount) in enumerate(schedule, start=1):
            conn.execute(rows.insert().values(
                pledge_id=p['id'], number=number, due_date=due, amount_fen=amount, state=state,
                receipt_no=p['receipt_no'] if arrived else None,
                received_on=p['received_on'] if arrived else None,
                confirmed_by_id=p['confirmed_by_id'] if arrived else None,
                matched_fen=p['matched_fen'] if number == 1 else 0,
            ))
        conn.execute(
            pledges.update().where(pledges.c.id == p['id'])
            .values(promised_match_fen=p['matched_fen'])
        )


def downgrade():
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_column('paid_fen')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pledges_match_nonnegative'), type_='check')
        batch_op.add_column(sa.Column('matched_fen', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('receipt_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('instalments', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
    op.execute(
        "UPDATE pledges SET due_date = (SELECT MAX(due_date) FROM pledge_instalments i "
        "WHERE i.pledge_id = pledges.id), matched_fen = promised_match_fen"
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_column('promised_match_fen')
        batch_op.drop_column('if_unused')
    op.drop_table('pledge_instalments')
