"""Alerts: following a search (an MMP, a state, a tag) by email, and extra headers on kept mail
(List-Unsubscribe for digests).

Revision ID: 0007_alerts
Revises: 0006
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_alerts'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('sender_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("frequency IN ('daily', 'weekly')", name=op.f('ck_alerts_frequency')),
    sa.CheckConstraint("language IN ('en', 'hi')", name=op.f('ck_alerts_language')),
    sa.CheckConstraint('user_id IS NOT NULL OR email IS NOT NULL', name=op.f('ck_alerts_has_recipient')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts') as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_alerts_email_created', ['email', 'created_at'], unique=False)
        batch_op.create_index('ix_alerts_sender_created', ['sender_key', 'created_at'], unique=False)
    with op.batch_alter_table('email_messages') as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('email_messages') as batch_op:
        batch_op.drop_column('headers')
    with op.batch_alter_table('alerts') as batch_op:
        batch_op.drop_index('ix_alerts_sender_created')
        batch_op.drop_index('ix_alerts_email_created')
        batch_op.drop_index(batch_op.f('ix_alerts_user_id'))
    op.drop_table('alerts')
