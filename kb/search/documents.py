"""The index schema, and how a published case becomes one search document."""
from __future__ import annotations

import datetime as dt

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.markdown import markdown_to_search_text
from kb.models import Case
from kb.search.analysis import text_analyzer, word_analyzer

META_ID = "__meta__"  # the one non-case document: holds the outbox cursor, committed with the index
FIELD_BOOSTS = {"title": 4.0, "summary": 2.0, "tag_text": 2.0, "place": 1.5, "department": 1.0, "body": 1.0}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        cursor=NUMERIC(stored=True, bits=64),
        version=NUMERIC(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        summary=TEXT(analyzer=analyzer, stored=True),
        body=TEXT(analyzer=analyzer, stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        # Tags are searched as words ("land-records" -> land, records), like every other text field.
        tag_text=TEXT(analyzer=analyzer),
        department=TEXT(analyzer=analyzer, stored=True),
        place=TEXT(analyzer=analyzer),
        words=TEXT(analyzer=word_analyzer(), phrase=False),
        # Facet and sort columns: read per index generation into arrays (kb.search.facets).
        mmp=ID(stored=True, sortable=True),
        mmp_category=ID(stored=True, sortable=True),
        state=ID(stored=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True),
        language=ID(stored=True, sortable=True),
        stage=ID(stored=True, sortable=True),
        tag_list=ID(sortable=True),
        published=DATETIME(stored=True, sortable=True),
        title_key=ID(sortable=True),
        number=STORED(),
    )


def case_document(case: Case) -> dict:
    """The search document of a published case (its live revision)."""
    revision = case.published_revision
    body_text = markdown_to_search_text(revision.body)
    state_name = case.state.name if case.state else ""
    return {
        "id": case.public_id,
        "kind": "case",
        "number": case.number,
        "version": revision.number,
        "title": revision.title,
        "summary": revision.summary,
        "body": body_text,
        "tags": ",".join(case.tag_names),
        "tag_text": " ".join(tag.replace("-", " ") for tag in case.tag_names),
        "department": case.department,
        "place": " ".join(filter(None, [case.mmp.name, state_name, case.stage])),
        "words": " ".join([revision.title, revision.summary, body_text, " ".join(case.tag_names)]),
        "mmp": case.mmp.slug,
        "mmp_category": case.mmp.category,
        "state": case.state.code if case.state else "",
        "year": case.year_started,
        "language": case.language,
        "stage": case.stage,
        "tag_list": "\x1f".join(case.tag_names),
        "published": (case.first_published_at or revision.published_at or dt.datetime.now(dt.timezone.utc))
        .astimezone(dt.timezone.utc).replace(tzinfo=None),
        "title_key": revision.title.casefold(),
    }


def meta_document(cursor: int) -> dict:
    return {"id": META_ID, "kind": "meta", "cursor": cursor}
