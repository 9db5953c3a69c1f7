"""Searching: one long-lived searcher per process, reused across requests and reopened only when the
index has a new generation (a directory listing tells; Whoosh's refresh() is unsafe, see searcher()).

``SearchEngine.search`` does what the search page and the API need in one pass: parse (Whoosh's
parser), match and score (numpy over the segments' term arrays, kb.search.scoring), filter, count
facets, rank one page, highlight it (kb.search.snippets), and suggest a correction when few results
came back. Per generation, the facet columns (kb.search.facets) and the term view are built once;
a segment's term arrays are loaded once per process and kept while the segment lives.

Hybrid: a search of plain words is also ranked by meaning (kb.search.dense) and the two rankings are
fused by reciprocal rank (``_fuse``); precise searches (phrases, exclusions, prefixes, operators, case
ids, one word the library has) are answered by keywords alone. When no case has all the words,
``_close_enough`` decides whether anything is a real answer; if not, only the NEAREST cases are kept and
the results say so (``weak_matches``). The constants below were measured on tests/relevance.
"""
from __future__ import annotations

import collections
import dataclasses
import html
import logging
import math
import re
import threading

import numpy as np

from kb.search import query as query_module
from kb.search import scoring, snippets
from kb.search.analysis import STOP_LIST, analysed_tokens, stems
from kb.search.dense import DenseIndex, embed_missing
from kb.search.documents import document_passage
from kb.search.documents import META_ID
from kb.search.facets import FACETS, FacetArrays
from kb.search.glossary import ShownWord, describe
from kb.search.store import IndexStore, load_segment_terms
from kb.search.termindex import TermView

log = logging.getLogger(__name__)
SUGGEST_BELOW = 3  # compute "did you mean" only when a search found fewer hits than this
SIMILAR_TERMS = 25  # key terms of a case's body that "similar practices" searches for
SIMILAR_POOL = 20  # with dense search: the best of each side that "similar practices" fuses
# The meaning side weighs more here than in a search: two cases' bodies share words only when written in
# the same language, so the keyword side alone never suggests a practice written up in the other one.
SIMILAR_DENSE_WEIGHT = 2.0
# Hybrid ranking (measured on tests/relevance; benchmarks/README.md has the figures).
RRF_K = 10  # reciprocal rank fusion: 1 / (RRF_K + rank) from each side
LEXICAL_WEIGHT = 1.0
WEAK_LEXICAL = 0.5  # the keyword side's weight when only some of the words matched (any-word fallback)
DENSE_WEIGHT = 0.7
DENSE_FLOOR = 0.80  # cosine similarity below which a case is never brought in by meaning alone
DENSE_MARGIN = 0.03  # ... nor when it is this much less similar than the closest case
DENSE_CANDIDATES = 10
FUSION_POOL = 200  # the best of each side that reciprocal rank fusion ranks
# A single word found by keywords is answered by keywords alone: the meaning side did not change its
# ranking on the judged queries, and skipping it saves the query's embedding (~10-30 ms).
DENSE_MIN_WORDS = 2
DENSE_CONFIDENT = 0.86  # a case this similar is a real answer even if few words matched
DENSE_STANDOUT = 2.5  # ... or one this many standard deviations more similar than the library's mean
DENSE_STANDOUT_FROM = 20  # (measured only in a library of at least this many cases)
COVERAGE_ENOUGH = 0.65  # ... as is a case having this share of the words typed (weighted by idf)
COVERAGE_WORDS = 12  # (of the first this many words)
COVERAGE_WITH_MEANING = 0.4  # the share of the words a case standing out by meaning must also have
EXACT_TITLE_CHECK = 3  # the keyword side's best cases whose titles are compared with what was typed
NEAREST = 3  # nothing matched well: show at most this many nearest cases, labelled as such
SORTS = ("relevance", "newest", "title", "evidence", "views")


@dataclasses.dataclass
class Hit:
    public_id: str
    score: float | None
    title_html: str
    highlight_html: str
    translated_title_html: str = ""  # the title in the case's other language, if it has one


@dataclasses.dataclass
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestion: str | None
    notices: list  # lazy strings (kb.search.query): rendered in the language where they are shown
    query_text: str
    matched_any_word: bool = False  # the all-words search found nothing; these match any word
    corrected_from: str | None = None  # nothing matched what was typed; these are for the suggestion
    # Words of the query also searched in the other language: (word, its counterparts), as the glossary
    # writes them.
    also_searched: list[tuple[ShownWord, list[ShownWord]]] = dataclasses.field(default_factory=list)
    # Acronyms and synonyms also searched: (entry as typed, the other entries of its line).
    synonyms_used: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    # Nothing matched well: these are only the few nearest cases, labelled so on the page.
    weak_matches: bool = False


class SearchEngine:
    def __init__(self, index_dir: str, processes: int | None = None, dense: DenseIndex | None = None):
        self.store = IndexStore(index_dir, processes)
        self.dense = dense  # None: keywords only (KB_SEARCH_DENSE=off, or the model did not load)
        self._last_similarities = None  # ((generation, query text), similarities): one per search
        self._lock = threading.RLock()
        self._path = None
        self._ix = None
        self._searcher = None
        self._cursor: tuple[object, int] | None = None  # (the searcher it was read through, cursor)
        self._arrays: tuple[tuple, FacetArrays] | None = None
        self._view: tuple[tuple, TermView] | None = None
        self._segments: dict[tuple, object] = {}  # (generation path, segment id) -> SegmentTerms
        # Similar practices change only when the index does: (index key, public id, limit) -> ids.
        self._similar: dict[tuple, list[str]] = {}
        self._popularity: tuple[tuple, np.ndarray] | None = None  # ((index key, counts version), views)

    # -- the shared searcher -------------------------------------------------------------------------

    def searcher(self):
        """The process's searcher, reopened only when the index changed or a rebuild swapped it."""
        with self._lock:
            path = self.store.current_path()
            if path != self._path or self._searcher is None:
                self.close()
                self._ix = self.store.open()
                self._searcher = self._ix.searcher()
                self._path = path
            elif self._ix.latest_generation() != self._searcher.reader().generation():
                # Not Searcher.refresh(): it reuses segment readers and keeps their old deletion lists,
                # so a replaced or withdrawn case would still be found (tests/search/test_index.py).
                self._searcher.close()
                self._searcher = self._ix.searcher()
                self._arrays = None
                self._view = None
            return self._searcher

    def cursor(self) -> int:
        """The index's outbox cursor, read through this process's long-lived searcher.

        Opening the index to read one document costs ~0.1 s at 20,000 cases; checking that the open
        searcher is current is a directory listing. The background syncer asks this every second in
        every worker.
        """
        with self._lock:
            searcher = self.searcher()
            if self._cursor is not None and self._cursor[0] is searcher:  # read once per searcher
                return self._cursor[1]
            meta = searcher.document(id=META_ID)
            cursor = int(meta["cursor"]) if meta else 0
            self._cursor = (searcher, cursor)
            return cursor

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            if self._ix is not None:
                self._ix.close()
            self._searcher = self._ix = self._path = None
            self._arrays = None
            self._view = None
            self._segments = {}

    def _key(self, searcher) -> tuple:
        return (self._path, searcher.reader().generation(), searcher.doc_count_all())

    def arrays(self, searcher) -> FacetArrays:
        key = self._key(searcher)
        if self._arrays is None or self._arrays[0] != key:
            meta = searcher.document_number(id=META_ID)
            self._arrays = (key, FacetArrays.build(searcher.reader(), meta))
        return self._arrays[1]

    def view(self, searcher, arrays: FacetArrays) -> TermView:
        """The generation's term arrays: each segment's loaded once, kept while the segment lives."""
        key = self._key(searcher)
        if self._view is None or self._view[0] != key:
            reader = searcher.reader()
            leaves = reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]
            loaded = {}
            for leaf, offset in leaves:
                segment = leaf.segment()
                segment_key = (self._path, segment.segment_id())
                terms = self._segments.get(segment_key)
                if terms is None:
                    terms = load_segment_terms(self._path, segment, leaf)
                loaded[segment_key] = terms
            self._segments = loaded  # segments merged away are let go
            segments = [(loaded[(self._path, leaf.segment().segment_id())], offset) for leaf, offset in leaves]
            self._view = (key, TermView(segments, arrays.size, arrays.live))
        return self._view[1]

    # -- searching -----------------------------------------------------------------------------------

    def search(self, q: str | None, filters: dict[str, list], sort: str, page: int, per_page: int,
               _correcting: bool = False, ids_only: bool = False,
               exclude: frozenset[str] = frozenset(), views=None) -> SearchResults:
        with self._lock:
            searcher = self.searcher()
            arrays = self.arrays(searcher)
            view = self.view(searcher, arrays)
            parsed = query_module.parse(q, searcher.schema, view)
            notices = list(parsed.notices)
            matched_any = False
            scores = None
            weak = False
            if parsed.query is None:
                matched = arrays.live
            else:
                matched, scores = self._match(searcher, parsed.query, view)
                any_words = query_module.any_words_query(parsed, searcher.schema, view) if not matched.any() else None
                if any_words is not None:
                    any_matched, any_scores = self._match(searcher, any_words, view)
                    if any_matched.any():
                        matched, scores, matched_any = any_matched, any_scores, True
            lexical_total = int(matched.sum()) if parsed.query is not None else 0
            early_suggestion = None
            if parsed.query is not None and not lexical_total and not _correcting:
                # No case has any of the words: a correction that matches well is the answer, so try it
                # before reading the uncorrected text by meaning (an embedding and a pass over every
                # vector, wasted on "mutaton" when "mutation" is what will be shown).
                early_suggestion = self._suggest(searcher, view, parsed.text, 0)
                if early_suggestion:
                    corrected = self.search(early_suggestion, filters, sort, page, per_page, _correcting=True,
                                            ids_only=ids_only, exclude=exclude)
                    if corrected.total and not corrected.weak_matches:
                        corrected.corrected_from = parsed.text
                        corrected.suggestion = early_suggestion
                        corrected.notices = notices + corrected.notices
                        return corrected
            if parsed.query is not None and (matched_any or not lexical_total):
                # The answer is not in the words typed: does anything come close enough to show?
                weak = not self._close_enough(searcher, arrays, view, parsed, matched)
            if parsed.query is not None and _plain(parsed.text):
                matched, scores, weak = self._fuse(searcher, arrays, parsed, matched, scores,
                                                   strong=not matched_any and lexical_total > 0, weak=weak)
            elif weak:
                matched, scores = _nearest(matched, scores)

            if exclude:  # cases the caller leaves out (those overdue for re-verification), counts included
                matched = matched.copy()
                matched[[arrays.docnum_of[i] for i in exclude if i in arrays.docnum_of]] = False
            filter_masks = {
                facet: arrays.filter_mask(facet, [_coerce(facet, v) for v in values])
                for facet, values in filters.items() if values and facet in FACETS
            }
            final = matched.copy()
            for mask in filter_masks.values():
                final &= mask
            facets = self._facet_counts(arrays, matched, filter_masks, parsed.query is None)
            total = int(final.sum())

            scored_query = any_words if matched_any else parsed.query
            if sort not in SORTS or (sort == "views" and views is None):
                sort = "relevance"
            if sort == "relevance" and scored_query is None:
                sort = "newest"
            popularity = self._views(searcher, arrays, views) if sort == "views" else None
            page_docs, page_scores = self._page(arrays, scores if scored_query is not None else None, final,
                                                sort, page, per_page, popularity)
            if ids_only:  # an export pages through every result: no stored fields, no highlights
                hits = [Hit(public_id=arrays.public_id_of[d], score=page_scores.get(d), title_html="",
                            highlight_html="", translated_title_html="") for d in page_docs]
            else:
                hits = self._hits(searcher, scored_query, page_docs, page_scores)

            suggestion = None
            if early_suggestion is not None or (parsed.query is not None and not lexical_total and not _correcting):
                suggestion = early_suggestion  # worked out above (and its search did not match well)
            elif parsed.query is not None and (lexical_total < SUGGEST_BELOW or matched_any or weak):
                suggestion = self._suggest(searcher, view, parsed.text, 0 if matched_any else lexical_total)
            if (lexical_total == 0 or weak) and suggestion and not _correcting and early_suggestion is None:
                corrected = self.search(suggestion, filters, sort, page, per_page, _correcting=True,
                                        ids_only=ids_only, exclude=exclude, views=views)
                if corrected.total and not corrected.weak_matches:
                    corrected.corrected_from = parsed.text
                    corrected.suggestion = suggestion
                    corrected.notices = notices + corrected.notices
                    return corrected
            return SearchResults(total=total, page=page, per_page=per_page, hits=hits, facets=facets,
                                 suggestion=suggestion, notices=notices, query_text=parsed.text,
                                 matched_any_word=matched_any, also_searched=describe(parsed.widened),
                                 synonyms_used=parsed.synonyms_used, weak_matches=weak)

    # -- hybrid: keywords and meaning ----------------------------------------------------------------

    def _close_enough(self, searcher, arrays, view, parsed, matched) -> bool:
        """When not every word matched: is some case still a real answer?

        Yes if the model finds a case very close (DENSE_CONFIDENT), or a case has most of what was typed
        (COVERAGE_ENOUGH of the words, weighted by rarity: "system" says little, "flood" much), or a case
        stands out clearly from the rest of the library by meaning (DENSE_STANDOUT) and has some of the
        words too (COVERAGE_WITH_MEANING): the model alone finds "a subsidy" for any question about one.
        """
        top, standout = -1.0, 0.0
        sims = self._similarities(searcher, arrays, parsed.meaning_text or parsed.text)
        if sims is not None:
            near = sims[arrays.live & (sims > -1.0)]
            if len(near):
                top = float(near.max())
                spread = float(near.std())
                if len(near) >= DENSE_STANDOUT_FROM and spread > 0:
                    standout = (top - float(near.mean())) / spread
        if top >= DENSE_CONFIDENT:
            return True
        coverage = self._coverage(searcher, view, parsed, matched)
        return coverage >= COVERAGE_ENOUGH or (standout >= DENSE_STANDOUT and coverage >= COVERAGE_WITH_MEANING)

    def _coverage(self, searcher, view, parsed, matched) -> float:
        """The largest share of the query's words (weighted by idf) that one case has."""
        if not matched.any():
            return 0.0
        words = query_module.word_queries(parsed, searcher.schema, view)[:COVERAGE_WORDS]
        if len(words) < 2:
            return 0.0
        coverage = np.zeros(view.size, dtype=np.float64)
        total = 0.0
        for word in words:
            mask = self._match(searcher, word, view)[0]
            weight = scoring.idf(view, int(mask.sum()))
            total += weight
            coverage += weight * mask
        return float(coverage.max()) / total if total else 0.0

    def _similarities(self, searcher, arrays, text: str):
        """The query's similarity to every case (None without dense search), worked out once per search."""
        if self.dense is None:
            return None
        key = (self._key(searcher), text)
        if self._last_similarities is not None and self._last_similarities[0] == key:
            return self._last_similarities[1]
        try:
            sims = self.dense.similarities(key[0], arrays.vector_keys, text)
        except Exception:  # the model failed on this text: keywords still answer
            log.exception("dense search failed for a query; answering by keywords")
            return None
        self._last_similarities = (key, sims)
        return sims

    def _fuse(self, searcher, arrays, parsed, matched, scores, strong: bool, weak: bool):
        """Reciprocal rank fusion of the keyword ranking and the meaning ranking.

        Cases found by meaning alone join the results when they are close (above DENSE_FLOOR, within
        DENSE_MARGIN of the closest, at most DENSE_CANDIDATES). A case whose title is exactly what was
        typed stays first. When nothing matched well, only the NEAREST closest cases are kept.
        """
        if strong and len(_plain_words(parsed.text)) < DENSE_MIN_WORDS:
            return matched, scores, weak  # one word that the library has: its keyword ranking is the answer
        sims = self._similarities(searcher, arrays, parsed.meaning_text or parsed.text)
        if sims is None:
            if weak:
                matched, scores = _nearest(matched, scores)
            return matched, scores, weak
        live = arrays.live
        fused = np.zeros(len(live), dtype=np.float64)
        lexical_docs = np.flatnonzero(matched)
        order = lexical_docs[:0]
        if len(lexical_docs):
            # Ranks beyond FUSION_POOL add little to 1 / (k + rank): those cases keep their keyword order
            # behind the fused ones (a tiny tie-breaker), and only the pool is sorted.
            top_lexical = float(scores[lexical_docs].max()) or 1.0
            fused[lexical_docs] = 1e-9 * scores[lexical_docs] / top_lexical
            order = scoring.top_documents(scores, matched, FUSION_POOL)
            fused[order] += LEXICAL_WEIGHT * (1.0 if strong else WEAK_LEXICAL) / (RRF_K + np.arange(1, len(order) + 1))
        dense_order = scoring.top_documents(sims.astype(np.float64), live & (sims > -1.0), FUSION_POOL)
        fused[dense_order] += DENSE_WEIGHT / (RRF_K + np.arange(1, len(dense_order) + 1))
        top = float(sims[dense_order[0]]) if len(dense_order) else -1.0
        close = dense_order[sims[dense_order] >= max(DENSE_FLOOR, top - DENSE_MARGIN)][:DENSE_CANDIDATES]
        union = matched.copy()
        union[close] = True
        if len(lexical_docs):
            typed = [w for w, _ in analysed_tokens(parsed.text)]
            for docnum in order[:EXACT_TITLE_CHECK].tolist():
                stored = searcher.stored_fields(docnum)
                titles = (stored.get("title", ""), (stored.get("translation") or "").partition("\n")[0])
                if any(typed == [w for w, _ in analysed_tokens(title)] for title in titles if title):
                    fused[docnum] += 1.0  # exactly the title typed: first, whatever the meaning side says
        fused = np.where(union, fused, 0.0)
        if weak:
            union, fused = _nearest(union, fused)
        return union, fused, weak

    def vector_keys(self) -> set[str]:
        """The vector keys of the index's live cases."""
        with self._lock:
            arrays = self.arrays(self.searcher())
            return {key for key in arrays.vector_keys if key}

    def embed_missing(self, budget_seconds: float | None = None, limit: int = 200) -> int:
        """Compute and store the vectors this generation lacks, at most ``limit`` (kb.search.dense)."""
        if self.dense is None:
            return 0
        with self._lock:  # the texts are read under the lock: the searcher is shared with requests
            searcher = self.searcher()
            arrays = self.arrays(searcher)
            missing = self.dense.missing(self._key(searcher), arrays.vector_keys)[:limit]
            passages = {arrays.vector_keys[d]: document_passage(searcher.stored_fields(d)) for d in missing}
        # Embedding runs without the engine's lock: searches go on meanwhile.
        return embed_missing(self.dense, passages, budget_seconds)

    def _match(self, searcher, query, view: TermView) -> tuple[np.ndarray, np.ndarray]:
        """(mask of matching live cases, scores), from the term arrays."""
        try:
            return scoring.evaluate(query, view)
        except scoring.Unsupported as error:
            # A query shape the evaluator does not know: Whoosh matches it (unranked), so it still works.
            log.warning("search: %s not evaluated in numpy (%s); matching with Whoosh", query, error)
            mask = np.zeros(view.size, dtype=bool)
            docs = np.fromiter(query.docs(searcher), dtype=np.int64)
            if len(docs):
                mask[docs] = True
            return mask & view.live, np.zeros(view.size, dtype=np.float64)

    def _facet_counts(self, arrays: FacetArrays, matched, filter_masks, empty_query: bool) -> dict:
        if empty_query and not filter_masks and arrays.empty_counts is not None:
            return arrays.empty_counts
        counts = {}
        for facet in FACETS:
            mask = matched.copy()
            for other, other_mask in filter_masks.items():
                if other != facet:
                    mask &= other_mask
            counts[facet] = arrays.counts(facet, mask)
        if empty_query and not filter_masks:
            arrays.empty_counts = counts
        return counts

    def _views(self, searcher, arrays: FacetArrays, views) -> np.ndarray:
        """docnum -> recent views, from ``views`` = (version, {public id: views}); built once per index
        generation and version of the counts (they change every few seconds, searches far more often)."""
        version, counts = views
        key = (self._key(searcher), version)
        if self._popularity is None or self._popularity[0] != key:
            column = np.zeros(arrays.size, dtype=np.int64)
            docnum_of = arrays.docnum_of  # live cases only: counts of anything else are never read
            for public_id, count in counts.items():
                docnum = docnum_of.get(public_id)
                if docnum is not None:
                    column[docnum] = count
            self._popularity = (key, column)
        return self._popularity[1]

    def _page(self, arrays, scores, final, sort, page, per_page, popularity=None):
        start, stop = (page - 1) * per_page, page * per_page
        if sort == "relevance":
            top = scoring.top_documents(scores, final, stop)[start:stop]
            return top.tolist(), {int(d): float(scores[d]) for d in top}
        docs = np.flatnonzero(final)
        if sort == "newest":
            order = docs[np.lexsort((-docs, -arrays.published[docs]))]
        elif sort == "evidence":  # strongest evidence first, newest first within a level
            order = docs[np.lexsort((-docs, -arrays.published[docs], -arrays.evidence_rank()[docs]))]
        elif sort == "views":  # most viewed first; ties in the default order (relevance with words, else newest)
            tie = -scores[docs] if scores is not None else -arrays.published[docs]
            order = docs[np.lexsort((-docs, -arrays.published[docs], tie, -popularity[docs]))]
        else:
            order = docs[np.argsort(arrays.title_rank[docs], kind="stable")]
        return order[start:stop].tolist(), {}

    def _hits(self, searcher, query, docnums, scores) -> list[Hit]:
        terms = _highlight_terms(query)
        hits = []
        for docnum in docnums:
            stored = searcher.stored_fields(docnum)
            title = stored.get("title", "")
            title_html = snippets.highlight_whole(title, terms) or html.escape(title, quote=False)
            translated_title, _, translated_summary = (stored.get("translation") or "").partition("\n")
            snippet = (snippets.snippet(stored.get("body", ""), terms)
                       or snippets.highlight_whole(stored.get("summary", ""), terms)
                       or snippets.highlight_whole(translated_summary, terms)
                       or html.escape(stored.get("summary", ""), quote=False))
            translated_html = (snippets.highlight_whole(translated_title, terms)
                               or html.escape(translated_title, quote=False)) if translated_title else ""
            hits.append(Hit(public_id=stored["id"], score=scores.get(docnum), title_html=title_html,
                            highlight_html=snippet, translated_title_html=translated_html))
        return hits

    def _suggest(self, searcher, view: TermView, text: str, total: int) -> str | None:
        """Replace each word the vocabulary lacks with its closest known word; keep it if it finds more."""
        changed = False
        out = []
        for token in text.split():
            bare = token.strip('"()-*').lower()
            word = [w for w, _ in analysed_tokens(bare)]
            if (token in query_module.OPERATORS or not word or len(word[0]) > 30 or bare in STOP_LIST
                    or view.word_df(word[0])):
                out.append(token)
                continue
            # Short words have many neighbours at distance 2 ("visa" -> "risk"): allow only one edit.
            closest = view.closest_word(word[0], maxdist=1 if len(word[0]) <= 4 else 2)
            if closest:
                out.append(token.replace(bare, closest) if bare in token else closest)
                changed = True
            else:
                out.append(token)
        if not changed:
            return None
        suggestion = " ".join(out)
        parsed = query_module.parse(suggestion, searcher.schema, view)
        if parsed.query is None or int(self._match(searcher, parsed.query, view)[0].sum()) <= total:
            return None
        return suggestion

    # -- similar cases -------------------------------------------------------------------------------

    def similar(self, public_id: str, limit: int = 5) -> list[str]:
        """Published cases sharing the most distinctive words of this case's body (never itself); worked
        out once per index generation and case (the case page asks on every view)."""
        with self._lock:
            searcher = self.searcher()
            key = (self._key(searcher), public_id, limit)
            found = self._similar.get(key)
            if found is None:
                if len(self._similar) > 5000 or (self._similar and next(iter(self._similar))[0] != key[0]):
                    self._similar.clear()  # a new generation: what was similar before may not be now
                found = self._similar[key] = self._find_similar(searcher, public_id, limit)
            return list(found)

    def _find_similar(self, searcher, public_id: str, limit: int) -> list[str]:
        with self._lock:
            arrays = self.arrays(searcher)
            view = self.view(searcher, arrays)
            docnum = arrays.docnum_of.get(public_id)
            if docnum is None:
                return []
            counts = collections.Counter(stems(searcher.stored_fields(docnum).get("body", "")))
            weighted = []
            for term, tf in counts.items():
                df = len(view.postings("body", term)[0])
                if df > 1:  # a word only this case has finds nothing else
                    weighted.append((tf * scoring.idf(view, df), term))
            key_terms = [term for _, term in sorted(weighted, reverse=True)[:SIMILAR_TERMS]]
            if not key_terms:
                return []
            scores = np.zeros(view.size, dtype=np.float64)
            for term in key_terms:
                docs, tfs = view.postings("body", term)
                scores[docs] += scoring.bm25(view, "body", docs, tfs, scoring.idf(view, len(docs)), 1.0)
            allowed = arrays.live & (scores > 0)
            allowed[docnum] = False
            sims = self._like(searcher, arrays, docnum)
            if sims is not None:
                # Both rankings fused: the key words, and the closest vectors (what the case is about).
                fused = np.zeros(view.size, dtype=np.float64)
                lexical = scoring.top_documents(scores, allowed, SIMILAR_POOL)
                fused[lexical] += 1.0 / (RRF_K + np.arange(1, len(lexical) + 1))
                near = arrays.live & (sims > -1.0)
                near[docnum] = False
                dense = scoring.top_documents(sims.astype(np.float64), near, SIMILAR_POOL)
                fused[dense] += SIMILAR_DENSE_WEIGHT / (RRF_K + np.arange(1, len(dense) + 1))
                scores, allowed = fused, fused > 0
            top = scoring.top_documents(scores, allowed, limit)
            return [arrays.public_id_of[d] for d in top.tolist()]

    def _like(self, searcher, arrays, docnum: int):
        if self.dense is None:
            return None
        try:
            return self.dense.like(self._key(searcher), arrays.vector_keys, docnum)
        except Exception:
            log.exception("dense search: similar cases by keywords only")
            return None


def _plain(text: str) -> bool:
    """Plain words: no phrase, exclusion, prefix or operator, and not a case id (those are precise:
    keywords alone answer them, and meaning never reorders them)."""
    if '"' in text or "*" in text or re.search(r"\bKB[- ]?\d+\b", text, re.IGNORECASE):
        return False
    return not any(t in query_module.OPERATORS or t.startswith("-") for t in text.split())


def _plain_words(text: str) -> list[str]:
    return [t for t in text.split() if t not in query_module.OPERATORS and not t.startswith("-")
             and analysed_tokens(t)]


def _nearest(matched, scores):
    """Only the NEAREST best-scoring matched cases."""
    if scores is None or not matched.any():
        return np.zeros_like(matched), scores
    top = scoring.top_documents(scores, matched, NEAREST)
    kept = np.zeros_like(matched)
    kept[top] = True
    return kept, scores


def _highlight_terms(query) -> frozenset:
    if query is None:
        return frozenset()
    terms = set()
    for fieldname, text in query.iter_all_terms(phrases=True):
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        if fieldname in ("title", "summary", "translation", "body"):
            terms.add(text)
    return frozenset(terms)


def _coerce(facet: str, value):
    if facet == "year":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return value
