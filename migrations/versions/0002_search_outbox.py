"""Search outbox: pending changes for every host's search index, and the pruning watermark.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_outbox_created_at'), ['created_at'], unique=False)

    op.create_table('search_outbox_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_search_outbox_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox_state'))
    )


def downgrade():
    op.drop_table('search_outbox_state')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_created_at'))
        batch_op.drop_index(batch_op.f('ix_search_outbox_case_id'))

    op.drop_table('search_outbox')
