"""accounts: second factor, password resets, session timeouts, atomic throttles

Revision ID: 0010_accounts
Revises: 0009_api_tokens
Create Date: 2026-12-01 05:52:21.210035

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_accounts'
down_revision = '0009_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttles',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('account', sa.String(length=254), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_throttles'))
    )
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttles_account'), ['account'], unique=False)

    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=256), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_at_email_address')

    op.drop_table('login_attempts')
    # Sessions opened before timeouts and the second factor existed end now: everyone logs in
    # again. The defaults only fill the columns of those ended rows.
    op.execute("UPDATE login_sessions SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL")
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('second_factor_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.alter_column('user_agent', server_default=None)
        batch_op.alter_column('last_seen_at', server_default=None)
        batch_op.alter_column('confirmed_at', server_default=None)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('second_factor_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('user_agent')

    op.create_table('login_attempts',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('email', sa.VARCHAR(length=254), nullable=False),
    sa.Column('address', sa.VARCHAR(length=64), nullable=False),
    sa.Column('at', sa.DATETIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_at_email_address', ['at', 'email', 'address'], unique=False)

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_account'))

    op.drop_table('throttles')
