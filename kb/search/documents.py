"""The index schema, and how a published case becomes one search document.

Each case is analysed once (kb.search.termindex.analyse_document). The analysis travels with the
document under ``_kb_terms`` (Whoosh ignores keys that start with an underscore) into the segment's
term arrays (kb.search.store.TermRecordingWriter), the only postings of the text fields; Whoosh itself
gets each text field's original text to store, and an empty value to index. The text fields keep their
analyzer in the schema for Whoosh's query parser.
"""
from __future__ import annotations

import datetime as dt

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.markdown import markdown_to_search_text
from kb.models import Case
from kb.search.analysis import text_analyzer
from kb.search.embeddings import passage_text, vector_key
from kb.search.termindex import TEXT_FIELDS, analyse_document

META_ID = "__meta__"  # the one non-case document: holds the outbox cursor, committed with the index
# Bumped when what the index holds changes shape: an index of another format is rebuilt at start-up.
INDEX_FORMAT = 7
# "translation": the title and summary in the case's other language (a line each), so a Hindi search
# finds an English case by its Hindi title and the reverse.
FIELD_BOOSTS = {"title": 4.0, "summary": 2.0, "translation": 3.0, "tag_text": 2.0, "place": 1.5, "department": 1.0,
                "body": 1.0}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)
assert set(SEARCH_FIELDS) == set(TEXT_FIELDS)


def _text(analyzer, stored: bool) -> TEXT:
    return TEXT(analyzer=analyzer, stored=stored, phrase=False)


def build_schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        cursor=NUMERIC(stored=True, bits=64),
        version=NUMERIC(stored=True),
        title=_text(analyzer, stored=True),
        summary=_text(analyzer, stored=True),
        translation=_text(analyzer, stored=True),
        body=_text(analyzer, stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        # Tags are searched as words ("land-records" -> land, records), like every other text field.
        tag_text=_text(analyzer, stored=False),
        department=_text(analyzer, stored=True),
        place=_text(analyzer, stored=True),
        # Facet and sort columns: read per index generation into arrays (kb.search.facets).
        mmp=ID(stored=True, sortable=True),
        mmp_category=ID(stored=True, sortable=True),
        state=ID(stored=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True),
        language=ID(stored=True, sortable=True),
        stage=ID(stored=True, sortable=True),
        # The case's overall evidence level (kb.services.evidence): a facet, and the "strongest evidence" sort.
        evidence=ID(stored=True, sortable=True),
        tag_list=ID(sortable=True),
        # The names of the awards of the live version (kb.models.Recognition): a facet.
        award_list=ID(sortable=True),
        published=DATETIME(stored=True, sortable=True),
        title_key=ID(sortable=True),
        number=STORED(),
        # The key of the case's vector for dense search (kb.search.embeddings), read per generation.
        vector_key=ID(stored=True, sortable=True),
    )


def case_document(case: Case) -> dict:
    """The search document of a published case (its live revision)."""
    revision = case.published_revision
    body_text = markdown_to_search_text(revision.body)
    state_name = case.state.name if case.state else ""
    texts = {
        "title": revision.title,
        "summary": revision.summary,
        "translation": "\n".join(filter(None, [revision.translated_title, revision.translated_summary])),
        "body": body_text,
        "tag_text": " ".join(tag.replace("-", " ") for tag in case.tag_names),
        "department": case.department or "",
        "place": " ".join(filter(None, [case.mmp.name, state_name, case.stage])),
    }
    analysis = analyse_document(texts)
    document = {
        "id": case.public_id,
        "kind": "case",
        "number": case.number,
        "version": revision.number,
        "tags": ",".join(case.tag_names),
        "mmp": case.mmp.slug,
        "mmp_category": case.mmp.category,
        "state": case.state.code if case.state else "",
        "year": case.year_started,
        "language": case.language,
        "stage": case.stage,
        "evidence": case.evidence_level or "",
        "tag_list": "\x1f".join(case.tag_names),
        "award_list": "\x1f".join(sorted({r.name for r in revision.recognitions})),
        "published": (case.first_published_at or revision.published_at or dt.datetime.now(dt.timezone.utc))
        .astimezone(dt.timezone.utc).replace(tzinfo=None),
        "title_key": revision.title.casefold(),
        "_kb_terms": analysis,
        "vector_key": vector_key(passage_text(texts["title"], texts["summary"], texts["translation"],
                                              texts["tag_text"])),
    }
    for field in TEXT_FIELDS:
        document[field] = []  # its postings are the term arrays' (TermRecordingWriter)
        document[f"_stored_{field}"] = texts[field]
    return document


def document_passage(stored: dict) -> str:
    """The text a stored case document is embedded from (its ``vector_key`` is this text's key)."""
    tags = " ".join(tag.replace("-", " ") for tag in (stored.get("tags") or "").split(",") if tag)
    return passage_text(stored.get("title") or "", stored.get("summary") or "", stored.get("translation") or "", tags)


def document_texts(stored: dict) -> dict[str, str] | None:
    """The text fields of a stored case document (None for the meta document)."""
    if stored.get("kind") != "case":
        return None
    texts = {field: stored.get(field) or "" for field in TEXT_FIELDS}
    texts["tag_text"] = " ".join(tag.replace("-", " ") for tag in (stored.get("tags") or "").split(",") if tag)
    return texts


def meta_document(cursor: int) -> dict:
    return {"id": META_ID, "kind": "meta", "cursor": cursor, "version": INDEX_FORMAT}
