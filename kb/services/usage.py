"""How much published cases are read: views of a case's page and downloads of its files, citations and
handouts, counted per case and day (India's calendar). Only the counts are kept: no address, no account,
no cookie, nothing that says who read what. Admins see them (kb.services.health), and the public "most
viewed" sort of search ranks published cases by their views over the last 90 days (``recent_views``).

Counting is off the page's critical path: a view adds to this worker's tally in memory, and the tally is
written (one UPDATE per case and day, an INSERT for the first of the day) at most every
``KB_USAGE_FLUSH_SECONDS`` by the request that finds it due, in its own short transaction. A write that
finds the database busy keeps the tally for the next time, so counting never queues a reader behind a
writer (on SQLite a reading request that wrote at every view would), and a busy site writes a few rows
every few seconds instead of one per view. A worker's last few seconds of counts are lost if it is killed."""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import math
import threading
import time
from typing import Mapping

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kb.database import commit_if_possible
from kb.extensions import db
from kb.models import Case, CaseUsageDay, Revision, format_public_id
from kb.services.freshness import today_in_india


class _Tally:
    """Counts not yet written, per (case id, day, column), for this worker."""

    def __init__(self):
        self._counts: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        self._written_at = time.monotonic()

    def add(self, key: tuple, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount

    def take_if_due(self, interval: float) -> dict:
        with self._lock:
            if not self._counts or time.monotonic() - self._written_at < interval:
                return {}
            taken, self._counts = dict(self._counts), collections.Counter()
            self._written_at = time.monotonic()
            return taken

    def give_back(self, counts: dict) -> None:
        with self._lock:
            self._counts.update(counts)


_TALLY = _Tally()


def record_view(case_id: int) -> None:
    _TALLY.add((case_id, today_in_india(), "views"))


def record_download(case_id: int) -> None:
    _TALLY.add((case_id, today_in_india(), "downloads"))


def write_counts_if_due(interval: float) -> bool:
    """Write this worker's tally if ``interval`` seconds have passed since the last write (0: now) and
    commit it; a busy database keeps it for the next time. True if something was written."""
    counts = _TALLY.take_if_due(interval)
    if not counts:
        return False
    try:
        for (case_id, day, column), amount in counts.items():
            _count(case_id, day, column, amount)
    except Exception:
        db.session.rollback()
        _TALLY.give_back(counts)
        raise
    if not commit_if_possible():
        _TALLY.give_back(counts)
        return False
    _recent().stale = True  # this worker's own counts show in its "most viewed" order at once
    return True


def _count(case_id: int, day: dt.date, column: str, amount: int) -> None:
    increment = {column: getattr(CaseUsageDay, column) + amount}
    statement = update(CaseUsageDay).where(CaseUsageDay.case_id == case_id, CaseUsageDay.day == day).values(**increment)
    if db.session.execute(statement).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(CaseUsageDay).values(case_id=case_id, day=day,
                                                           **{"views": 0, "downloads": 0, column: amount}))
    except IntegrityError:  # another request inserted the day's row a moment ago
        db.session.execute(statement)


@dataclasses.dataclass(frozen=True)
class CaseUsage:
    public_id: str
    title: str
    language: str
    views: int
    downloads: int


def most_viewed(days: int = 30, limit: int = 20, sort: str = "views") -> list[CaseUsage]:
    """Published cases by views (or downloads) over the last ``days`` days, most first."""
    since = today_in_india() - dt.timedelta(days=days - 1)
    views, downloads = func.sum(CaseUsageDay.views), func.sum(CaseUsageDay.downloads)
    order = (downloads.desc(), views.desc()) if sort == "downloads" else (views.desc(), downloads.desc())
    rows = db.session.execute(
        select(Case.number, Revision.title, Revision.language, views, downloads)
        .join(CaseUsageDay, CaseUsageDay.case_id == Case.id)
        .join(Revision, Revision.id == Case.published_revision_id)
        .where(CaseUsageDay.day >= since)
        .group_by(Case.number, Revision.title, Revision.language)
        .order_by(*order, Case.number).limit(limit)).all()
    return [CaseUsage(format_public_id(number), title, language, int(v or 0), int(d or 0))
            for number, title, language, v, d in rows]


def daily_totals(days: int = 30) -> list[tuple[dt.date, int, int]]:
    """(day, views, downloads) over the whole library for each of the last ``days`` days that had any."""
    since = today_in_india() - dt.timedelta(days=days - 1)
    return [(day, int(v or 0), int(d or 0)) for day, v, d in db.session.execute(
        select(CaseUsageDay.day, func.sum(CaseUsageDay.views), func.sum(CaseUsageDay.downloads))
        .where(CaseUsageDay.day >= since).group_by(CaseUsageDay.day).order_by(CaseUsageDay.day))]


# ---------------------------------------------------------------------------------------------------
# The "most viewed" sort

RECENT_DAYS = 90  # "most viewed": views of a case's page over the last 90 days, today included


@dataclasses.dataclass(frozen=True)
class ViewCounts:
    """Views per case over the last RECENT_DAYS days, by public id, as this worker last read them.
    ``version`` changes whenever the counts do (what a kept search page sorted by views depends on)."""

    version: int
    counts: Mapping[str, int]


class _RecentViews:
    """This worker's copy of the recent views, refreshed at most every ``KB_USAGE_FLUSH_SECONDS`` (the
    rhythm at which workers write their tallies) and after this worker writes its own.

    Days before yesterday no longer change (tallies are written within seconds; a tally of yesterday's
    may arrive just after midnight): their sum is kept, and when the day turns it is moved on by the day
    that became closed and the day that left the window (a full sum only at a worker's first use, ~0.9 s
    at 20,000 cases and 450,000 rows). Each refresh re-reads only yesterday's and today's rows, without a
    join (the public ids of case ids are kept too), so a search sorted by views seldom waits on it."""

    def __init__(self):
        self._lock = threading.Lock()
        self.stale = True
        self._read_at = -math.inf
        self._closed: tuple[dt.date | None, collections.Counter] = (None, collections.Counter())
        self._public_ids: dict[int, str] = {}  # case id -> public id (neither ever changes)
        self._current = ViewCounts(0, {})

    def get(self, interval: float) -> ViewCounts:
        with self._lock:
            if self.stale or time.monotonic() - self._read_at >= interval:
                self.stale = False
                self._read_at = time.monotonic()
                counts = self._read()
                if counts != self._current.counts:
                    self._current = ViewCounts(self._current.version + 1, counts)
            return self._current

    def _read(self) -> dict[str, int]:
        today = today_in_india()
        first, yesterday = today - dt.timedelta(days=RECENT_DAYS - 1), today - dt.timedelta(days=1)
        day, closed = self._closed
        if day != today:
            if day is not None and 0 < (today - day).days <= 7:  # the window moved on by a few days
                closed = collections.Counter(closed)
                closed.update(_views_by_case(day - dt.timedelta(days=1), yesterday))
                closed.subtract(_views_by_case(day - dt.timedelta(days=RECENT_DAYS - 1), first))
            else:
                closed = collections.Counter(_views_by_case(first, yesterday))
            self._closed = (today, closed)
        counts = collections.Counter(closed)
        counts.update(_views_by_case(yesterday, today + dt.timedelta(days=1)))
        names = self._names([case_id for case_id in counts if case_id not in self._public_ids])
        return {names[case_id]: views for case_id, views in counts.items() if views > 0 and case_id in names}

    def _names(self, missing: list[int]) -> dict[int, str]:
        for start in range(0, len(missing), 500):
            self._public_ids.update((case_id, format_public_id(number)) for case_id, number in db.session.execute(
                select(Case.id, Case.number).where(Case.id.in_(missing[start:start + 500]))))
        return self._public_ids


def _views_by_case(first: dt.date, before: dt.date) -> dict[int, int]:
    """Views per case id from ``first`` up to (not including) ``before``."""
    return {case_id: int(views or 0) for case_id, views in db.session.execute(
        select(CaseUsageDay.case_id, func.sum(CaseUsageDay.views))
        .where(CaseUsageDay.day >= first, CaseUsageDay.day < before).group_by(CaseUsageDay.case_id))}


def _recent() -> _RecentViews:
    """The app's copy (one per app: case ids and days of one database never answer for another's)."""
    return current_app.extensions.setdefault("kb_recent_views", _RecentViews())


def recent_views() -> ViewCounts:
    """Views per case over the last RECENT_DAYS days (this worker's copy, at most
    ``KB_USAGE_FLUSH_SECONDS`` old), for ranking published cases by how much they are read. Only the
    search index's cases are ranked by it, and those are published: a count never shows for anything else."""
    return _recent().get(current_app.config.get("KB_USAGE_FLUSH_SECONDS", 10))
