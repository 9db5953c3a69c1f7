"""Initial schema: taxonomy, organisations, users, cases, revisions and the append-only audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mmps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('ministry', sa.String(length=300), nullable=False),
    sa.Column('since', sa.Integer(), nullable=True),
    sa.CheckConstraint("category IN ('central', 'state', 'integrated')", name=op.f('ck_mmps_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mmps')),
    sa.UniqueConstraint('slug', name=op.f('uq_mmps_slug'))
    )
    with op.batch_alter_table('mmps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mmps_category'), ['category'], unique=False)

    op.create_table('states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.CheckConstraint("kind IN ('state', 'ut')", name=op.f('ck_states_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_states')),
    sa.UniqueConstraint('code', name=op.f('uq_states_code'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('ati', 'state_department', 'nodal_agency')", name=op.f('ck_organizations_kind')),
    sa.ForeignKeyConstraint(['state_id'], ['states.id'], name=op.f('fk_organizations_state_id_states')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organizations_slug'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_state_id'), ['state_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('mmp_id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=300), nullable=False),
    sa.Column('year_started', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('published_revision_id', sa.Integer(), nullable=True),
    sa.Column('first_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('en', 'hi')", name=op.f('ck_cases_language')),
    sa.CheckConstraint("stage IN ('pilot', 'scaled', 'statewide', 'national')", name=op.f('ck_cases_stage')),
    sa.CheckConstraint('number > 0', name=op.f('ck_cases_number_positive')),
    sa.CheckConstraint('year_started BETWEEN 1980 AND 2100', name=op.f('ck_cases_year_started')),
    sa.ForeignKeyConstraint(['mmp_id'], ['mmps.id'], name=op.f('fk_cases_mmp_id_mmps')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cases_organization_id_organizations')),
    sa.ForeignKeyConstraint(['state_id'], ['states.id'], name=op.f('fk_cases_state_id_states')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_mmp_published', ['mmp_id', 'first_published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_published_revision_id'), ['published_revision_id'], unique=False)
        batch_op.create_index('ix_cases_state_published', ['state_id', 'first_published_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('state_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('trainer', 'submitter', 'reviewer', 'admin')", name=op.f('ck_users_role')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_users_organization_id_organizations')),
    sa.ForeignKeyConstraint(['state_id'], ['states.id'], name=op.f('fk_users_state_id_states')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('case_tags',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_tags_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_case_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'tag_id', name=op.f('pk_case_tags'))
    )
    with op.batch_alter_table('case_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'in_review', 'changes_requested', 'published', 'superseded', 'rejected', 'archived')", name=op.f('ck_revisions_status')),
    sa.CheckConstraint('number > 0', name=op.f('ck_revisions_number_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_revisions_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('case_id', 'number', name='uq_revisions_case_id_number')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_status'), ['status'], unique=False)

    op.create_table('case_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_case_contacts_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_contacts')),
    sa.UniqueConstraint('revision_id', 'position', name='uq_case_contacts_revision_id_position')
    )
    op.create_table('case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_case_links_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
    sa.UniqueConstraint('revision_id', 'position', name='uq_case_links_revision_id_position')
    )
    op.create_table('outcome_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('before_value', sa.Float(), nullable=True),
    sa.Column('after_value', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.CheckConstraint('before_value IS NOT NULL OR after_value IS NOT NULL', name=op.f('ck_outcome_figures_has_value')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_outcome_figures_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_figures')),
    sa.UniqueConstraint('revision_id', 'position', name='uq_outcome_figures_revision_id_position')
    )
    op.create_table('status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_status_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_status_events_case_id_cases')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_status_events_revision_id_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_events'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index('ix_status_events_case_created', ['case_id', 'created_at'], unique=False)


    # cases <-> revisions refer to each other: the case's pointer to its published revision is added
    # once both tables exist.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_cases_published_revision_id_revisions', 'revisions',
                                    ['published_revision_id'], ['id'])
    create_append_only_triggers('status_events')


def create_append_only_triggers(table):
    """The audit trail can be appended to, never rewritten: UPDATE and DELETE fail in the database."""
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
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kb_refuse_change()")
    else:
        for verb in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")

def downgrade():
    drop_append_only_triggers('status_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_published_revision_id_revisions', type_='foreignkey')
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index('ix_status_events_case_created')

    op.drop_table('status_events')
    op.drop_table('outcome_figures')
    op.drop_table('case_links')
    op.drop_table('case_contacts')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_status'))
        batch_op.drop_index(batch_op.f('ix_revisions_case_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_author_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('case_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_tags_tag_id'))

    op.drop_table('case_tags')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))
        batch_op.drop_index(batch_op.f('ix_users_organization_id'))

    op.drop_table('users')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_published')
        batch_op.drop_index(batch_op.f('ix_cases_published_revision_id'))
        batch_op.drop_index(batch_op.f('ix_cases_organization_id'))
        batch_op.drop_index('ix_cases_mmp_published')

    op.drop_table('cases')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_state_id'))

    op.drop_table('organizations')
    op.drop_table('tags')
    op.drop_table('states')
    with op.batch_alter_table('mmps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mmps_category'))

    op.drop_table('mmps')
