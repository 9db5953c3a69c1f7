"""For reviewers and admins: how the review queue is doing, what is due for re-verification, and how much
the library is read. Plain figures from the audit trail (``status_events``), the cases' freshness dates and
the daily usage counts."""
from __future__ import annotations

import dataclasses
import datetime as dt
import statistics

from sqlalchemy import func, select

from kb import permissions
from kb.extensions import db
from kb.models import Revision, RevisionStatus, StatusEvent, User, utcnow
from kb.services import freshness, usage

DECISIONS = ("approve", "reject", "request_changes")
WINDOW_DAYS = 90  # decisions counted over the last 90 days


@dataclasses.dataclass(frozen=True)
class QueueHealth:
    waiting: int  # submitted or in review now
    unclaimed: int  # submitted, nobody reviewing yet
    oldest_waiting_days: int | None
    median_days_to_decision: float | None  # from submission to a decision, over WINDOW_DAYS
    decisions: int  # over WINDOW_DAYS
    decisions_by_reviewer: list[tuple[str, int]]  # (reviewer's name, decisions), most first


@dataclasses.dataclass(frozen=True)
class Health:
    queue: QueueHealth
    due: list[freshness.DueCase]
    most_used: list[usage.CaseUsage]
    daily: list[tuple[dt.date, int, int]]
    usage_days: int
    usage_sort: str


def queue_health(now: dt.datetime | None = None) -> QueueHealth:
    now = now or utcnow()
    open_rows = db.session.execute(
        select(Revision.status, Revision.submitted_at, Revision.created_at, Revision.case_id, Revision.number)
        .where(Revision.status.in_([RevisionStatus.submitted.value, RevisionStatus.in_review.value]))).all()
    # Only a case's newest revision is its submission.
    newest = dict(db.session.execute(select(Revision.case_id, func.max(Revision.number))
                                     .group_by(Revision.case_id)).all())
    waiting = [row for row in open_rows if newest.get(row.case_id) == row.number]
    ages = [(now - (row.submitted_at or row.created_at)).days for row in waiting]

    since = now - dt.timedelta(days=WINDOW_DAYS)
    decisions = db.session.execute(
        select(StatusEvent.revision_id, StatusEvent.created_at, StatusEvent.actor_id)
        .where(StatusEvent.action.in_(DECISIONS), StatusEvent.created_at >= since)).all()
    submits: dict[int, list[dt.datetime]] = {}
    for revision_id, created_at in db.session.execute(
            select(StatusEvent.revision_id, StatusEvent.created_at).where(
                StatusEvent.action == "submit",
                StatusEvent.revision_id.in_({d.revision_id for d in decisions} or {-1}))):
        submits.setdefault(revision_id, []).append(created_at)
    durations, per_reviewer = [], {}
    for decision in decisions:
        before = [at for at in submits.get(decision.revision_id, []) if at <= decision.created_at]
        if before:
            durations.append((decision.created_at - max(before)).total_seconds() / 86400)
        per_reviewer[decision.actor_id] = per_reviewer.get(decision.actor_id, 0) + 1
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_([i for i in per_reviewer if i is not None] or [-1]))).all())
    return QueueHealth(
        waiting=len(waiting), unclaimed=sum(1 for row in waiting if row.status == RevisionStatus.submitted.value),
        oldest_waiting_days=max(ages) if ages else None,
        median_days_to_decision=round(statistics.median(durations), 1) if durations else None,
        decisions=len(decisions),
        decisions_by_reviewer=sorted(((names.get(actor, "–"), n) for actor, n in per_reviewer.items()),
                                     key=lambda item: (-item[1], item[0])))


def health(user: User | None, *, usage_days: str | None = None, usage_sort: str | None = None) -> Health:
    """Everything the page shows; reviewers and admins only."""
    permissions.authorize(user, "use_review_queue")
    days = int(usage_days) if (usage_days or "").isdigit() and 1 <= int(usage_days) <= 365 else 30
    sort = usage_sort if usage_sort in ("views", "downloads") else "views"
    return Health(queue=queue_health(), due=freshness.due_cases(), most_used=usage.most_viewed(days, sort=sort),
                  daily=usage.daily_totals(days), usage_days=days, usage_sort=sort)
