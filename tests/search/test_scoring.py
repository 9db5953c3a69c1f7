"""kb.search.scoring: the numpy BM25F ranks and scores as Whoosh's own BM25F scorer does.

kb scores over its own term arrays (kb.search.termindex), not through Whoosh's matchers, and its index
does not keep Whoosh's field lengths, so the reference is a plain Whoosh index of the same sample
documents, analysed by the same analyzer, searched with Whoosh's ``BM25F`` at kb's B and K1.
"""
from __future__ import annotations

import numpy as np
import pytest
from whoosh import fields
from whoosh import query as wq
from whoosh import scoring as whoosh_scoring
from whoosh.filedb.filestore import RamStorage

from kb.markdown import markdown_to_search_text
from kb.search import scoring
from kb.search.analysis import stems, text_analyzer
from kb.search.termindex import SegmentTermsBuilder, TermView, analyse_document
from tests.conftest import ROOT


def sample_documents(count: int = 40) -> list[dict[str, str]]:
    """Short title/body pairs cut from the seed cases (English and Hindi), each field at most ten
    words after analysis: Whoosh keeps a field's length in one byte, exact only up to ten (kb keeps
    lengths exact), so longer fields would differ by Whoosh's rounding, not by the scorer."""
    documents = []
    for path in sorted((ROOT / "content" / "cases").glob("*.md"))[:count]:
        words = markdown_to_search_text(path.read_text(encoding="utf-8")).split()
        start = len(documents) * 7 % max(1, len(words) - 40)
        documents.append({"title": _at_most_ten_terms(words[start:start + 6]),
                          "body": _at_most_ten_terms(words[start + 6:start + 8 + len(documents) % 20])})
    return documents


def _at_most_ten_terms(words: list[str]) -> str:
    while len(stems(" ".join(words))) > 10:
        words = words[:-1]
    return " ".join(words)


@pytest.fixture(scope="module")
def indexes():
    documents = sample_documents()
    builder = SegmentTermsBuilder()
    for document in documents:
        builder.add(analyse_document(document))
    view = TermView([(builder.finish(), 0)], len(documents), np.ones(len(documents), dtype=bool))

    schema = fields.Schema(title=fields.TEXT(analyzer=text_analyzer()), body=fields.TEXT(analyzer=text_analyzer()))
    whoosh_index = RamStorage().create_index(schema)
    with whoosh_index.writer() as writer:
        for document in documents:
            writer.add_document(**document)
    searcher = whoosh_index.searcher(weighting=whoosh_scoring.BM25F(B=scoring.B, K1=scoring.K1))
    yield documents, view, searcher
    searcher.close()


def sample_terms(documents) -> list[tuple[str, str]]:
    """Every distinct (field, term) of the sample: common and rare, English and Hindi."""
    return sorted({(field, term) for document in documents for field in ("title", "body")
                   for term in stems(document[field])})


def whoosh_scores(searcher, field: str, term: str) -> dict[int, float]:
    matcher = wq.Term(field, term).matcher(searcher)
    scores = {}
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    return scores


def test_every_term_of_the_sample_scores_as_whoosh_bm25f_scores_it(indexes):
    documents, view, searcher = indexes
    terms = sample_terms(documents)
    assert len(terms) > 200 and any("\u0900" <= term[1][0] <= "\u097f" for term in terms)
    for field, term in terms:
        expected = whoosh_scores(searcher, field, term)
        mask, scores = scoring.evaluate(wq.Term(field, term), view)
        assert set(np.flatnonzero(mask).tolist()) == set(expected), (field, term)
        for doc, whoosh_score in expected.items():
            assert scores[doc] == pytest.approx(whoosh_score, rel=1e-6), (field, term, doc)


def test_an_and_of_words_scores_the_sum_of_its_words_as_whoosh_does(indexes):
    documents, view, searcher = indexes
    words = stems(documents[3]["body"])[:2]
    query = wq.And([wq.Or([wq.Term("title", w, boost=2.0), wq.Term("body", w)]) for w in words])
    expected = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
    mask, scores = scoring.evaluate(query, view)
    assert expected and set(np.flatnonzero(mask).tolist()) == set(expected)
    for doc, whoosh_score in expected.items():
        assert scores[doc] == pytest.approx(whoosh_score, rel=1e-6), doc
