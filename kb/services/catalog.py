"""The public library: what anyone may read. Every query here sees published revisions only.

Single cases and versions are read from the database. Every list of cases (search, filters, facets,
sorting; the MMP, state and home pages too) goes through ``kb.search``, and the cases it names are
re-loaded here with a check that each is still published.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import defaultload, joinedload, selectinload

from kb.errors import NotFound, ValidationError
from kb.extensions import db
from kb.paging import Page
from kb.models import (
    PUBLIC_ID_PATTERN,
    Case,
    Mmp,
    MmpCategory,
    Revision,
    RevisionStatus,
    State,
)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
FACETS = ("mmp", "mmp_category", "state", "year", "tag", "language")
SORTS = ("relevance", "newest", "title")


@dataclasses.dataclass
class CaseFilters:
    """Facet filters: OR within one facet, AND across facets."""

    mmp: list[str] = dataclasses.field(default_factory=list)
    mmp_category: list[str] = dataclasses.field(default_factory=list)
    state: list[str] = dataclasses.field(default_factory=list)
    year: list[int] = dataclasses.field(default_factory=list)
    tag: list[str] = dataclasses.field(default_factory=list)
    language: list[str] = dataclasses.field(default_factory=list)

    def active(self) -> dict[str, list]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


def parse_paging(page: str | None, per_page: str | None) -> tuple[int, int]:
    """Validate ``page`` / ``per_page`` request values; raise ``ValidationError`` naming the field."""
    fields = {}
    try:
        page_number = int(page) if page not in (None, "") else 1
        if page_number < 1:
            raise ValueError
    except ValueError:
        fields["page"] = _l("must be a whole number from 1")
        page_number = 1
    try:
        size = int(per_page) if per_page not in (None, "") else DEFAULT_PER_PAGE
        if not 1 <= size <= MAX_PER_PAGE:
            raise ValueError
    except ValueError:
        fields["per_page"] = _l("must be a whole number from %(low)s to %(high)s", low=1, high=MAX_PER_PAGE)
        size = DEFAULT_PER_PAGE
    if fields:
        raise ValidationError(_l("Invalid paging."), fields)
    return page_number, size


def parse_filters(values: dict[str, Sequence[str]]) -> CaseFilters:
    """Build filters from repeated request values; unknown years are a ``ValidationError``."""
    years = []
    for raw in values.get("year", []):
        if not str(raw).strip().isdigit():
            raise ValidationError(_l("Invalid filter."), {"year": _l("'%(value)s' is not a year", value=raw)})
        years.append(int(raw))
    clean = lambda name: [v.strip() for v in values.get(name, []) if v and v.strip()]  # noqa: E731
    return CaseFilters(mmp=clean("mmp"), mmp_category=clean("mmp_category"), state=clean("state"), year=years, tag=clean("tag"),
                       language=clean("language"))


# ---------------------------------------------------------------------------------------------------
# Single cases


def get_published_case(public_id: str) -> Case:
    """The case with this public id, if it has a published revision; ``NotFound`` otherwise."""
    number = _number_of(public_id)
    case = db.session.scalar(
        select(Case)
        .where(Case.number == number, Case.published_revision_id.is_not(None))
        .options(
            joinedload(Case.mmp), joinedload(Case.state), selectinload(Case.tags),
            joinedload(Case.published_revision).selectinload(Revision.outcomes),
            joinedload(Case.published_revision).selectinload(Revision.links),
            joinedload(Case.published_revision).selectinload(Revision.contacts),
        )
    )
    if case is None:
        raise NotFound(_l("No published case %(id)s.", id=public_id))
    return case


def get_public_version(public_id: str, version: int) -> tuple[Case, Revision]:
    """A version that was published once (live or superseded): permanent references stay valid."""
    case = get_published_case(public_id)
    revision = db.session.scalar(
        select(Revision).where(
            Revision.case_id == case.id,
            Revision.number == version,
            Revision.status.in_([RevisionStatus.published.value, RevisionStatus.superseded.value]),
        )
    )
    if revision is None:
        raise NotFound(_l("Case %(id)s has no published version %(version)s.", id=public_id, version=version))
    return case, revision


def public_versions(case: Case) -> list[Revision]:
    return list(db.session.scalars(
        select(Revision)
        .where(Revision.case_id == case.id,
               Revision.status.in_([RevisionStatus.published.value, RevisionStatus.superseded.value]))
        .order_by(Revision.number.desc())
    ))


def _number_of(public_id: str) -> int:
    match = PUBLIC_ID_PATTERN.match((public_id or "").upper())
    if not match:
        raise NotFound(_l("No published case %(id)s.", id=public_id))
    return int(match.group(1))


# ---------------------------------------------------------------------------------------------------
# Taxonomy pages


_LIBRARY_UPDATED: dict = {}
LIBRARY_UPDATED_TTL = 60.0  # seconds: the footer's date may lag a publication by a minute


def library_updated() -> dt.datetime | None:
    """When the public library last changed (the newest publication): the footer's "last updated" for
    pages that have no date of their own. Kept for a minute per process, so pages do not query it."""
    now = time.monotonic()
    cached = _LIBRARY_UPDATED.get("value")
    if cached is not None and now - cached[0] < LIBRARY_UPDATED_TTL:
        return cached[1]
    value = db.session.scalar(select(func.max(Revision.published_at)).where(
        Revision.status == RevisionStatus.published.value))
    _LIBRARY_UPDATED["value"] = (now, value)
    return value


def count_published() -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(Case.published_revision_id.is_not(None))) or 0


def taxonomy() -> tuple[list[Mmp], list[State]]:
    mmps = list(db.session.scalars(select(Mmp).order_by(Mmp.id)))
    states = list(db.session.scalars(select(State).order_by(State.kind, State.name)))
    return mmps, states


def _published_counts(column) -> dict:
    rows = db.session.execute(
        select(column, func.count()).where(Case.published_revision_id.is_not(None)).group_by(column)
    ).all()
    return {key: count for key, count in rows}


@dataclasses.dataclass
class Overview:
    case_count: int
    state_count: int
    mmp_count: int
    newest: list[Case]
    mmps_by_category: dict[str, list[tuple[Mmp, int]]]
    states: list[tuple[State, int]]
    central_count: int


def library_overview(newest: int = 6) -> Overview:
    """What the home page shows: counts, the newest cases, and browse lists with counts."""
    by_mmp = _published_counts(Case.mmp_id)
    by_state = _published_counts(Case.state_id)
    mmps, states = taxonomy()
    grouped: dict[str, list[tuple[Mmp, int]]] = {c.value: [] for c in MmpCategory}
    for mmp in mmps:
        grouped[mmp.category].append((mmp, by_mmp.get(mmp.id, 0)))
    return Overview(
        case_count=sum(by_mmp.values()),
        state_count=len([s for s in by_state if s is not None]),
        mmp_count=len(by_mmp),
        newest=search_cases(None, sort="newest", per_page=newest).items if newest else [],
        mmps_by_category=grouped,
        states=[(state, by_state.get(state.id, 0)) for state in states],
        central_count=by_state.get(None, 0),
    )


def get_mmp(slug: str) -> Mmp:
    mmp = db.session.scalar(select(Mmp).where(Mmp.slug == slug))
    if mmp is None:
        raise NotFound(_l("No Mission Mode Project '%(slug)s'.", slug=slug))
    return mmp


def get_state(code: str) -> State:
    state = db.session.scalar(select(State).where(State.code == (code or "").upper()))
    if state is None:
        raise NotFound(_l("No state or union territory '%(code)s'.", code=code))
    return state


__all__ = [
    "SearchPage", "search_cases", "similar_cases", "CaseFilters", "Page", "Overview", "parse_paging", "parse_filters", "get_published_case", "get_public_version",
    "public_versions", "count_published", "taxonomy", "library_overview", "get_mmp", "get_state",
]


# ---------------------------------------------------------------------------------------------------
# Search


@dataclasses.dataclass
class SearchPage(Page):
    """One page of search results: the published cases, their highlights, facets and hints."""

    # public id -> (title html, snippet html, the other language's title html or "")
    highlights: dict = dataclasses.field(default_factory=dict)
    facets: dict = dataclasses.field(default_factory=dict)
    suggestion: str | None = None
    notices: list = dataclasses.field(default_factory=list)
    matched_any_word: bool = False
    corrected_from: str | None = None
    query_text: str = ""
    also_searched: list = dataclasses.field(default_factory=list)  # (word, [counterparts]) of the glossary


def search_cases(q: str | None, filters: CaseFilters | None = None, *, sort: str | None = None, page: int = 1,
                 per_page: int = DEFAULT_PER_PAGE) -> SearchPage:
    """Search the published library (text, facets, sort, page) through the search index."""
    from kb import search

    filters = filters or CaseFilters()
    sort = sort or ("relevance" if (q or "").strip() else "newest")
    if sort not in SORTS:
        raise ValidationError(_l("Invalid sort."), {"sort": _l("must be one of %(choices)s", choices=", ".join(SORTS))})
    results = search.search(q, filters.active(), sort=sort, page=page, per_page=per_page)
    ids = [hit.public_id for hit in results.hits]
    cases = _published_by_public_id(ids)
    return SearchPage(
        items=[cases[i] for i in ids if i in cases], total=results.total, page=page, per_page=per_page,
        highlights={hit.public_id: (hit.title_html, hit.highlight_html, hit.translated_title_html)
                    for hit in results.hits},
        facets=results.facets, suggestion=results.suggestion, notices=results.notices,
        matched_any_word=results.matched_any_word, corrected_from=results.corrected_from,
        query_text=results.query_text, also_searched=results.also_searched,
    )


def similar_cases(public_id: str, limit: int = 5) -> list[Case]:
    """Published cases like this one (never itself); ``NotFound`` if the case is not published."""
    return similar_to(get_published_case(public_id), limit)


def similar_to(case: Case, limit: int = 5) -> list[Case]:
    """Published cases like this published one (never itself)."""
    from kb import search

    ids = [i for i in search.similar(case.public_id, limit) if i != case.public_id]
    found = _published_by_public_id(ids)
    return [found[i] for i in ids if i in found]


def _published_by_public_id(ids: list[str]) -> dict[str, Case]:
    """Load cases for search hits, re-checking in the database that each is published right now."""
    numbers = [_number_of(i) for i in ids]
    if not numbers:
        return {}
    # Result lists show titles and summaries: the bodies (most of a row's bytes) load only if asked for.
    query = _published().where(Case.number.in_(numbers)).options(
        defaultload(Case.published_revision).defer(Revision.body))
    cases = db.session.scalars(query).unique()
    return {case.public_id: case for case in cases}


def _published() -> Select:
    return (
        select(Case)
        .join(Revision, Revision.id == Case.published_revision_id)
        .options(joinedload(Case.mmp), joinedload(Case.state), selectinload(Case.tags),
                 joinedload(Case.published_revision))
    )
