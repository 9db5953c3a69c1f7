"""Making a revision the public version of its case, and withdrawing it: the one way both happen.

The review workflow's ``approve`` and ``archive`` and the content importer all come here, so a
published case always has its classification copied from the revision that is live, the previous
version superseded, and a line in the audit trail. (The search outbox notices the change to
``Case.published_revision_id`` on flush, in the same transaction: kb.search.outbox.)
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kb.extensions import db
from kb.models import Case, Revision, RevisionStatus, StatusEvent, Tag, User, utcnow
from kb.services import evidence, freshness


def tags_by_name(names: Iterable[str]) -> list[Tag]:
    """The Tag rows for these names, creating the missing ones.

    Two approvals may bring the same new tag at the same moment: the missing names are inserted with
    "on conflict do nothing" (PostgreSQL waits for the other transaction and then skips the name; SQLite's
    writers are serialised anyway), so neither save fails on the tag's unique name."""
    names = sorted(set(names))
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    missing = [name for name in names if name not in existing]
    if missing:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(insert(Tag).values([{"name": name} for name in missing]).on_conflict_do_nothing())
        existing.update((t.name, t) for t in db.session.scalars(select(Tag).where(Tag.name.in_(missing))))
    return [existing[name] for name in names]


def copy_classification(revision: Revision, case: Case) -> None:
    """The case takes the revision's classification (MMP, state, department, year, stage, language, tags)."""
    case.mmp_id = revision.mmp_id if revision.mmp_id is not None else case.mmp_id
    if revision.mmp is not None:
        case.mmp = revision.mmp
    case.state = revision.state
    case.department = revision.department
    case.year_started = revision.year_started
    case.stage = revision.stage
    case.language = revision.language
    case.tags = tags_by_name(revision.tag_names)


def publish_revision(case: Case, revision: Revision, *, actor: User | None, action: str, note: str = "",
                     from_status: str | None = None, published_at=None) -> None:
    """Make ``revision`` the live version of ``case``; the one it replaces becomes ``superseded``."""
    now = utcnow()
    previous = case.published_revision
    if previous is not None and previous is not revision:
        previous.status = RevisionStatus.superseded.value
        db.session.add(StatusEvent(case_id=case.id, revision_id=previous.id, actor=actor, action=action,
                                   from_status=RevisionStatus.published.value,
                                   to_status=RevisionStatus.superseded.value,
                                   note=f"replaced by version {revision.number}"))
    revision.status = RevisionStatus.published.value
    revision.published_at = published_at or now
    copy_classification(revision, case)
    case.published_revision = revision
    if case.first_published_at is None:
        case.first_published_at = revision.published_at
    # A publication is a verification: the evidence level is the new version's, and the case is current.
    case.evidence_level = evidence.level_of(case)
    freshness.mark_verified(case, revision.published_at.astimezone(freshness.INDIA).date())
    db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=actor, action=action,
                               from_status=from_status, to_status=RevisionStatus.published.value, note=note))
    db.session.flush()


def withdraw_case(case: Case, *, actor: User | None, note: str) -> None:
    """Take the case out of the library: its live revision becomes ``archived`` (its permalinks then 404)."""
    revision = case.published_revision
    revision.status = RevisionStatus.archived.value
    case.published_revision = None
    db.session.add(StatusEvent(case_id=case.id, revision_id=revision.id, actor=actor, action="archive",
                               from_status=RevisionStatus.published.value,
                               to_status=RevisionStatus.archived.value, note=note))
    db.session.flush()
