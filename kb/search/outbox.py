"""Writing the search outbox: every change to what is published queues its case, in the same transaction.

A session hook (``after_flush``) looks at what the flush changed: a case whose published revision, or
whose classification, changed while it is or was public; and an MMP or state that was renamed (all its
public cases). It inserts one outbox row per case, so no code path that publishes, archives or edits can
forget the index, and a rolled-back transaction leaves no row behind.

On PostgreSQL a sequence value is taken at insert, not at commit: if transaction A takes id 6 and B takes
id 7 and commits first, a reader that moved its cursor past 7 would lose 6 forever. So the inserts take a
transaction-scoped advisory lock first: outbox writers commit one after another, ids become visible in
order, and "everything up to the largest visible id" is always complete. SQLite commits one writer at a
time anyway.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from kb.models import Case, Mmp, SearchOutbox, SearchOutboxState, State, utcnow

ADVISORY_LOCK_KEY = 0x6B62_0001  # "kb" + 1: the outbox insert lock
# A case's evidence level is a search facet; its freshness dates and discontinuation change its page,
# which is kept per library version (kb.fragments), so they are queued too.
_CLASSIFYING = ("published_revision_id", "mmp_id", "state_id", "department", "year_started", "stage",
                "language", "slug", "first_published_at", "evidence_level", "last_verified_on", "review_by",
                "discontinued_on")


def _changed_cases(session: Session) -> dict[int, str]:
    reasons: dict[int, str] = {}
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Case):
            state = inspect(obj)
            history = state.attrs.published_revision_id.history
            was_or_is_public = any(v is not None for v in (*history.added, *history.deleted, *history.unchanged))
            if not was_or_is_public:
                continue
            if obj in session.new:
                reasons[obj.id] = "publish"
            elif history.has_changes():
                reasons[obj.id] = "publish" if obj.published_revision_id else "withdraw"
            elif any(state.attrs[name].history.has_changes() for name in (*_CLASSIFYING, "tags")):
                reasons.setdefault(obj.id, "reclassify")
        elif isinstance(obj, (Mmp, State)) and obj not in session.new:
            state = inspect(obj)
            if state.attrs.name.history.has_changes() or (
                isinstance(obj, Mmp) and state.attrs.category.history.has_changes()
            ):
                column = Case.mmp_id if isinstance(obj, Mmp) else Case.state_id
                ids = session.execute(
                    select(Case.id).where(column == obj.id, Case.published_revision_id.is_not(None))
                ).scalars()
                for case_id in ids:
                    reasons.setdefault(case_id, "taxonomy")
    return reasons


@event.listens_for(Session, "after_flush")
def queue_published_changes(session: Session, flush_context) -> None:
    reasons = _changed_cases(session)
    if not reasons:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
    now = utcnow()
    connection.execute(insert(SearchOutbox), [
        {"case_id": case_id, "reason": reason, "created_at": now} for case_id, reason in sorted(reasons.items())
    ])
    session.info["kb_outbox_written"] = True


@event.listens_for(Session, "after_rollback")
def _forget_outbox_flag(session: Session) -> None:
    session.info.pop("kb_outbox_written", None)


def take_outbox_flag(session: Session) -> bool:
    """True once after a transaction that wrote outbox rows (read by the post-commit sync trigger)."""
    return bool(session.info.pop("kb_outbox_written", False))


def pending_count(session: Session, cursor: int) -> int:
    return session.scalar(select(func.count()).select_from(SearchOutbox).where(SearchOutbox.id > cursor)) or 0


def latest_id(session: Session) -> int:
    return session.scalar(select(func.max(SearchOutbox.id))) or 0


def prune(session: Session, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete rows older than the retention period; remember the highest id deleted.

    Rows are kept for every host's index to read; an index whose cursor is behind the pruned watermark
    rebuilds itself (kb.search.store).
    """
    cutoff = utcnow() - older_than
    highest = session.scalar(select(func.max(SearchOutbox.id)).where(SearchOutbox.created_at < cutoff))
    if not highest:
        return 0
    # Never prune the newest row: its id is what a fresh index's cursor starts from.
    newest = latest_id(session)
    highest = min(highest, newest - 1)
    if highest <= 0:
        return 0
    deleted = session.execute(delete(SearchOutbox).where(SearchOutbox.id <= highest)).rowcount
    state = session.get(SearchOutboxState, 1)
    if state is None:
        session.add(SearchOutboxState(id=1, pruned_through=highest))
    else:
        state.pruned_through = max(state.pruned_through, highest)
    return deleted or 0
