"""Is this still true? Every published case has a "last verified" and a "review by" date.

A publication verifies a case: it is then due for re-verification after the months its reviewer chose
(``Revision.review_months``), a year by default. From ``NOTICE_DAYS`` before that date the case's
organisation is reminded (in the site and by mail, each person in their language; ``kb freshness due
--notify``, run daily from cron), once while it is due soon and once when it is overdue. They answer
in one of three ways:

- **confirm as current**: a recorded event (in the audit trail), no new version; the dates move on;
- **update**: a new version through the review workflow; its publication verifies the case again;
- **mark as discontinued**: the case stays readable, with the date and the reason shown.

An overdue case shows a dated notice on its page, and the search page can leave overdue cases out.
This is also the archival rule the site publishes (GIGW): content is reviewed at least once a year.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kb import permissions
from kb.errors import Conflict, ValidationError
from kb.extensions import db
from kb.models import Case, RevisionStatus, StatusEvent, User, format_public_id, utcnow
from kb.services import notifications
from kb.services.cases import find_case

INDIA = dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")

DEFAULT_MONTHS = 12
NOTICE_DAYS = 30  # how long before the review-by date the organisation is first reminded
MAX_REASON = 2000


def today_in_india() -> dt.date:
    """Dates of verification are India's calendar days."""
    return utcnow().astimezone(INDIA).date()


class Freshness:
    CURRENT, DUE_SOON, OVERDUE, DISCONTINUED = "current", "due_soon", "overdue", "discontinued"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def status_of(case: Case, today: dt.date | None = None) -> str:
    today = today or today_in_india()
    if case.discontinued_on is not None:
        return Freshness.DISCONTINUED
    if case.review_by is None:
        return Freshness.CURRENT
    if case.review_by < today:
        return Freshness.OVERDUE
    if case.review_by <= today + dt.timedelta(days=NOTICE_DAYS):
        return Freshness.DUE_SOON
    return Freshness.CURRENT


def _interval_months(case: Case) -> int:
    revision = case.published_revision
    return (revision.review_months if revision is not None and revision.review_months else DEFAULT_MONTHS)


def mark_verified(case: Case, on: dt.date) -> None:
    """The case is verified as of ``on``: due again after its interval; reminders start afresh."""
    case.last_verified_on = on
    case.review_by = add_months(on, _interval_months(case))
    case.reverify_reminded = ""


# ---------------------------------------------------------------------------------------------------
# What is due


@dataclasses.dataclass(frozen=True)
class DueCase:
    case: Case
    status: str  # due_soon or overdue
    days: int  # days until the review-by date (negative: overdue by that many)


def due_cases(today: dt.date | None = None, within_days: int = NOTICE_DAYS) -> list[DueCase]:
    """Published, not discontinued cases whose review-by date is within ``within_days`` (or past),
    the most overdue first."""
    today = today or today_in_india()
    cases = db.session.scalars(
        select(Case).where(Case.published_revision_id.is_not(None), Case.discontinued_on.is_(None),
                           Case.review_by.is_not(None), Case.review_by <= today + dt.timedelta(days=within_days))
        .order_by(Case.review_by, Case.number))
    return [DueCase(case, Freshness.OVERDUE if case.review_by < today else Freshness.DUE_SOON,
                    (case.review_by - today).days) for case in cases]


def overdue_public_ids(today: dt.date | None = None) -> frozenset[str]:
    """Public ids of the published cases past their review-by date (what "hide overdue" leaves out)."""
    today = today or today_in_india()
    numbers = db.session.scalars(select(Case.number).where(
        Case.published_revision_id.is_not(None), Case.discontinued_on.is_(None), Case.review_by < today))
    return frozenset(format_public_id(number) for number in numbers)


def send_reminders(today: dt.date | None = None) -> list[DueCase]:
    """Remind each due case's organisation once while it is due soon and once when it is overdue.
    Returns the cases whose organisation was reminded now. The caller commits."""
    reminded = []
    for due in due_cases(today):
        stage = "overdue" if due.status == Freshness.OVERDUE else "soon"
        if due.case.reverify_reminded == stage:
            continue
        case, revision = due.case, due.case.published_revision
        if stage == "overdue":
            text = _l("%(case)s “%(title)s” was due for re-verification on %(date)s: please confirm it as current, "
                      "update it or mark it as discontinued.")
        else:
            text = _l("%(case)s “%(title)s” is due for re-verification by %(date)s: please confirm it as current, "
                      "update it or mark it as discontinued.")
        notifications.notify(notifications._audience(case, "organisation"), kind="reverify", case=case,
                             url=f"/cases/{case.public_id}/verify",
                             message=notifications.Message(text, case=case.public_id, title=revision.title,
                                                           date=_DateText(case.review_by)))
        case.reverify_reminded = stage
        reminded.append(due)
    db.session.flush()
    return reminded


class _DateText:
    """A date written in the reader's language when the message is rendered (in their language)."""

    def __init__(self, day: dt.date):
        self.day = day

    def __str__(self) -> str:
        from kb.i18n import format_date

        return format_date(self.day)


# ---------------------------------------------------------------------------------------------------
# The organisation's answers


def _published_case_to_verify(user: User | None, public_id: str) -> Case:
    case = find_case(public_id)
    permissions.authorize(user, "reverify", case)
    if not case.is_published:
        raise Conflict(_l("Only a published case is re-verified; this one is not published."))
    return case


def case_to_verify(user: User | None, public_id: str) -> Case:
    """The published case whose re-verification the user may answer (404 / 403 / 409 otherwise)."""
    return _published_case_to_verify(user, public_id)


def confirm_current(user: User | None, public_id: str, note: str = "") -> Case:
    """The organisation confirms the case is still true as published: an event, no new version."""
    case = _published_case_to_verify(user, public_id)
    if case.discontinued_on is not None:
        raise Conflict(_l("This practice is marked as discontinued; publish a new version to describe it again."))
    note = (note or "").strip()[:MAX_REASON]
    today = today_in_india()
    mark_verified(case, today)
    _record(case, user, "confirm_current", f"verified on {today.isoformat()}; next review by "
                                           f"{case.review_by.isoformat()}" + (f". {note}" if note else ""))
    return case


def mark_discontinued(user: User | None, public_id: str, reason: str) -> Case:
    """The practice is no longer run: the case stays in the library, shown as discontinued with the reason."""
    case = _published_case_to_verify(user, public_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Say why the practice was discontinued."), {"reason": _l("required")})
    if len(reason) > MAX_REASON:
        raise ValidationError(_l("The reason is too long."), {"reason": _l("at most %(limit)s characters",
                                                                          limit=MAX_REASON)})
    if case.discontinued_on is not None:
        raise Conflict(_l("This practice is already marked as discontinued."))
    case.discontinued_on = today_in_india()
    case.discontinued_reason = reason
    _record(case, user, "discontinue", reason)
    return case


def _record(case: Case, user: User | None, action: str, note: str) -> None:
    published = RevisionStatus.published.value
    db.session.add(StatusEvent(case_id=case.id, revision_id=case.published_revision_id, actor=user, action=action,
                               from_status=published, to_status=published, note=note))
    db.session.flush()
