"""How much published cases are read: views of a case's page and downloads of its files, citations and
handouts, counted per case and day (India's calendar). Only the counts are kept: no address, no account,
no cookie, nothing that says who read what. Admins see them (kb.services.health) and "most viewed" sorts
by them.

A count is one UPDATE of the day's row (an INSERT for the first of the day), committed at once in its own
short transaction, so counting never holds a lock across a page's rendering."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kb.extensions import db
from kb.models import Case, CaseUsageDay, Revision, format_public_id
from kb.services.freshness import today_in_india


def record_view(case_id: int) -> None:
    _count(case_id, "views")


def record_download(case_id: int) -> None:
    _count(case_id, "downloads")


def _count(case_id: int, column: str) -> None:
    day = today_in_india()
    increment = {column: getattr(CaseUsageDay, column) + 1}
    statement = update(CaseUsageDay).where(CaseUsageDay.case_id == case_id, CaseUsageDay.day == day).values(**increment)
    if db.session.execute(statement).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(CaseUsageDay).values(case_id=case_id, day=day,
                                                           **{"views": 0, "downloads": 0, column: 1}))
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
