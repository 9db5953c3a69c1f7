"""Adoption and teaching: training uses, state replications (with an append-only status history),
teaching notes and course packs.

Training uses are unique per case, institute, programme (folded) and date. Replication status changes
are appended to ``replication_events``, which, like ``status_events``, refuses UPDATE and DELETE through
database triggers on SQLite and PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('programme', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("visibility IN ('institute', 'public')", name=op.f('ck_course_packs_visibility')),
    sa.CheckConstraint('number > 0', name=op.f('ck_course_packs_number_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_packs_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_course_packs_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_packs')),
    sa.UniqueConstraint('number', name=op.f('uq_course_packs_number'))
    )
    with op.batch_alter_table('course_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_packs_organization_id'), ['organization_id'], unique=False)

    op.create_table('replications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('adaptations', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('exploring', 'piloting', 'adopted', 'discontinued')", name=op.f('ck_replications_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_replications_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_replications_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_replications_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['state_id'], ['states.id'], name=op.f('fk_replications_state_id_states')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replications')),
    sa.UniqueConstraint('case_id', 'state_id', name='uq_replications_case_id_state_id')
    )
    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replications_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replications_state_id'), ['state_id'], unique=False)

    op.create_table('teaching_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('discussion_questions', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('activities', sa.Text(), nullable=False),
    sa.Column('exercises', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes BETWEEN 5 AND 1440', name=op.f('ck_teaching_notes_duration')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_teaching_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_teaching_notes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_teaching_notes_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teaching_notes')),
    sa.UniqueConstraint('case_id', 'author_id', name='uq_teaching_notes_case_id_author_id')
    )
    with op.batch_alter_table('teaching_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teaching_notes_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_teaching_notes_case_id'), ['case_id'], unique=False)

    op.create_table('training_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('programme', sa.String(length=300), nullable=False),
    sa.Column('programme_key', sa.String(length=300), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('classroom', 'online', 'field_visit')", name=op.f('ck_training_uses_mode')),
    sa.CheckConstraint('participants > 0', name=op.f('ck_training_uses_participants_positive')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_training_uses_rating')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_training_uses_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_training_uses_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_training_uses_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_uses')),
    sa.UniqueConstraint('case_id', 'organization_id', 'programme_key', 'held_on', name='uq_training_uses_case_org_programme_date')
    )
    with op.batch_alter_table('training_uses', schema=None) as batch_op:
        batch_op.create_index('ix_training_uses_case_held', ['case_id', 'held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_uses_organization_id'), ['organization_id'], unique=False)

    op.create_table('course_pack_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position > 0', name=op.f('ck_course_pack_items_position_positive')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_course_pack_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_course_pack_items_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pack_id'], ['course_packs.id'], name=op.f('fk_course_pack_items_pack_id_course_packs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_pack_items')),
    sa.UniqueConstraint('pack_id', 'case_id', name='uq_course_pack_items_pack_id_case_id')
    )
    with op.batch_alter_table('course_pack_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_pack_items_case_id'), ['case_id'], unique=False)

    op.create_table('replication_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('replication_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('exploring', 'piloting', 'adopted', 'discontinued')", name=op.f('ck_replication_events_status')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_replication_events_actor_id_users')),
    sa.ForeignKeyConstraint(['replication_id'], ['replications.id'], name=op.f('fk_replication_events_replication_id_replications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replication_events'))
    )
    with op.batch_alter_table('replication_events', schema=None) as batch_op:
        batch_op.create_index('ix_replication_events_replication_created', ['replication_id', 'created_at'], unique=False)

    create_append_only_triggers('replication_events')


def create_append_only_triggers(table):
    """History can be appended to, never rewritten: UPDATE and DELETE fail in the database.
    (The PostgreSQL function is the one migration 0001 created for status_events; replaced here as is.)"""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE OR REPLACE FUNCTION kb_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION kb_refuse_change()")
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def drop_append_only_triggers(table):
    """Drops this table's triggers only: kb_refuse_change() still serves status_events."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for verb in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def downgrade():
    drop_append_only_triggers('replication_events')
    with op.batch_alter_table('replication_events', schema=None) as batch_op:
        batch_op.drop_index('ix_replication_events_replication_created')

    op.drop_table('replication_events')
    with op.batch_alter_table('course_pack_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_pack_items_case_id'))

    op.drop_table('course_pack_items')
    with op.batch_alter_table('training_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_uses_organization_id'))
        batch_op.drop_index('ix_training_uses_case_held')

    op.drop_table('training_uses')
    with op.batch_alter_table('teaching_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teaching_notes_case_id'))
        batch_op.drop_index(batch_op.f('ix_teaching_notes_author_id'))

    op.drop_table('teaching_notes')
    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replications_state_id'))
        batch_op.drop_index(batch_op.f('ix_replications_organization_id'))

    op.drop_table('replications')
    with op.batch_alter_table('course_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_packs_organization_id'))

    op.drop_table('course_packs')
