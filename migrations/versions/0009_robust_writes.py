"""Case numbers handed out without racing: a sequence on PostgreSQL, a counter row on SQLite.

Revision ID: 0009_robust_writes
Revises: 0008_evidence
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_robust_writes'
down_revision = '0008_evidence'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_number_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_case_number_counter_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_number_counter'))
    )
    op.execute("INSERT INTO case_number_counter (id, last_number) SELECT 1, COALESCE(MAX(number), 0) FROM cases")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE SEQUENCE case_number_seq OWNED BY cases.number")
        op.execute("SELECT setval('case_number_seq', COALESCE((SELECT MAX(number) FROM cases), 0) + 1, false)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP SEQUENCE IF EXISTS case_number_seq")
    op.drop_table('case_number_counter')
