"""objections answered in public; party verification states and edit versions

Revision ID: 0005_decisions
Revises: 0004
Create Date: 2026-12-01 01:27:32.139546

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_decisions'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('open', 'dismissed', 'withdrawn', 'reopened', name='objectionstate', native_enum=False, length=32), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_objections_state'), ['state'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_objections_answered_by_id_users'), 'users', ['answered_by_id'], ['id'])
        batch_op.create_check_constraint('answered', "state = 'open' OR answered_at IS NOT NULL")

    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification', sa.Enum('pending', 'more_info', 'rejected', 'verified', name='verificationstate', native_enum=False, length=32), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('verification_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version_id', sa.Integer(), nullable=False, server_default='1'))
    op.execute("UPDATE parties SET verification = 'verified' WHERE verified_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('version_id')
        batch_op.drop_column('verification_note')
        batch_op.drop_column('verification')

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_constraint('answered', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_objections_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_objections_state'))
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('reply')
        batch_op.drop_column('state')
