"""kb.search.termindex: every segment's term arrays agree with what is published, through syncs,
merges, parallel rebuilds and segments written without them."""
from __future__ import annotations

import ast
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from kb import search
from kb.content import upsert_case
from kb.extensions import db
from kb.markdown import markdown_to_search_text
from kb.search import store as store_module
from kb.search.analysis import stems, text_analyzer
from kb.search.documents import INDEX_FORMAT, META_ID, meta_document
from kb.search.store import IndexStore
from kb.search.termindex import SIDECAR_SUFFIX, SegmentTerms, SegmentTermsBuilder, TermView, analyse_document
from kb.services import catalog
from tests.conftest import ROOT


def found(q, **kwargs):
    return [c.public_id for c in catalog.search_cases(q, **kwargs).items]


def segment_files(index_dir) -> tuple[set[str], set[str]]:
    """(segment ids named by the current table of contents, segment ids that have term arrays)."""
    store = IndexStore(index_dir)
    ix = store.open()
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            leaves = reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]
            listed = {leaf.segment().segment_id() for leaf, _ in leaves}
    finally:
        ix.close()
    sidecars = {p.name[: -len(SIDECAR_SUFFIX)] for p in store.current_path().glob(f"*{SIDECAR_SUFFIX}")}
    return listed, sidecars


def test_whoosh_parses_queries_with_the_one_analysis_the_index_uses():
    analyzer = text_analyzer()
    files = sorted((ROOT / "content" / "cases").glob("*.md"))
    assert len(files) >= 40
    for path in files[:8]:  # English and Hindi seed cases, with Markdown, numbers and punctuation
        text = markdown_to_search_text(path.read_text(encoding="utf-8"))
        assert [token.text for token in analyzer(text)] == stems(text), path.name
    # Dropped words keep their place (a phrase's positions), and come through marked when asked for.
    tokens = [(t.text, t.pos, t.stopped) for t in analyzer("the land of records", positions=True,
                                                          removestops=False)]
    assert tokens == [("the", 0, True), ("land", 1, False), ("of", 2, True), ("record", 3, False)]


def test_whoosh_keeps_no_postings_of_text_fields_the_term_arrays_are_the_only_ones(app, make_case):
    make_case(901, title="Unique zebra crossing practice")
    store = IndexStore(app.config["KB_INDEX_DIR"])
    ix = store.open()
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            assert [term for field, term in reader.all_terms() if field in ("title", "body", "summary")] == []
            assert reader.doc_frequency("id", "KB-0901") == 1  # the id field keeps its postings
    finally:
        ix.close()
    assert found("zebra") == ["KB-0901"]


def test_phrases_match_words_in_order_only():
    builder = SegmentTermsBuilder()
    for body in ("land records are kept at the taluk", "records of land are kept", "land and records"):
        builder.add(analyse_document({"body": body}))
    segment = builder.finish()
    view = TermView([(segment, 0)], 3, np.ones(3, dtype=bool))
    # "records of land" has both words, not in that order; stop words ("and") are not counted as
    # positions, in the index as in the query (as Whoosh's StopFilter renumbers them)
    docs, counts = view.phrase("body", stems("land records"))
    assert docs.tolist() == [0, 2] and counts.tolist() == [1, 1]
    docs, _ = view.phrase("body", stems("taluk land"))
    assert docs.tolist() == []
    docs, _ = view.phrase("body", stems("kept taluk"))
    assert docs.tolist() == [0]


def test_a_phrase_counts_each_occurrence_whatever_precedes_it():
    builder = SegmentTermsBuilder()
    for body in ("records land records land records", "records only", "land land land"):
        builder.add(analyse_document({"body": body}))
    view = TermView([(builder.finish(), 0)], 3, np.ones(3, dtype=bool))
    docs, counts = view.phrase("body", stems("land records"))
    assert docs.tolist() == [0] and counts.tolist() == [2]
    docs, counts = view.phrase("body", stems("records land records"))
    assert docs.tolist() == [0] and counts.tolist() == [2]


def test_syncs_add_small_segments_that_are_merged_with_their_arrays(app, make_document):
    for number in range(901, 901 + store_module.MERGE_AT + 3):
        upsert_case(make_document(number, title=f"Practice number {number} about zebra crossings"))
        db.session.commit()  # one sync, one small segment each
    listed, sidecars = segment_files(app.config["KB_INDEX_DIR"])
    assert len(listed) < store_module.MERGE_AT, "small segments were merged"
    assert listed <= sidecars, "every listed segment has its term arrays"
    assert sidecars <= listed, "arrays of merged segments were deleted with them"
    assert sorted(found('"zebra crossings"', per_page=50)) == [
        f"KB-0{n}" for n in range(901, 901 + store_module.MERGE_AT + 3)]
    # a replaced version is found by its new words only, after the merges too
    upsert_case(make_document(901, title="Renamed practice about pelican crossings"))
    db.session.commit()
    assert "KB-0901" not in found('"zebra crossings"', per_page=50)
    assert found("pelican") == ["KB-0901"]
    assert search.check().in_sync


def test_syncs_never_rewrite_a_segment_of_the_rebuild(app, make_document, monkeypatch):
    monkeypatch.setattr(store_module, "SMALL_SEGMENT_DOCS", 5)
    for number in range(901, 911):
        upsert_case(make_document(number))
    db.session.commit()
    search.rebuild()
    rebuilt, _ = segment_files(app.config["KB_INDEX_DIR"])
    for number in range(911, 911 + store_module.MERGE_AT + 2):
        upsert_case(make_document(number, title=f"Practice number {number} about zebra crossings"))
        db.session.commit()
    listed, sidecars = segment_files(app.config["KB_INDEX_DIR"])
    large = {s for s in rebuilt if s in listed}
    assert large, "the rebuild's 10-case segment is still there, untouched"
    assert len(listed) < store_module.MERGE_AT + 2 and listed == sidecars
    assert len(found("zebra", per_page=50)) == store_module.MERGE_AT + 2 and search.check().in_sync


def test_a_parallel_rebuild_finds_what_a_single_process_rebuild_finds(app, make_document, monkeypatch):
    titles = ["Land records at taluk kiosks", "Grievance redressal by phone", "Pension life certificates",
              "Ration card portability", "Land mutation online", "School attendance by SMS"]
    for number in range(901, 941):
        upsert_case(make_document(number, title=f"{titles[number % len(titles)]} ({number})"))
    db.session.commit()
    queries = ["land", "land records", '"life certificates"', "grievence", "ration OR pension", "mutat*"]
    factory = lambda: Session(db.engine)  # noqa: E731
    single = IndexStore(Path(app.config["INSTANCE_DIR"]) / "single")
    single.rebuild(factory)
    monkeypatch.setattr(store_module, "PARALLEL_FROM", 10)
    parallel = IndexStore(Path(app.config["INSTANCE_DIR"]) / "parallel")
    with parallel.writer_lock():
        parallel._rebuild_locked(factory, processes=2)
    assert single.indexed_versions() == parallel.indexed_versions()
    listed, sidecars = segment_files(parallel.root)
    assert len(listed) == 3 and listed == sidecars, "one segment per worker, and the meta document's"
    assert not [p for p in parallel.current_path().iterdir() if "tmp" in p.name], "no temporary files left"

    from kb.search.engine import SearchEngine

    engines = [SearchEngine(str(single.root)), SearchEngine(str(parallel.root))]
    for q in queries:
        results = [engine.search(q, {}, "relevance", 1, 50) for engine in engines]
        assert sorted(h.public_id for h in results[0].hits) == sorted(h.public_id for h in results[1].hits), q
        assert results[0].total == results[1].total > 0, q
        assert results[0].facets == results[1].facets, q
    for engine in engines:
        engine.close()


def test_a_process_with_other_threads_rebuilds_without_forking(app, make_document, monkeypatch):
    """A web worker runs threads; a process forked from it could inherit a lock another thread holds."""
    for number in range(901, 913):
        upsert_case(make_document(number, title=f"Land records at taluk kiosks ({number})"))
    db.session.commit()
    monkeypatch.setattr(store_module, "PARALLEL_FROM", 10)
    store = IndexStore(Path(app.config["INSTANCE_DIR"]) / "threaded", processes=2)
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="like-the-sync-thread")
    other.start()
    try:
        store.rebuild(lambda: Session(db.engine))
    finally:
        release.set()
        other.join()
    listed, sidecars = segment_files(store.root)
    assert len(listed) == 2 and listed == sidecars, "one segment of cases, and the meta document's"
    assert len(store.indexed_versions()) == 12
    store.rebuild(lambda: Session(db.engine))
    assert len(segment_files(store.root)[0]) == 3, "with no other thread, two workers and the meta segment"


def test_a_segment_written_without_term_arrays_gets_them_from_its_stored_fields(app, make_case):
    make_case(901, title="Unique zebra crossing practice")
    store = IndexStore(app.config["KB_INDEX_DIR"])
    ix = store.open()
    with ix.writer() as writer:  # plain Whoosh: a new segment, no arrays beside it
        writer.update_document(**{**meta_document(store.cursor()), "kind": "meta"})
    ix.close()
    app.extensions["kb_search"].close()
    assert found("zebra") == ["KB-0901"]
    listed, sidecars = segment_files(app.config["KB_INDEX_DIR"])
    assert listed <= sidecars


def test_term_arrays_are_opened_without_the_ast_module_so_threads_can_open_segments_at_once(
        app, make_case, monkeypatch):
    """numpy reads a .npy header with ast.literal_eval, which CPython 3.11 cannot run in two threads at
    once (python/cpython#106905: "AST constructor recursion depth mismatch"); a web worker's request
    thread and its sync thread both open segments."""
    make_case(901, title="Unique zebra crossing practice")
    sidecars = IndexStore(app.config["KB_INDEX_DIR"]).current_path().glob(f"*{SIDECAR_SUFFIX}")
    path = max(sidecars, key=lambda p: p.stat().st_size)  # the segment of the case, not the meta document
    expected = dict(np.load(path))

    def no_ast(*args, **kwargs):
        raise AssertionError("a term index was read through the ast module")

    monkeypatch.setattr(ast, "literal_eval", no_ast)
    terms = SegmentTerms.load(path)
    assert "zebra" in terms.words
    assert terms.words == expected["words"].tobytes().decode().split("\n")
    for name, field in terms.fields.items():
        assert np.array_equal(field.docs, expected[f"{name}.docs"])
        assert field.docs.dtype == expected[f"{name}.docs"].dtype
        assert np.array_equal(field.positions, expected[f"{name}.positions"])
        assert np.array_equal(field.lengths, expected[f"{name}.lengths"])


def test_a_term_index_with_a_header_it_cannot_map_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "MAIN_x.kbterms"
    with path.open("wb") as handle:  # an array of Python objects has no fixed layout to map
        np.savez(handle, meta=np.array([1, 2], dtype=np.int64), words=np.array(["a"], dtype=object))
    with pytest.raises(ValueError, match="MAIN_x.kbterms: words"):
        SegmentTerms.load(path)


def test_an_index_of_an_older_format_is_rebuilt_at_start_up(app, make_case):
    make_case(901, title="Unique zebra crossing practice")
    store = IndexStore(app.config["KB_INDEX_DIR"])
    ix = store.open()
    with ix.writer() as writer:
        writer.update_document(**{**meta_document(store.cursor()), "version": INDEX_FORMAT - 1})
    ix.close()
    assert not store.is_healthy()
    old = store.current_path()
    assert search.ensure_index() is True
    assert store.current_path() != old and store.is_healthy()
    with store.open().searcher() as searcher:
        assert searcher.document(id=META_ID)["version"] == INDEX_FORMAT


@pytest.mark.parametrize("typed, suggested", [("grievence", "grievance"), ("telemedecine", "telemedicine"),
                                              ("redresal", "redressal")])
def test_spelling_suggestions_come_from_the_vocabulary_of_published_cases(make_case, typed, suggested):
    make_case(901, title="Grievance redressal through telemedicine and e-procurement")
    page = catalog.search_cases(typed)
    assert page.suggestion == suggested and [c.public_id for c in page.items] == ["KB-0901"]


def test_highlights_mark_exactly_the_words_whose_terms_were_searched():
    from kb.search.analysis import WORD_RE, stem_of_token
    from kb.search.snippets import _marks

    for path in sorted((ROOT / "content" / "cases").glob("*.md"))[::3]:  # English and Hindi
        text = markdown_to_search_text(path.read_text(encoding="utf-8"))
        every = stems(text)
        for terms in (frozenset(every[::7]), frozenset(every[3::11]), frozenset(stems("happy cities sensibility"))):
            expected = [(m.start(), m.end()) for m in WORD_RE.finditer(text) if stem_of_token(m.group()) in terms]
            assert [(start, end) for start, end, _ in _marks(text, terms)] == expected, path.name
    assert [text for text in ("Happy cities", "sensibility")
            if not _marks(text, frozenset(stems("happiness city sensible")))] == []


def test_words_of_a_withdrawn_case_are_never_suggested_or_expanded(app, make_case):
    from tests.search.test_index import withdraw

    make_case(901, title="Grievance redressal at taluk offices")
    secret = make_case(902, title="Quokkaville pilot for grievance kiosks")
    assert found("quokkavile") == ["KB-0902"]  # the suggestion is searched while the case is public
    withdraw(db.session, secret)
    db.session.commit()
    page = catalog.search_cases("quokkavile")
    assert page.suggestion is None and page.items == [] and page.corrected_from is None
    assert found("quokka*") == [] and "Quokka" not in str(catalog.search_cases("grievance").highlights)
