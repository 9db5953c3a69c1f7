"""Dense search: each published text's embedding, computed once and shared by every rebuild and host.

Revision ID: 0010_search_vectors
Revises: 0009_robust_writes
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_search_vectors'
down_revision = '0009_robust_writes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_vectors',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_vectors'))
    )


def downgrade():
    op.drop_table('search_vectors')
