"""Facet counting from arrays built once per index generation.

Whoosh's ``groupedby`` rebuilds its categorisers on every search (87% of a search request's time in
SEARCH-NOTES.md). Here, each facet column is read once per generation into a numpy array of value codes
(tags and awards, which are multi-valued, as doc/code pairs). A search then turns its matched documents into a
boolean mask, and each facet's counts are one ``bincount`` over the mask of the query and the *other*
facets' filters, so a user can see how many they would get by widening the choice.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from kb.models import EvidenceGrade

SINGLE_VALUED = ("mmp", "mmp_category", "state", "year", "language", "evidence")
# Facets a case may have several values of: the stored column holding them, joined by \x1f.
MULTI_VALUED = {"tag": "tag_list", "award": "award_list"}
FACETS = ("mmp", "mmp_category", "state", "year", "tag", "language", "evidence", "award")
# The "evidence" sort: strongest grade first (a case without figures last).
EVIDENCE_RANK = {grade.value: grade.rank + 1 for grade in EvidenceGrade}


@dataclasses.dataclass
class Column:
    values: list  # code -> value
    codes: np.ndarray  # docnum -> code, -1 for none
    index: dict  # value -> code


@dataclasses.dataclass
class MultiColumn:
    values: list  # code -> value
    index: dict  # value -> code
    docs: np.ndarray  # one entry per (doc, value) pair
    codes: np.ndarray

    @classmethod
    def read(cls, raw: list) -> "MultiColumn":
        lists = [v.split("\x1f") if v else [] for v in raw]
        values = sorted({t for items in lists for t in items})
        index = {t: i for i, t in enumerate(values)}
        pairs = [(doc, index[t]) for doc, items in enumerate(lists) for t in items]
        return cls(values=values, index=index, docs=np.array([p[0] for p in pairs], dtype=np.int32),
                   codes=np.array([p[1] for p in pairs], dtype=np.int32))


@dataclasses.dataclass
class FacetArrays:
    """Everything about the documents of one index generation that search needs outside Whoosh."""

    size: int
    live: np.ndarray  # docnum -> is a live case document
    columns: dict[str, Column]
    multi: dict[str, MultiColumn]  # tags, awards
    published: np.ndarray  # docnum -> published timestamp (for "newest")
    title_rank: np.ndarray  # docnum -> position in title order (for "title")
    docnum_of: dict[str, int]  # public id -> docnum
    public_id_of: dict[int, str]  # docnum -> public id
    vector_keys: list  # docnum -> the key of its dense vector (None for the meta document)
    empty_counts: dict[str, list[dict]] | None = None

    @classmethod
    def build(cls, reader, meta_docnum: int | None) -> "FacetArrays":
        size = reader.doc_count_all()
        live = np.zeros(size, dtype=bool)
        live_ids = list(reader.all_doc_ids())
        live[live_ids] = True
        if meta_docnum is not None:
            live[meta_docnum] = False
        columns = {}
        for name in SINGLE_VALUED:
            raw = _column(reader, name)
            values = sorted({v for v in raw if v not in ("", None)}, key=str)
            index = {v: i for i, v in enumerate(values)}
            codes = np.fromiter((index.get(v, -1) for v in raw), dtype=np.int32, count=size)
            columns[name] = Column(values=values, codes=codes, index=index)
        multi = {facet: MultiColumn.read(_column(reader, stored)) for facet, stored in MULTI_VALUED.items()}
        # Raw column values: monotonic in time, and safe for documents without a date.
        published = np.array([_timestamp(v) for v in _column(reader, "published", translate=False)],
                             dtype=np.float64)
        titles = _column(reader, "title_key")
        title_rank = np.empty(size, dtype=np.int64)
        title_rank[np.array(sorted(range(size), key=lambda d: (titles[d] or "")), dtype=np.int64)] = np.arange(size)
        # From the id column, not the stored documents: loading every stored body took most of a second
        # at 20,000 cases, on the first search after each change.
        docnum_of = {public_id: docnum for docnum, public_id in enumerate(_column(reader, "id")) if live[docnum]}
        public_id_of = {docnum: public_id for public_id, docnum in docnum_of.items()}
        return cls(size=size, live=live, columns=columns, multi=multi, published=published, title_rank=title_rank,
                   docnum_of=docnum_of, public_id_of=public_id_of,
                   vector_keys=[key if live[d] else None for d, key in enumerate(_column(reader, "vector_key"))])

    # -- filters -------------------------------------------------------------------------------------

    def evidence_rank(self) -> np.ndarray:
        """docnum -> the strength of the case's evidence level (0: none), for the "evidence" sort."""
        column = self.columns["evidence"]
        ranks = np.array([EVIDENCE_RANK.get(value, 0) for value in column.values] + [0], dtype=np.int8)
        return ranks[column.codes]  # code -1 (no level) picks the trailing 0

    def filter_mask(self, facet: str, selected: list) -> np.ndarray:
        """Documents having any of the selected values of one facet (OR within a facet)."""
        if facet in self.multi:
            column = self.multi[facet]
            codes = [column.index[v] for v in selected if v in column.index]
            mask = np.zeros(self.size, dtype=bool)
            if codes:
                mask[column.docs[np.isin(column.codes, codes)]] = True
            return mask
        column = self.columns[facet]
        codes = [column.index[v] for v in selected if v in column.index]
        return np.isin(column.codes, codes) if codes else np.zeros(self.size, dtype=bool)

    # -- counts --------------------------------------------------------------------------------------

    def counts(self, facet: str, mask: np.ndarray) -> list[dict]:
        if facet in self.multi:
            column = self.multi[facet]
            if not len(column.docs):
                return []
            tally = np.bincount(column.codes[mask[column.docs]], minlength=len(column.values))
            values = column.values
        else:
            column = self.columns[facet]
            codes = column.codes[mask]
            codes = codes[codes >= 0]
            tally = np.bincount(codes, minlength=len(column.values))
            values = column.values
        nonzero = np.nonzero(tally)[0]
        entries = [{"value": values[i], "count": int(tally[i])} for i in nonzero]
        entries.sort(key=lambda e: (-e["count"], str(e["value"])))
        return entries


def _column(reader, name: str, translate: bool = True) -> list:
    """A column's value for every document number, segment by segment.

    A segment holding no document with the field (e.g. one with only the meta document) has no column
    at all, and Whoosh's multi-segment reader then yields too few values; fill those with None.
    """
    values: list = []
    for leaf, offset in reader.leaf_readers():
        size = leaf.doc_count_all()
        if leaf.has_column(name):
            column = list(leaf.column_reader(name, translate=translate))
            values.extend(column[:size] + [None] * (size - len(column)))
        else:
            values.extend([None] * size)
    return values


def _timestamp(value) -> float:
    if value is None:
        return 0.0
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return float(value)
