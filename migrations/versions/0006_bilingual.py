"""Bilingual kb: Hindi names of the taxonomy, a case's title and summary in its other language, each
user's language for mail and notifications, the site's own pages (GIGW) and visitors' feedback.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mmps') as batch_op:
        batch_op.add_column(sa.Column('name_hi', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('states') as batch_op:
        batch_op.add_column(sa.Column('name_hi', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='en', nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_language'), "language IN ('en', 'hi')")
    with op.batch_alter_table('revisions') as batch_op:
        batch_op.add_column(sa.Column('translated_title', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('translated_summary', sa.Text(), server_default='', nullable=False))

    op.create_table('site_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('en', 'hi')", name=op.f('ck_site_pages_language')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_pages')),
    sa.UniqueConstraint('slug', 'language', name='uq_site_pages_slug_language')
    )

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('page_url', sa.String(length=500), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('sender_key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reply_note', sa.Text(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('general', 'content', 'accessibility', 'technical')", name=op.f('ck_feedback_category')),
    sa.CheckConstraint("status IN ('new', 'answered', 'closed')", name=op.f('ck_feedback_status')),
    sa.CheckConstraint("language IN ('en', 'hi')", name=op.f('ck_feedback_language')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feedback_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_feedback_handled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback') as batch_op:
        batch_op.create_index('ix_feedback_sender_created', ['sender_key', 'created_at'], unique=False)
        batch_op.create_index('ix_feedback_status_created', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_table('feedback')
    op.drop_table('site_pages')
    with op.batch_alter_table('revisions') as batch_op:
        batch_op.drop_column('translated_summary')
        batch_op.drop_column('translated_title')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint('language', type_='check')
        batch_op.drop_column('language')
    with op.batch_alter_table('states') as batch_op:
        batch_op.drop_column('name_hi')
    with op.batch_alter_table('mmps') as batch_op:
        batch_op.drop_column('name_hi')
