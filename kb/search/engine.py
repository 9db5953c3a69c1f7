"""Searching: one long-lived searcher per process, reused across requests and reopened only when the
index has a new generation (a directory listing tells; Whoosh's refresh() is unsafe, see searcher()).

``SearchEngine.search`` does what the search page and the API need in one pass: parse, match,
filter, count facets, rank one page, highlight it, and suggest a correction when few results came back.
"""
from __future__ import annotations

import dataclasses
import html
import logging
import threading
import time

import numpy as np
from whoosh import highlight
from whoosh.collectors import WrappingCollector
from whoosh.searching import TimeLimit

from kb.search import query as query_module
from kb.search.analysis import STOP_LIST, text_analyzer
from kb.search.analysis import words as analyzed_words
from kb.search.documents import META_ID
from kb.search.facets import FACETS, FacetArrays
from kb.search.store import IndexStore

log = logging.getLogger(__name__)
SUGGEST_BELOW = 3  # compute "did you mean" only when a search found fewer hits than this
_TEXT_ANALYZER = text_analyzer()
PHRASE_TIME_LIMIT = 0.25  # seconds: a phrase of two very common words must not take the site down


@dataclasses.dataclass
class Hit:
    public_id: str
    score: float | None
    title_html: str
    highlight_html: str


@dataclasses.dataclass
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestion: str | None
    notices: list[str]
    query_text: str
    matched_any_word: bool = False  # the all-words search found nothing; these match any word
    corrected_from: str | None = None  # nothing matched what was typed; these are for the suggestion


class MarkFormatter(highlight.Formatter):
    """Escaped text; matched words wrapped in a bare <mark>, the only markup in a snippet."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % html.escape(highlight.get_text(text, token, replace), quote=False)

    def _text(self, text):
        return html.escape(text, quote=False)


class AllowedWithinTime(WrappingCollector):
    """Collects only allowed documents (query, filters, live cases) and stops scoring at a deadline.

    Whoosh's own TimeLimitCollector iterates matches itself and so silently bypasses a FilterCollector
    wrapped inside it; this does both in one loop, without a timer thread or a signal.
    """

    def __init__(self, child, allowed: set[int], timelimit: float):
        self.child = child
        self.allowed = allowed
        self.timelimit = timelimit
        self.timed_out = False

    def prepare(self, top_searcher, q, context):
        self.child.prepare(top_searcher, q, context)
        self.deadline = time.perf_counter() + self.timelimit
        self.timed_out = False

    def collect_matches(self):
        child, allowed, offset = self.child, self.allowed, self.child.offset
        for count, sub_docnum in enumerate(child.matches()):
            if sub_docnum + offset in allowed:
                child.collect(sub_docnum)
            if count & 15 == 0 and time.perf_counter() > self.deadline:
                self.timed_out = True
                raise TimeLimit


class SearchEngine:
    def __init__(self, index_dir: str):
        self.store = IndexStore(index_dir)
        self._lock = threading.RLock()
        self._path = None
        self._ix = None
        self._searcher = None
        self._arrays: tuple[tuple, FacetArrays] | None = None

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
            return self._searcher

    def cursor(self) -> int:
        """The index's outbox cursor, read through this process's long-lived searcher.

        Opening the index to read one document costs ~0.1 s at 20,000 cases; checking that the open
        searcher is current is a directory listing. The background syncer asks this every second in
        every worker.
        """
        with self._lock:
            meta = self.searcher().document(id=META_ID)
            return int(meta["cursor"]) if meta else 0

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            if self._ix is not None:
                self._ix.close()
            self._searcher = self._ix = self._path = None
            self._arrays = None

    def arrays(self, searcher) -> FacetArrays:
        key = (self._path, searcher.reader().generation(), searcher.doc_count_all())
        if self._arrays is None or self._arrays[0] != key:
            meta = searcher.document_number(id=META_ID)
            self._arrays = (key, FacetArrays.build(searcher.reader(), meta))
        return self._arrays[1]

    # -- searching -----------------------------------------------------------------------------------

    def search(self, q: str | None, filters: dict[str, list], sort: str, page: int, per_page: int,
               _correcting: bool = False) -> SearchResults:
        with self._lock:
            searcher = self.searcher()
            arrays = self.arrays(searcher)
            parsed = query_module.parse(q, searcher.schema, searcher.reader())
            notices = list(parsed.notices)
            matched_any = False
            if parsed.query is None:
                matched = arrays.live
            else:
                matched = self._match(searcher, parsed.query, arrays)
                if not matched.any() and parsed.any_words is not None:
                    any_matched = self._match(searcher, parsed.any_words, arrays)
                    if any_matched.any():
                        matched, matched_any = any_matched, True

            filter_masks = {
                facet: arrays.filter_mask(facet, [_coerce(facet, v) for v in values])
                for facet, values in filters.items() if values and facet in FACETS
            }
            final = matched.copy()
            for mask in filter_masks.values():
                final &= mask
            facets = self._facet_counts(arrays, matched, filter_masks, parsed.query is None)
            total = int(final.sum())

            scored_query = parsed.any_words if matched_any else parsed.query
            if sort not in ("relevance", "newest", "title"):
                sort = "relevance"
            if sort == "relevance" and scored_query is None:
                sort = "newest"
            page_docs, scores = self._page(searcher, arrays, scored_query, final, sort, page, per_page)
            hits = self._hits(searcher, scored_query, page_docs, scores)

            suggestion = None
            if parsed.query is not None and (total < SUGGEST_BELOW or matched_any):
                suggestion = self._suggest(searcher, parsed.text, arrays, 0 if matched_any else total)
            if total == 0 and suggestion and not _correcting:
                corrected = self.search(suggestion, filters, sort, page, per_page, _correcting=True)
                if corrected.total:
                    corrected.corrected_from = parsed.text
                    corrected.suggestion = suggestion
                    corrected.notices = notices + corrected.notices
                    return corrected
            return SearchResults(total=total, page=page, per_page=per_page, hits=hits, facets=facets,
                                 suggestion=suggestion, notices=notices, query_text=parsed.text,
                                 matched_any_word=matched_any)

    def _match(self, searcher, query, arrays: FacetArrays) -> np.ndarray:
        mask = np.zeros(arrays.size, dtype=bool)
        docs = np.fromiter(query.docs(searcher), dtype=np.int64)
        if len(docs):
            mask[docs] = True
        return mask & arrays.live

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

    def _page(self, searcher, arrays, query, final, sort, page, per_page):
        start, stop = (page - 1) * per_page, page * per_page
        if sort == "relevance":
            allowed = set(np.nonzero(final)[0].tolist())
            if not allowed:
                return [], {}
            limited = AllowedWithinTime(searcher.collector(limit=stop), allowed, PHRASE_TIME_LIMIT)
            try:
                searcher.search_with_collector(query, limited)
            except TimeLimit:
                log.warning("search for %r hit the time limit; ranking what was scored", query)
            scored = [(hit.docnum, hit.score) for hit in limited.results()]
            if limited.timed_out:
                # Scoring stopped early: rank what was scored, then the other matches in index order,
                # so every page still comes from one ordering and no match appears twice.
                seen = {docnum for docnum, _ in scored}
                rest = (d for d in np.nonzero(final)[0].tolist() if d not in seen)
                scored += [(d, None) for _, d in zip(range(stop - len(scored)), rest)]
            top = scored[start:stop]
            return [d for d, _ in top], dict(top)
        docs = np.nonzero(final)[0]
        if sort == "newest":
            order = docs[np.lexsort((-docs, -arrays.published[docs]))]
        else:
            order = docs[np.argsort(arrays.title_rank[docs], kind="stable")]
        return order[start:stop].tolist(), {}

    def _hits(self, searcher, query, docnums, scores) -> list[Hit]:
        terms = _highlight_terms(query)
        fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        formatter = MarkFormatter()
        analyzer = searcher.schema["body"].analyzer
        hits = []
        for docnum in docnums:
            stored = searcher.stored_fields(docnum)
            title = stored.get("title", "")
            if terms:
                title_html = highlight.highlight(title, terms, analyzer, highlight.WholeFragmenter(), formatter) \
                    or html.escape(title, quote=False)
                snippet = (highlight.highlight(stored.get("body", ""), terms, analyzer, fragmenter, formatter, top=2)
                           or highlight.highlight(stored.get("summary", ""), terms, analyzer,
                                                  highlight.WholeFragmenter(), formatter))
            else:
                title_html, snippet = html.escape(title, quote=False), ""
            if not snippet:
                snippet = html.escape(stored.get("summary", ""), quote=False)
            hits.append(Hit(public_id=stored["id"], score=scores.get(docnum), title_html=title_html,
                            highlight_html=snippet))
        return hits

    def _suggest(self, searcher, text: str, arrays: FacetArrays, total: int) -> str | None:
        """Replace each word the vocabulary lacks with its closest known word; keep it if it finds more."""
        reader = searcher.reader()
        corrector = searcher.corrector("words")
        changed = False
        out = []
        for token in text.split():
            bare = token.strip('"()-*').lower()
            word = analyzed_words(bare)
            if (token in query_module.OPERATORS or not word or len(word[0]) > 30 or bare in STOP_LIST
                    or reader.doc_frequency("words", word[0])):
                out.append(token)
                continue
            # Short words have many neighbours at distance 2 ("visa" -> "risk"): allow only one edit.
            suggestions = corrector.suggest(word[0], limit=1, maxdist=1 if len(word[0]) <= 4 else 2)
            if suggestions:
                out.append(token.replace(bare, suggestions[0]) if bare in token else suggestions[0])
                changed = True
            else:
                out.append(token)
        if not changed:
            return None
        suggestion = " ".join(out)
        parsed = query_module.parse(suggestion, searcher.schema, reader)
        if parsed.query is None or int(self._match(searcher, parsed.query, arrays).sum()) <= total:
            return None
        return suggestion

    # -- similar cases -------------------------------------------------------------------------------

    def similar(self, public_id: str, limit: int = 5) -> list[str]:
        with self._lock:
            searcher = self.searcher()
            arrays = self.arrays(searcher)
            docnum = arrays.docnum_of.get(public_id)
            if docnum is None:
                return []
            allowed = set(np.nonzero(arrays.live)[0].tolist()) - {docnum}
            results = searcher.more_like(docnum, "body", top=limit, numterms=25, filter=allowed)
            return [hit["id"] for hit in results]


def _highlight_terms(query) -> frozenset:
    if query is None:
        return frozenset()
    terms = set()
    for fieldname, text in query.iter_all_terms(phrases=True):
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        if fieldname in ("title", "summary", "body"):
            terms.add(text)
        elif fieldname == "words":  # whole words from a prefix expansion: stem them as the body is
            terms.update(token.text for token in _TEXT_ANALYZER(text))
    return frozenset(terms)


def _coerce(facet: str, value):
    if facet == "year":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return value
