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
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kb.errors import NotFound, ValidationError
from kb.validation import whole_number
from kb.extensions import db
from kb.paging import Page
from kb.services import freshness, usage
from kb.models import (
    PUBLIC_ID_PATTERN,
    Case,
    LocalText,
    Tag,
    case_tags,
    format_public_id,
    text_in,
    Mmp,
    MmpCategory,
    Revision,
    RevisionStatus,
    State,
)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000  # far beyond any list's end, and well within the database's offsets
FACETS = ("mmp", "mmp_category", "state", "year", "tag", "language", "evidence", "award")
SORTS = ("relevance", "newest", "title", "evidence", "views")


@dataclasses.dataclass
class CaseFilters:
    """Facet filters: OR within one facet, AND across facets."""

    mmp: list[str] = dataclasses.field(default_factory=list)
    mmp_category: list[str] = dataclasses.field(default_factory=list)
    state: list[str] = dataclasses.field(default_factory=list)
    year: list[int] = dataclasses.field(default_factory=list)
    tag: list[str] = dataclasses.field(default_factory=list)
    language: list[str] = dataclasses.field(default_factory=list)
    evidence: list[str] = dataclasses.field(default_factory=list)
    award: list[str] = dataclasses.field(default_factory=list)  # the name of an award of the live version
    # Leave out the cases past their review-by date (kb.services.freshness).
    current_only: bool = False

    def active(self) -> dict[str, list]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


def parse_paging(page: str | None, per_page: str | None) -> tuple[int, int]:
    """Validate ``page`` / ``per_page`` request values; raise ``ValidationError`` naming the field."""
    fields = {}
    page_number = whole_number(page, maximum=MAX_PAGE) if page not in (None, "") else 1
    if not page_number:
        fields["page"] = _l("must be a whole number from 1 to %(high)s", high=MAX_PAGE)
        page_number = 1
    size = whole_number(per_page) if per_page not in (None, "") else DEFAULT_PER_PAGE
    if size is None or not 1 <= size <= MAX_PER_PAGE:
        fields["per_page"] = _l("must be a whole number from %(low)s to %(high)s", low=1, high=MAX_PER_PAGE)
        size = DEFAULT_PER_PAGE
    if fields:
        raise ValidationError(_l("Invalid paging."), fields)
    return page_number, size


def parse_filters(values: dict[str, Sequence[str]]) -> CaseFilters:
    """Build filters from repeated request values; unknown years are a ``ValidationError``."""
    years = []
    for raw in values.get("year", []):
        year = whole_number(str(raw), maximum=9999)
        if year is None:
            raise ValidationError(_l("Invalid filter."), {"year": _l("'%(value)s' is not a year", value=raw)})
        years.append(year)
    clean = lambda name: [v.strip() for v in values.get(name, []) if v and v.strip()]  # noqa: E731
    current = [v.strip() for v in values.get("current", []) if v and v.strip()]
    if any(v not in ("1", "0") for v in current):
        raise ValidationError(_l("Invalid filter."), {"current": _l("must be 1 (leave out overdue cases) or 0")})
    return CaseFilters(mmp=clean("mmp"), mmp_category=clean("mmp_category"), state=clean("state"), year=years, tag=clean("tag"),
                       language=clean("language"), evidence=clean("evidence"), award=clean("award"),
                       current_only="1" in current)


# ---------------------------------------------------------------------------------------------------
# Single cases


def get_published_case(public_id: str) -> Case:
    """The case with this public id, if it has a published revision; ``NotFound`` otherwise."""
    number = _number_of(public_id)
    case = db.session.scalar(
        select(Case)
        .where(Case.number == number, Case.published_revision_id.is_not(None))
        # Tags, outcomes, links and contacts load lazily: a case page whose article is
        # already cached never touches them.
        .options(joinedload(Case.mmp), joinedload(Case.state), joinedload(Case.published_revision))
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
    weak_matches: bool = False  # nothing matched well: the items are only the few nearest cases
    synonyms_used: list = dataclasses.field(default_factory=list)  # (acronym or synonym typed, others searched)
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
    exclude = freshness.overdue_public_ids() if filters.current_only else frozenset()
    results = search.search(q, filters.active(), sort=sort, page=page, per_page=per_page, exclude=exclude,
                            views=_views_for(sort))
    ids = [hit.public_id for hit in results.hits]
    cases = _published_by_public_id(ids)
    return SearchPage(
        items=[cases[i] for i in ids if i in cases], total=results.total, page=page, per_page=per_page,
        highlights={hit.public_id: (hit.title_html, hit.highlight_html, hit.translated_title_html)
                    for hit in results.hits},
        facets=results.facets, suggestion=results.suggestion, notices=results.notices,
        matched_any_word=results.matched_any_word, corrected_from=results.corrected_from,
        query_text=results.query_text, also_searched=results.also_searched,
        weak_matches=results.weak_matches, synonyms_used=results.synonyms_used,
    )


def _views_for(sort: str) -> tuple | None:
    """What the "most viewed" sort ranks by (kb.services.usage): only asked for when it is chosen."""
    if sort != "views":
        return None
    counts = usage.recent_views()
    return counts.version, counts.counts


def views_version(sort: str | None) -> int | None:
    """What a kept page of results sorted by views also depends on: the version of the counts."""
    return usage.recent_views().version if sort == "views" else None


def similar_cases(public_id: str, limit: int = 5) -> list[Case]:
    """Published cases like this one (never itself); ``NotFound`` if the case is not published."""
    return similar_to(get_published_case(public_id), limit)


def similar_to(case: Case, limit: int = 5) -> list[Case]:
    """Published cases like this published one (never itself)."""
    from kb import search

    ids = [i for i in search.similar(case.public_id, limit) if i != case.public_id]
    found = _published_by_public_id(ids)
    return [found[i] for i in ids if i in found]


@dataclasses.dataclass(frozen=True)
class CardText:
    """The live version's words a list shows: title and summary, with their translations."""

    number: int
    title: str
    summary: str
    translated_title: str
    translated_summary: str
    language: str

    def title_in(self, language: str) -> LocalText:
        return text_in(language, self.title, self.translated_title, self.language)

    def summary_in(self, language: str) -> LocalText:
        return text_in(language, self.summary, self.translated_summary, self.language)


@dataclasses.dataclass(frozen=True)
class CaseCard:
    """A published case as a list of cases shows it (search results, the home, MMP and state pages, the
    API's results): read in one light query, without loading its body, versions or files. It answers
    the attributes a list asks of a ``Case`` (``public_id``, ``mmp``, ``state``, ``published_revision``...)."""

    id: int
    number: int
    language: str
    year_started: int | None
    mmp: Mmp
    state: State | None
    tag_names: list
    first_published_at: object
    published_revision: CardText
    evidence_level: str | None = None
    review_by: object = None
    discontinued_on: object = None

    @property
    def public_id(self) -> str:
        return format_public_id(self.number)


def _taxonomy_by_id() -> tuple[dict[int, Mmp], dict[int, State]]:
    """MMPs and states by id, read once per request (a page that lists cases twice reads them once)."""
    from flask import g, has_request_context

    if has_request_context() and "kb_taxonomy" in g:
        return g.kb_taxonomy
    maps = ({mmp.id: mmp for mmp in db.session.scalars(select(Mmp))},
            {state.id: state for state in db.session.scalars(select(State))})
    if has_request_context():
        g.kb_taxonomy = maps
    return maps


def _published_by_public_id(ids: list[str]) -> dict[str, CaseCard]:
    """Cards of search hits, re-checking in the database that each is published right now (the index
    may lag a publication or a withdrawal by a moment)."""
    numbers = [_number_of(i) for i in ids]
    if not numbers:
        return {}
    rows = db.session.execute(
        select(Case.id, Case.number, Case.language, Case.year_started, Case.mmp_id, Case.state_id,
               Case.first_published_at, Revision.number, Revision.title, Revision.summary,
               Revision.translated_title, Revision.translated_summary, Revision.language,
               Case.evidence_level, Case.review_by, Case.discontinued_on)
        .join(Revision, Revision.id == Case.published_revision_id)
        .where(Case.number.in_(numbers))).all()
    if not rows:
        return {}
    tags: dict[int, list[str]] = {}
    for case_id, name in db.session.execute(
            select(case_tags.c.case_id, Tag.name).join(Tag, Tag.id == case_tags.c.tag_id)
            .where(case_tags.c.case_id.in_([row[0] for row in rows])).order_by(Tag.name)):
        tags.setdefault(case_id, []).append(name)
    mmps, states = _taxonomy_by_id()
    cards = [CaseCard(id=row[0], number=row[1], language=row[2], year_started=row[3], mmp=mmps[row[4]],
                      state=states.get(row[5]), tag_names=tags.get(row[0], []), first_published_at=row[6],
                      published_revision=CardText(row[7], row[8], row[9], row[10] or "", row[11] or "", row[12]),
                      evidence_level=row[13], review_by=row[14], discontinued_on=row[15])
             for row in rows]
    return {card.public_id: card for card in cards}


# ---------------------------------------------------------------------------------------------------
# Whole cases for lists that need every field (feeds, exports, harvesting)


def published_cases(public_ids: Sequence[str]) -> list[Case]:
    """The published cases with these ids, each with its live revision, taxonomy and tags loaded, in the
    order given (ids that are not published, or no longer, are left out)."""
    from sqlalchemy.orm import selectinload

    numbers = [_number_of(i) for i in public_ids]
    if not numbers:
        return []
    found = {case.public_id: case for case in db.session.scalars(
        select(Case).where(Case.number.in_(numbers), Case.published_revision_id.is_not(None))
        # The body is left out: lists of whole cases (feeds, exports, harvests) never show it.
        .options(joinedload(Case.mmp), joinedload(Case.state),
                 joinedload(Case.published_revision).defer(Revision.body).defer(Revision.sent_back_content)
                 .defer(Revision.checklist),
                 selectinload(Case.tags)))}
    return [found[i] for i in public_ids if i in found]


EXPORT_BATCH = 200


def iter_search_ids(q: str | None, filters: CaseFilters | None = None, *, sort: str | None = None,
                    batch: int = EXPORT_BATCH, limit: int | None = None):
    """The public ids of every result of a search, in its order, a batch at a time (lists of ids): what an
    export streams from, never holding more than one batch of cases."""
    from kb import search

    filters = filters or CaseFilters()
    sort = sort or ("relevance" if (q or "").strip() else "newest")
    if sort not in SORTS:
        raise ValidationError(_l("Invalid sort."), {"sort": _l("must be one of %(choices)s", choices=", ".join(SORTS))})
    page, seen = 1, 0
    exclude = freshness.overdue_public_ids() if filters.current_only else frozenset()  # as the page shows
    while True:
        size = batch if limit is None else min(batch, limit - seen)
        if size <= 0:
            return
        results = search.search(q, filters.active(), sort=sort, page=page, per_page=batch, ids_only=True,
                                exclude=exclude, views=_views_for(sort))
        ids = [hit.public_id for hit in results.hits][:size]
        if not ids:
            return
        yield ids
        seen += len(ids)
        if page * batch >= results.total:
            return
        page += 1
