"""Dense (semantic) search next to the keyword index: the real embedding model, its vectors kept in the
database, fused rankings, and search that stays by keywords when the model is off or cannot load."""
from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from kb import search
from kb.content import import_content, load_taxonomy
from kb.extensions import db
from kb.models import SearchVector
from kb.services import catalog
from tests.conftest import CONTENT


def ids(page):
    return [case.public_id for case in page.items]


def vector_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchVector))


# ---- off, or unloadable: keywords only -----------------------------------------------------------

def test_dense_search_off_by_configuration_searches_by_keywords_and_stores_no_vectors(app, make_case):
    make_case(901, title="Kiosks for land records")
    assert search.dense_status() == "off"
    assert ids(catalog.search_cases("land records")) == ["KB-0901"]
    assert vector_rows() == 0 and search.embed_pending() == 0
    assert search.check().missing_vectors == 0


def test_a_model_that_cannot_load_leaves_search_by_keywords_and_says_so_in_the_log(app_config, tmp_path, caplog):
    from kb import create_app

    app_config.update(KB_SEARCH_DENSE="on", KB_SEARCH_MODEL_PATH=str(tmp_path / "no-such-model.bin"))
    with caplog.at_level(logging.WARNING, logger="kb.search.embeddings"):
        app = create_app(app_config)
    assert any("dense search unavailable" in r.getMessage() and "no-such-model.bin" in r.getMessage()
               for r in caplog.records)
    with app.app_context():
        load_taxonomy(CONTENT / "taxonomy")
        db.session.commit()
        with search.sync_suspended():
            assert import_content(CONTENT).ok
        search.sync()
        assert search.dense_status() == "off"
        assert ids(catalog.search_cases("land records"))[:3] == ["KB-0001", "KB-0002", "KB-0003"]
        db.session.remove()
        db.engine.dispose()


# ---- on: the real model ------------------------------------------------------------------------

def test_a_question_in_other_words_finds_the_case_that_answers_it(dense_library):
    page = catalog.search_cases("retired people should not have to visit their bank each year to show they are alive")
    assert ids(page)[0] == "KB-0014" and not page.weak_matches


def test_vectors_are_computed_once_per_text_kept_in_the_database_and_reused_by_a_rebuild(dense_library):
    assert vector_rows() == 45 and search.check().missing_vectors == 0
    search.rebuild()
    assert search.embed_pending() == 0, "a rebuild finds every vector again by its text's key"
    assert vector_rows() == 45 and search.check().in_sync and search.check().missing_vectors == 0


def test_check_reports_cases_without_vectors_until_they_are_embedded(dense_library, runner):
    db.session.execute(delete(SearchVector).where(SearchVector.key.in_(
        select(SearchVector.key).limit(3).scalar_subquery())))
    db.session.commit()
    assert search.check().missing_vectors == 3
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 1 and "cases without a dense vector: 3" in result.output
    assert runner.invoke(args=["index", "embed"]).exit_code == 0
    assert search.check().missing_vectors == 0 and vector_rows() == 45


def test_a_newly_published_case_is_embedded_after_its_commit(dense_library, make_case):
    make_case(901, title="Dairy cooperatives pay milk producers by mobile phone",
              summary="Farmers who sell milk to village cooperatives are paid straight into their accounts.")
    assert vector_rows() == 46 and search.check().missing_vectors == 0
    assert "KB-0901" in ids(catalog.search_cases("how are milk farmers paid"))[:3]


def test_each_web_worker_thread_indexes_a_change_then_embeds_it(dense_config, app, make_case):
    """What a worker's sync thread does on waking: keywords first, then the vectors (no request waits)."""
    from kb.search import BackgroundSyncer

    make_case(901, title="Kiosks for land records")
    app.config["KB_INDEX_SYNC"] = "manual"
    make_case(902, title="Dairy cooperatives pay milk producers by mobile phone",
              summary="Farmers who sell milk to village cooperatives are paid straight into their accounts.")
    assert "KB-0902" not in ids(catalog.search_cases("dairy")) and vector_rows() == 1
    BackgroundSyncer(app).step()
    assert ids(catalog.search_cases("dairy")) == ["KB-0902"]
    assert vector_rows() == 2 and search.check().missing_vectors == 0
    assert ids(catalog.search_cases("how are milk farmers paid"))[0] == "KB-0902"


def test_a_vector_another_worker_stored_is_used_not_computed_again(dense_config, app, make_case):
    """Every web worker's sync thread looks for missing vectors after each change; the one that stored a
    vector first has done the work for all (issue 13: each approval was embedded by each worker)."""
    from kb import create_app

    make_case(901, title="Kiosks for land records")
    app.config["KB_INDEX_SYNC"] = "manual"
    make_case(902, title="Dairy cooperatives pay milk producers by mobile phone",
              summary="Farmers who sell milk to village cooperatives are paid straight into their accounts.")
    search.sync()  # this worker has the keywords of KB-0902, and has looked for its vector: none yet
    assert ids(catalog.search_cases("how are milk farmers paid")) and vector_rows() == 1
    other = create_app({**dense_config, "KB_INDEX_SYNC": "manual"})  # another worker of the same site
    with other.app_context():
        assert search.embed_pending() == 1
        db.session.remove()
        db.engine.dispose()
    assert vector_rows() == 2
    assert search.embed_pending() == 0, "the vector the other worker stored is read, not computed again"
    assert ids(catalog.search_cases("how are milk farmers paid"))[0] == "KB-0902"


def test_precise_searches_are_answered_by_keywords_alone(dense_library, app):
    engine = app.extensions["kb_search"]

    def both(q):
        hybrid = ids(catalog.search_cases(q, per_page=50))
        dense, engine.dense = engine.dense, None  # what KB_SEARCH_DENSE=off does
        try:
            return hybrid, ids(catalog.search_cases(q, per_page=50))
        finally:
            engine.dense = dense

    for q in ('"record of rights"', '"digital life certificate"', "KB-0014", "land -mutation", "pension*"):
        hybrid, lexical = both(q)
        assert hybrid == lexical, q
    title = "Punjab Sewa Kendras: integrated citizen service centres under the Right to Service Act"
    assert ids(catalog.search_cases(title))[0] == "KB-0045"


def test_a_misspelling_with_a_good_correction_is_not_read_by_meaning_as_typed(dense_library, app):
    queries = app.extensions["kb_search"].dense.embedder._queries
    page = catalog.search_cases("grievence redresal")
    assert page.corrected_from == "grievence redresal" and ids(page)[0] in ("KB-0008", "KB-0037")
    assert "grievence redresal" not in queries and "grievance redressal" in queries


def test_a_romanised_search_is_read_by_meaning_in_devanagari(dense_library, app):
    queries = app.extensions["kb_search"].dense.embedder._queries
    assert ids(catalog.search_cases("davaiyon ki kharid aur bhandar"))[0] == "KB-0021"
    assert "davaiyon ki kharid aur bhandar" not in queries
    assert any(text.startswith("दवा") for text in queries)


def test_facets_filters_sorting_and_paging_apply_to_hybrid_results(dense_library):
    q = "how can a patient in a village see a doctor"
    everything = catalog.search_cases(q, per_page=50)
    assert everything.total == len(everything.items) and "KB-0022" in ids(everything)[:3]
    counted = {entry["value"]: entry["count"] for entry in everything.facets["mmp_category"]}
    assert sum(counted.values()) == everything.total
    kept = catalog.search_cases(q, catalog.CaseFilters(state=["KA"]), per_page=50)
    assert kept.total <= everything.total and all(case.state and case.state.code == "KA" for case in kept.items)
    first, second = catalog.search_cases(q, per_page=2), catalog.search_cases(q, page=2, per_page=2)
    assert ids(first) + ids(second) == ids(everything)[:4]
    newest = catalog.search_cases(q, sort="newest", per_page=50)
    assert sorted(ids(newest)) == sorted(ids(everything))


def test_nothing_matches_well_shows_at_most_three_labelled_nearest_cases(dense_library, client):
    page = catalog.search_cases("cryptocurrency exchange regulation")
    assert page.weak_matches and page.total <= 3
    assert catalog.search_cases("land records").weak_matches is False
    html = client.get("/cases?q=cryptocurrency+exchange+regulation").get_data(as_text=True)
    assert "Nothing in the library matches your search well." in html
    html = client.get("/hi/cases?q=cryptocurrency+exchange+regulation").get_data(as_text=True)
    assert "भंडार में आपकी खोज से ठीक-ठीक मेल खाता कोई मामला नहीं है।" in html
    data = client.get("/api/v1/cases?q=cryptocurrency+exchange+regulation").get_json()
    assert data["weak_matches"] is True and data["total"] <= 3


def test_similar_practices_use_the_embeddings_across_languages(dense_library, app):
    # e-Mitra (Hindi) and Akshaya (English) are both kiosk networks run by entrepreneurs; their bodies
    # share no words, so only the embeddings bring one to the other.
    engine = app.extensions["kb_search"]
    assert "KB-0006" in search.similar("KB-0042", 5)
    dense, engine.dense = engine.dense, None
    try:
        engine._similar.clear()
        assert "KB-0006" not in search.similar("KB-0042", 5)
    finally:
        engine.dense = dense


def test_the_model_gives_the_same_vectors_from_several_threads_at_once(dense_config, app):
    """No lock is held around the C model (a search's query need not wait for the sync thread's
    passages): embedding from four threads at once must give exactly what one thread gives."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    embedder = app.extensions["kb_search"].dense.embedder
    texts = [f"how did district {n} cut the time to issue a caste certificate" for n in range(12)]
    passages = [f"Practice {n}\nCitizens apply for certificates at village kiosks." for n in range(12)]
    with ThreadPoolExecutor(4) as pool:
        queries = list(pool.map(embedder.query, texts))
        documents = list(pool.map(embedder.passage, passages))
    for text, vector in zip(texts, queries):
        assert np.array_equal(vector, np.asarray(embedder._model.query(text), dtype=np.float32))
    for text, vector in zip(passages, documents):
        assert np.array_equal(vector, np.asarray(embedder._model.passage(text), dtype=np.float32))
