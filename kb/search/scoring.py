"""Matching and BM25F scoring of a parsed query over a generation's term arrays, in numpy.

The query tree is Whoosh's (kb.search.query parses with Whoosh's parser); this evaluates it over the
arrays of kb.search.termindex instead of Whoosh's matchers: every node gives a boolean mask of the
documents it matches and a score per document, both dense over the generation's document numbers.
Scores follow Whoosh's BM25F (B 0.75, K1 1.2, idf log(N / (df + 1)) + 1) with the field boosts of the
parser, and sum over the words of an AND or OR as Whoosh's matchers do; a phrase scores as one term
whose frequency is its number of occurrences and whose idf is the sum of its words'.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq

from kb.search.termindex import TEXT_FIELDS, TermView

B = 0.75
K1 = 1.2


class Unsupported(Exception):
    """A query node this evaluator does not know (the caller may fall back to Whoosh)."""


def evaluate(query: wq.Query, view: TermView) -> tuple[np.ndarray, np.ndarray]:
    """(mask of matching live documents, score per document) of a parsed query."""
    mask, scores = _node(query, view)
    return mask & view.live, scores


def _empty(view: TermView):
    return np.zeros(view.size, dtype=bool), np.zeros(view.size, dtype=np.float64)


def idf(view: TermView, df: int) -> float:
    return math.log(view.live_count / (df + 1)) + 1.0


def bm25(view: TermView, field: str, docs: np.ndarray, tfs: np.ndarray, term_idf: float, boost: float):
    lengths = view.lengths(field)[docs]
    average = view.average_length(field)
    tf = tfs.astype(np.float64)
    return boost * term_idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / average))


def _node(query: wq.Query, view: TermView):
    boost = float(getattr(query, "boost", 1.0) or 1.0)
    if isinstance(query, wq.Term):
        mask, scores = _empty(view)
        text = query.text.decode("utf-8") if isinstance(query.text, bytes) else query.text
        if query.fieldname not in TEXT_FIELDS:
            raise Unsupported(f"field {query.fieldname}")
        docs, tfs = view.postings(query.fieldname, text)
        if len(docs):
            mask[docs] = True
            scores[docs] = bm25(view, query.fieldname, docs, tfs, idf(view, len(docs)), boost)
        return mask, scores
    if isinstance(query, wq.Phrase):
        mask, scores = _empty(view)
        if query.fieldname not in TEXT_FIELDS:
            raise Unsupported(f"field {query.fieldname}")
        words = [w.decode("utf-8") if isinstance(w, bytes) else w for w in query.words]
        if not words:
            return mask, scores
        docs, counts = view.phrase(query.fieldname, words, max(int(query.slop), 1))
        if len(docs):
            phrase_idf = sum(idf(view, len(view.postings(query.fieldname, w)[0])) for w in set(words))
            mask[docs] = True
            scores[docs] = bm25(view, query.fieldname, docs, counts, phrase_idf, boost)
        return mask, scores
    if isinstance(query, type(wq.NullQuery)):
        return _empty(view)
    if isinstance(query, wq.Not):
        mask, _ = _node(query.query, view)
        return view.live & ~mask, np.zeros(view.size, dtype=np.float64)
    if isinstance(query, wq.AndNot):
        mask, scores = _node(query.a, view)
        excluded, _ = _node(query.b, view)
        return mask & ~excluded, scores * boost
    if isinstance(query, wq.AndMaybe):
        mask, scores = _node(query.a, view)
        _, optional = _node(query.b, view)
        return mask, (scores + optional * mask) * boost
    if isinstance(query, wq.Require):
        mask, scores = _node(query.a, view)
        required, _ = _node(query.b, view)
        return mask & required, scores * boost
    if isinstance(query, wq.And):
        mask = view.live.copy()
        scores = np.zeros(view.size, dtype=np.float64)
        for child in query.subqueries:
            child_mask, child_scores = _node(child, view)
            mask &= child_mask
            scores += child_scores
        return mask, scores * mask * boost
    if isinstance(query, wq.DisjunctionMax):
        mask, scores = _empty(view)
        for child in query.subqueries:
            child_mask, child_scores = _node(child, view)
            mask |= child_mask
            np.maximum(scores, child_scores, out=scores)
        return mask, scores * boost
    if isinstance(query, wq.Or):
        mask, scores = _empty(view)
        for child in query.subqueries:
            child_mask, child_scores = _node(child, view)
            mask |= child_mask
            scores += child_scores
        return mask, scores * boost
    raise Unsupported(type(query).__name__)


def top_documents(scores: np.ndarray, allowed: np.ndarray, stop: int) -> np.ndarray:
    """The ``stop`` best allowed documents: highest score first, ties by document number."""
    candidates = np.flatnonzero(allowed)
    if len(candidates) > stop * 4 and stop > 0:
        # Keep only what can reach the top: everything scoring at least the stop-th best score.
        threshold = np.partition(scores[candidates], len(candidates) - stop)[len(candidates) - stop]
        candidates = candidates[scores[candidates] >= threshold]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:stop]]
