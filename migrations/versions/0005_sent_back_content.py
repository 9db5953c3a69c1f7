"""What a submission held when a reviewer asked for changes, so the resubmission can be compared with it.

A first version is edited in place while it is sent back, so without this the reviewer had nothing to
compare the resubmission against. NULL until a reviewer first asks for changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('revisions') as batch_op:
        batch_op.add_column(sa.Column('sent_back_content', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('revisions') as batch_op:
        batch_op.drop_column('sent_back_content')
