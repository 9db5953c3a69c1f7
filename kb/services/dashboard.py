"""The public dashboard's figures: where practices come from and where they spread.

Everything here counts published cases only (and what was recorded against them). The figures are worked
out by a handful of GROUP BY queries and kept per ``AggregateVersion``: a number bumped, in the same
transaction, by every flush that publishes, withdraws or re-verifies a case, or records, changes or removes
a training use or a replication (the session hook below, so no code path can forget it). A dashboard
request then asks one primary-key query to learn that nothing changed and serves the kept figures (and,
in kb.views.dashboard, the kept page).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from sqlalchemy import distinct, event, func, inspect, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import (
    AggregateVersion, Case, EvidenceGrade, Mmp, Replication, ReplicationEvent, ReplicationStatus,
    State, TrainingUse, format_public_id,
)

TOP = 10
QUARTERS_SHOWN = 8
TAKEN_UP = (ReplicationStatus.piloting.value, ReplicationStatus.adopted.value)
# What of a case the dashboard counts by.
COUNTED_CASE_FIELDS = ("published_revision_id", "mmp_id", "state_id", "year_started", "evidence_level",
                       "review_by", "discontinued_on")


# ---------------------------------------------------------------------------------------------------
# The version the aggregates are kept by


def _counted_change(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (TrainingUse, Replication, ReplicationEvent)):
            return True
        if isinstance(obj, Case):
            # A new draft counts for nothing (only published cases are counted): creating submissions
            # must not queue every writer on the one version row.
            if obj in session.new:
                if obj.published_revision_id is not None or obj.published_revision is not None:
                    return True
                continue
            state = inspect(obj)
            if obj in session.deleted or state.attrs.published_revision_id.history.has_changes() \
                    or state.attrs.published_revision.history.has_changes():
                return True  # published, or withdrawn
            if obj.published_revision_id is None:
                continue  # a draft's fields copied onto its case, before its first publication: not counted
            if any(state.attrs[name].history.has_changes() for name in COUNTED_CASE_FIELDS):
                return True
    return False


@event.listens_for(Session, "before_flush")
def _note_counted_change(session: Session, flush_context, instances) -> None:
    # Looked at before the flush, when the objects still say what changed (after it, history is reset).
    if _counted_change(session):
        session.info["kb_aggregates_changed"] = True


@event.listens_for(Session, "after_flush")
def _bump_version(session: Session, flush_context) -> None:
    if not session.info.pop("kb_aggregates_changed", False):
        return
    connection = session.connection()
    bump = update(AggregateVersion).where(AggregateVersion.id == 1).values(version=AggregateVersion.version + 1)
    if connection.execute(bump).rowcount:
        return
    # The first bump creates the row; two first bumps at once must not fail a save: the loser's insert
    # is undone to its savepoint and it bumps the row the winner committed.
    try:
        with connection.begin_nested():
            connection.execute(insert(AggregateVersion).values(id=1, version=1))
    except IntegrityError:
        connection.execute(bump)


def aggregate_version() -> int:
    return db.session.scalar(select(AggregateVersion.version).where(AggregateVersion.id == 1)) or 0


# ---------------------------------------------------------------------------------------------------
# The figures


@dataclasses.dataclass(frozen=True)
class Count:
    key: object  # what the search filter takes (an MMP slug, a state code, a year, a grade...)
    count: int


@dataclasses.dataclass(frozen=True)
class StateTile:
    code: str
    contributed: int  # published cases of the state
    taken_up: int  # practices of other states it pilots or has adopted


@dataclasses.dataclass(frozen=True)
class TopCase:
    public_id: str
    number: int
    count: int


@dataclasses.dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int  # 1-4, calendar quarters
    uses: int
    institutes: int  # institutes that recorded a use in the quarter


@dataclasses.dataclass(frozen=True)
class Figures:
    case_count: int
    by_category: list[Count]
    by_mmp: list[Count]
    by_state: list[Count]
    central_count: int
    by_year: list[Count]
    by_evidence: list[Count]  # strongest first; key None: cases without figures
    quarters: list[Quarter]  # oldest first, the last QUARTERS_SHOWN with any use
    active_institutes: int  # institutes with a use in the last four quarters shown
    training_uses: int
    replications_by_status: list[Count]
    most_adopted: list[TopCase]  # most training uses
    most_replicated: list[TopCase]  # most states piloting or adopting
    tiles: dict[str, StateTile]


def compute_figures() -> Figures:
    published = Case.published_revision_id.is_not(None)

    def counts(*columns, where=()):
        query = select(*columns, func.count()).select_from(Case).where(published, *where).group_by(*columns)
        return db.session.execute(query).all()

    by_category = {row[0]: row[1] for row in db.session.execute(
        select(Mmp.category, func.count()).join(Case, Case.mmp_id == Mmp.id).where(published).group_by(Mmp.category))}
    by_mmp = sorted(((slug, n) for slug, n in db.session.execute(
        select(Mmp.slug, func.count()).join(Case, Case.mmp_id == Mmp.id).where(published).group_by(Mmp.slug))),
        key=lambda row: (-row[1], row[0]))
    state_codes = {state_id: code for state_id, code in db.session.execute(select(State.id, State.code))}
    by_state_id = dict(counts(Case.state_id))
    by_year = sorted((year, n) for year, n in counts(Case.year_started) if year is not None)
    by_evidence = dict(counts(Case.evidence_level))

    uses_query = (select(TrainingUse.held_on, TrainingUse.organization_id)
                  .join(Case, Case.id == TrainingUse.case_id).where(published))
    quarters = _quarters(uses_query)
    training_uses = db.session.scalar(select(func.count()).select_from(TrainingUse)
                                      .join(Case, Case.id == TrainingUse.case_id).where(published)) or 0
    recent = quarters[-4:]
    active = 0
    if recent:
        since = dt.date(recent[0].year, 3 * recent[0].quarter - 2, 1)
        active = db.session.scalar(select(func.count(distinct(TrainingUse.organization_id)))
                                   .join(Case, Case.id == TrainingUse.case_id)
                                   .where(published, TrainingUse.held_on >= since)) or 0

    replications = dict(db.session.execute(
        select(Replication.status, func.count()).join(Case, Case.id == Replication.case_id).where(published)
        .group_by(Replication.status)).all())
    most_adopted = [TopCase(_public_id(number), number, n) for number, n in db.session.execute(
        select(Case.number, func.count(TrainingUse.id)).join(TrainingUse, TrainingUse.case_id == Case.id)
        .where(published).group_by(Case.number).order_by(func.count(TrainingUse.id).desc(), Case.number)
        .limit(TOP))]
    most_replicated = [TopCase(_public_id(number), number, n) for number, n in db.session.execute(
        select(Case.number, func.count(Replication.id)).join(Replication, Replication.case_id == Case.id)
        .where(published, Replication.status.in_(TAKEN_UP)).group_by(Case.number)
        .order_by(func.count(Replication.id).desc(), Case.number).limit(TOP))]
    taken_up = dict(db.session.execute(
        select(Replication.state_id, func.count(distinct(Replication.case_id)))
        .join(Case, Case.id == Replication.case_id).where(published, Replication.status.in_(TAKEN_UP))
        .group_by(Replication.state_id)).all())

    tiles = {code: StateTile(code, by_state_id.get(state_id, 0), taken_up.get(state_id, 0))
             for state_id, code in state_codes.items()}
    grades = [grade.value for grade in reversed(list(EvidenceGrade))]
    return Figures(
        case_count=sum(by_state_id.values()),
        by_category=[Count(key, by_category.get(key, 0)) for key in ("central", "state", "integrated")],
        by_mmp=[Count(slug, n) for slug, n in by_mmp],
        by_state=sorted((Count(state_codes[state_id], n) for state_id, n in by_state_id.items() if state_id),
                        key=lambda c: (-c.count, c.key)),
        central_count=by_state_id.get(None, 0),
        by_year=[Count(year, n) for year, n in by_year],
        by_evidence=[Count(grade, by_evidence.get(grade, 0)) for grade in grades] + [Count(None, by_evidence.get(None, 0))],
        quarters=quarters, active_institutes=active, training_uses=training_uses,
        replications_by_status=[Count(status.value, replications.get(status.value, 0)) for status in ReplicationStatus],
        most_adopted=most_adopted, most_replicated=most_replicated, tiles=tiles,
    )


def _quarters(uses_query) -> list[Quarter]:
    """Uses and active institutes per calendar quarter, the last QUARTERS_SHOWN that have any (oldest first).

    Grouped in the database by year and month (portable SQL), then folded into quarters here."""
    subquery = uses_query.subquery()
    rows = db.session.execute(
        select(func.extract("year", subquery.c.held_on), func.extract("month", subquery.c.held_on),
               subquery.c.organization_id, func.count())
        .group_by(func.extract("year", subquery.c.held_on), func.extract("month", subquery.c.held_on),
                  subquery.c.organization_id)).all()
    uses: dict[tuple[int, int], int] = {}
    institutes: dict[tuple[int, int], set] = {}
    for row_year, row_month, organization_id, n in rows:
        key = (int(row_year), (int(row_month) - 1) // 3 + 1)
        uses[key] = uses.get(key, 0) + n
        institutes.setdefault(key, set()).add(organization_id)
    keys = sorted(uses)[-QUARTERS_SHOWN:]
    return [Quarter(y, q, uses[(y, q)], len(institutes[(y, q)])) for y, q in keys]


def _public_id(number: int) -> str:
    return format_public_id(number)


_KEPT: dict[str, tuple[int, Figures]] = {}
_LOCK = threading.Lock()


def figures() -> tuple[int, Figures]:
    """(version, figures): worked out once per aggregate version in each process."""
    version = aggregate_version()
    with _LOCK:
        kept = _KEPT.get("figures")
        if kept is not None and kept[0] == version:
            return kept
    computed = (version, compute_figures())
    with _LOCK:
        _KEPT["figures"] = computed
    return computed


def titles_of(numbers: list[int]) -> dict[int, object]:
    """The live revisions of published cases by number (for the "most adopted" lists' titles)."""
    from kb.models import Revision

    if not numbers:
        return {}
    rows = db.session.execute(select(Case.number, Revision).join(Revision, Revision.id == Case.published_revision_id)
                              .where(Case.number.in_(numbers))).all()
    return {number: revision for number, revision in rows}
