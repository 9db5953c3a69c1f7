"""Evidence, freshness and usage: how each outcome figure is known (period, source, evidence grade, the
reviewer's grade), recognitions, a case's overall evidence level and its re-verification dates, counts of
views and downloads per case and day, and the version number the dashboard's aggregates are kept by.

Cases published before this migration are given the dates a publication gives (verified on their
first publication, due a year later) and, if their figures exist, the evidence level "self-reported"
(the grade every existing figure starts with).

Revision ID: 0008_evidence
Revises: 0007_alerts
Create Date: 2026-12-04
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

GRADES = ("self_reported", "documented", "evaluated", "audited")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# revision identifiers, used by Alembic.
revision = '0008_evidence'
down_revision = '0007_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('aggregate_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_aggregate_versions_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregate_versions'))
    )
    op.create_table('case_usage_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('downloads', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_usage_days_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_usage_days')),
    sa.UniqueConstraint('case_id', 'day', name='uq_case_usage_days_case_id_day')
    )
    with op.batch_alter_table('case_usage_days', schema=None) as batch_op:
        batch_op.create_index('ix_case_usage_days_day', ['day'], unique=False)

    op.create_table('recognitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=300), server_default='', nullable=False),
    sa.CheckConstraint('year BETWEEN 1980 AND 2100', name=op.f('ck_recognitions_year')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_recognitions_revision_id_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recognitions')),
    sa.UniqueConstraint('revision_id', 'position', name='uq_recognitions_revision_id_position')
    )
    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognitions_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('last_verified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('review_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discontinued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discontinued_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reverify_reminded', sa.String(length=10), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_cases_evidence_level'), ['evidence_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_review_by'), ['review_by'], unique=False)

    with op.batch_alter_table('outcome_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source_document', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source_attachment', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('evidence', sa.String(length=20), server_default='self_reported', nullable=False))
        batch_op.add_column(sa.Column('evidence_reviewed', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_outcome_figures_evidence'), _in('evidence', GRADES))
        batch_op.create_check_constraint(op.f('ck_outcome_figures_evidence_reviewed'),
                                         f"evidence_reviewed IS NULL OR {_in('evidence_reviewed', GRADES)}")

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_months', sa.Integer(), nullable=True))

    _backfill_published_cases()


def _backfill_published_cases():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT c.id, c.first_published_at, "
        "(SELECT count(*) FROM outcome_figures o WHERE o.revision_id = c.published_revision_id) "
        "FROM cases c WHERE c.published_revision_id IS NOT NULL")).all()
    for case_id, first_published, figures in rows:
        if isinstance(first_published, str):  # SQLite returns the stored text
            first_published = dt.datetime.fromisoformat(first_published)
        verified = (first_published or dt.datetime.now(dt.timezone.utc)).date()
        try:
            due = verified.replace(year=verified.year + 1)
        except ValueError:  # 29 February
            due = verified + dt.timedelta(days=365)
        connection.execute(sa.text(
            "UPDATE cases SET last_verified_on = :verified, review_by = :due, evidence_level = :level "
            "WHERE id = :id"), {"verified": verified, "due": due, "id": case_id,
                                "level": "self_reported" if figures else None})


def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('review_months')

    with op.batch_alter_table('outcome_figures', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outcome_figures_evidence_reviewed'), type_='check')
        batch_op.drop_constraint(op.f('ck_outcome_figures_evidence'), type_='check')
        batch_op.drop_column('evidence_reviewed')
        batch_op.drop_column('evidence')
        batch_op.drop_column('source_attachment')
        batch_op.drop_column('source_document')
        batch_op.drop_column('period')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_review_by'))
        batch_op.drop_index(batch_op.f('ix_cases_evidence_level'))
        batch_op.drop_column('reverify_reminded')
        batch_op.drop_column('discontinued_reason')
        batch_op.drop_column('discontinued_on')
        batch_op.drop_column('review_by')
        batch_op.drop_column('last_verified_on')
        batch_op.drop_column('evidence_level')

    with op.batch_alter_table('recognitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognitions_revision_id'))

    op.drop_table('recognitions')
    with op.batch_alter_table('case_usage_days', schema=None) as batch_op:
        batch_op.drop_index('ix_case_usage_days_day')

    op.drop_table('case_usage_days')
    op.drop_table('aggregate_versions')
