"""Each Whoosh segment's postings as numpy arrays: what makes a search a few vector operations.

Whoosh answers a query by walking nested matchers in Python, posting by posting: at 20,000 cases a
three-word search spent ~130 ms there (benchmarks/README.md). Segments are immutable, so the
writer that creates one also writes its postings beside it, as a sidecar file named after the segment
(``MAIN_<segid>.kbterms``: Whoosh's own clean-up deletes it with the segment). Per text field, in CSR
form: for each term its documents, frequencies and positions, and each document's field length; plus
the whole-word vocabulary with document frequencies (prefix expansion, "did you mean").

A searcher's ``TermView`` puts a generation's segments end to end (document numbers as Whoosh's
multi-reader numbers them) and answers: a term's postings, a phrase's matching documents, field lengths,
prefix expansions and spelling candidates. Scoring lives in kb.search.scoring.
"""
from __future__ import annotations

import array
import bisect
import collections
import dataclasses
import mmap
import os
import re
import secrets
import struct
import zipfile
from pathlib import Path

import numpy as np

from kb.search.analysis import WORD_RE, analysed_tokens
from kb.search.romanised import best_readings, hindi_keys, latin_keys

TEXT_FIELDS = ("title", "summary", "translation", "tag_text", "place", "department", "body")
SIDECAR_SUFFIX = ".kbterms"
SIDECAR_FORMAT = 1


# ---------------------------------------------------------------------------------------------------
# One document


class _Vocabulary:
    """Process-wide ids of stems and whole words, and the raw token -> (stem id, word id) cache.

    Analysing a library is then one regex pass and one dict lookup per token; grouping tokens into
    postings is left to numpy (SegmentTermsBuilder.finish).
    """

    CACHE_LIMIT = 500_000

    def __init__(self):
        self.stems: list[str] = []
        self.stem_ids: dict[str, int] = {}
        self.words: list[str] = []
        self.word_ids: dict[str, int] = {}
        self.raw: dict[str, tuple[int, int]] = {}

    def learn(self, raw: str) -> tuple[int, int]:
        analysed = analysed_tokens(raw)
        if len(analysed) != 1:  # dropped (stop word, too short)
            pair = (-1, -1)
        else:
            word, stem = analysed[0]
            stem_id = self.stem_ids.get(stem)
            if stem_id is None:
                stem_id = self.stem_ids[stem] = len(self.stems)
                self.stems.append(stem)
            word_id = self.word_ids.get(word)
            if word_id is None:
                word_id = self.word_ids[word] = len(self.words)
                self.words.append(word)
            pair = (stem_id, word_id)
        if len(self.raw) < self.CACHE_LIMIT:
            self.raw[raw] = pair
        return pair


_VOCABULARY = _Vocabulary()


@dataclasses.dataclass
class DocumentTerms:
    """A document's analysis: per text field, its terms in order (as process-wide stem ids; a term's
    position is its index), and the ids of the whole words it contains."""

    fields: dict[str, list[int]]
    words: set[int]


def analyse_document(texts: dict[str, str]) -> DocumentTerms:
    vocabulary = _VOCABULARY
    cache, learn = vocabulary.raw, vocabulary.learn
    fields: dict[str, list[int]] = {}
    words: set[int] = set()
    for field in TEXT_FIELDS:
        stem_ids: list[int] = []
        for raw in WORD_RE.findall(texts.get(field) or ""):
            pair = cache.get(raw) or learn(raw)
            if pair[0] >= 0:
                stem_ids.append(pair[0])
                words.add(pair[1])
        fields[field] = stem_ids
    return DocumentTerms(fields=fields, words=words)


# ---------------------------------------------------------------------------------------------------
# One segment


@dataclasses.dataclass
class FieldPostings:
    terms: list[str]  # term id -> term
    term_ids: dict[str, int]
    offsets: np.ndarray  # int64[T+1]: term id -> slice of docs/tfs
    docs: np.ndarray  # int32[P], segment document numbers, ascending within a term
    tfs: np.ndarray  # int32[P]
    pos_offsets: np.ndarray  # int64[P+1]: posting -> slice of positions
    positions: np.ndarray  # int32[Q]
    lengths: np.ndarray  # int32[ndocs]: the field's length in terms, per document

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray, int] | None:
        """(docs, tfs, first posting index) of a term, or None."""
        tid = self.term_ids.get(term)
        if tid is None:
            return None
        start, stop = int(self.offsets[tid]), int(self.offsets[tid + 1])
        return self.docs[start:stop], self.tfs[start:stop], start


@dataclasses.dataclass
class SegmentTerms:
    ndocs: int
    fields: dict[str, FieldPostings]
    words: list[str]  # sorted whole words
    word_dfs: np.ndarray  # int32, documents containing each word
    _deletes: dict | None = None  # spelling: one-deletion variants -> words (built on first use)
    _hindi_keys: dict | None = None  # romanised Hindi: loose key -> Devanagari words (built on first use)

    # -- files ---------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a file (dot-files are ignored by Whoosh's clean-up)."""
        arrays = {"meta": np.array([SIDECAR_FORMAT, self.ndocs], dtype=np.int64),
                  "words": _blob(self.words), "word_dfs": self.word_dfs}
        for name, fp in self.fields.items():
            arrays.update({f"{name}.terms": _blob(fp.terms), f"{name}.offsets": fp.offsets, f"{name}.docs": fp.docs,
                           f"{name}.tfs": fp.tfs, f"{name}.pos_offsets": fp.pos_offsets,
                           f"{name}.positions": fp.positions, f"{name}.lengths": fp.lengths})
        temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}"
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> "SegmentTerms":
        data = _mapped_npz(path)
        form, ndocs = (int(v) for v in data["meta"])
        if form != SIDECAR_FORMAT:
            raise ValueError(f"{path.name}: term index format {form}, expected {SIDECAR_FORMAT}")
        fields = {}
        for name in TEXT_FIELDS:
            terms = _unblob(data[f"{name}.terms"])
            fields[name] = FieldPostings(
                terms=terms, term_ids={t: i for i, t in enumerate(terms)}, offsets=data[f"{name}.offsets"],
                docs=data[f"{name}.docs"], tfs=data[f"{name}.tfs"], pos_offsets=data[f"{name}.pos_offsets"],
                positions=data[f"{name}.positions"], lengths=data[f"{name}.lengths"])
        return cls(ndocs=ndocs, fields=fields, words=_unblob(data["words"]), word_dfs=data["word_dfs"])

    # -- vocabulary ----------------------------------------------------------------------------------

    def words_with_prefix(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        start = bisect.bisect_left(self.words, prefix)
        stop = min(len(self.words), start + limit)
        out = []
        for i in range(start, stop):
            if not self.words[i].startswith(prefix):
                break
            out.append((int(self.word_dfs[i]), self.words[i]))
        return out

    def word_df(self, word: str) -> int:
        i = bisect.bisect_left(self.words, word)
        return int(self.word_dfs[i]) if i < len(self.words) and self.words[i] == word else 0

    def hindi_words_with_key(self, key: str) -> list[tuple[int, str]]:
        """(document frequency, word) of the Devanagari words whose loose key is ``key``."""
        if self._hindi_keys is None:
            self._hindi_keys = hindi_keys(self.words)
        return [(int(self.word_dfs[i]), self.words[i]) for i in self._hindi_keys.get(key, ())]

    def near_words(self, word: str, maxdist: int) -> set[str]:
        """Vocabulary words that may be within ``maxdist`` edits (symmetric deletion; verified later)."""
        if self._deletes is None:
            deletes: dict[str, list[int]] = collections.defaultdict(list)
            for i, known in enumerate(self.words):
                for variant in _deletions(known):
                    deletes[variant].append(i)
            self._deletes = dict(deletes)
        variants = {word} | _deletions(word)
        if maxdist >= 2:
            variants |= {v2 for v in list(variants) for v2 in _deletions(v)}
        found: set[str] = set()
        lookup = self._deletes
        for variant in variants:
            for i in lookup.get(variant, ()):
                found.add(self.words[i])
            j = bisect.bisect_left(self.words, variant)
            if j < len(self.words) and self.words[j] == variant:
                found.add(variant)
        return found


def _mapped_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed ``.npz``, memory-mapped read-only.

    Every web worker searches the same arrays: mapped, they are one copy in the page cache for all
    workers (~130 MB at 20,000 cases) instead of one copy each, and opening a generation reads nothing
    up front. ``np.savez`` stores each array as a ``.npy`` member without compression, so a member's
    data is a plain byte range of the file. (A mapping outlives the file's deletion by Whoosh's clean-up.)
    """
    arrays = {}
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # one mapping, kept by the arrays
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{path.name}: {info.filename} is compressed")
            handle.seek(info.header_offset)
            header = handle.read(30)  # the member's local header: its name and extra field follow
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            handle.seek(info.header_offset + 30 + name_length + extra_length)
            name = info.filename.removesuffix(".npy")
            shape, fortran, dtype = _read_npy_header(handle, f"{path.name}: {name}")
            if dtype.hasobject or fortran:
                raise ValueError(f"{path.name}: {name} cannot be mapped")
            count = int(np.prod(shape))
            arrays[name] = np.frombuffer(mapped, dtype=dtype, count=count, offset=handle.tell()).reshape(shape)
    return arrays


# The header of a ``.npy`` member as ``np.savez`` writes it. numpy's own reader evaluates the header
# with ``ast.literal_eval``, and CPython 3.11 keeps the AST constructor's recursion counter per
# interpreter, not per thread: two threads opening segments at once (a web worker's request thread
# and its sync thread) can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). These files are ours, so their headers are read without ``ast``.
_NPY_HEADER = re.compile(r"\{'descr': '([<>|=][a-z]\d+)', 'fortran_order': (False|True), "
                         r"'shape': \(((?:\d+, ?)*\d*)\), \}[ ]*\n")


def _read_npy_header(handle, what: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    magic = handle.read(8)
    if magic[:6] != b"\x93NUMPY" or len(magic) < 8:
        raise ValueError(f"{what}: not a .npy array")
    version = (magic[6], magic[7])
    if version == (1, 0):
        (length,) = struct.unpack("<H", handle.read(2))
    elif version in {(2, 0), (3, 0)}:
        (length,) = struct.unpack("<I", handle.read(4))
    else:
        raise ValueError(f"{what}: .npy format {version}")
    header = handle.read(length).decode("utf-8" if version == (3, 0) else "latin-1")
    match = _NPY_HEADER.fullmatch(header)
    if match is None:
        raise ValueError(f"{what}: unexpected .npy header {header[:80]!r}")
    descr, fortran, shape = match.groups()
    return tuple(int(n) for n in shape.replace(" ", "").split(",") if n), fortran == "True", np.dtype(descr)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))} if len(word) > 1 else set()


def _blob(strings: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _unblob(blob: np.ndarray) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def sidecar_path(storage_dir: Path, segment) -> Path:
    return Path(storage_dir) / f"{segment.segment_id()}{SIDECAR_SUFFIX}"


# ---------------------------------------------------------------------------------------------------
# Building a segment's arrays


class SegmentTermsBuilder:
    """Collects the documents of one new segment, in document-number order: first the documents
    added, then the live documents of segments merged into it."""

    def __init__(self):
        self.ndocs = 0
        self.lengths = {f: [] for f in TEXT_FIELDS}  # every document's, added and merged
        self._tokens = {f: array.array("i") for f in TEXT_FIELDS}  # the added documents' stem ids
        self._added_lengths = {f: [] for f in TEXT_FIELDS}
        self._word_ids = array.array("i")  # each added document's distinct word ids, one after another
        self._merged: list[tuple[SegmentTerms, np.ndarray, int]] = []  # (segment, live docnums, first docnum)

    def add(self, document: DocumentTerms | None) -> None:
        """The next document (None: a document without text, like the meta document)."""
        if self._merged:
            raise RuntimeError("documents are added before segments are merged in")
        self.ndocs += 1
        for field in TEXT_FIELDS:
            ids = document.fields.get(field, ()) if document else ()
            self._tokens[field].extend(ids)
            self._added_lengths[field].append(len(ids))
            self.lengths[field].append(len(ids))
        if document:
            self._word_ids.extend(document.words)

    def add_segment(self, segment: SegmentTerms, live: np.ndarray) -> None:
        """A merged segment's live documents (``live``: its document numbers, ascending), renumbered."""
        first = self.ndocs
        self._merged.append((segment, live, first))
        self.ndocs += len(live)
        for field in TEXT_FIELDS:
            self.lengths[field].extend(segment.fields[field].lengths[live].tolist())

    def finish(self) -> SegmentTerms:
        fields = {}
        for field in TEXT_FIELDS:
            parts = [_added_part(self._tokens[field], self._added_lengths[field])]
            for segment, live, first in self._merged:
                parts.append(_segment_part(segment.fields[field], live, first))
            fields[field] = _combine(parts, np.asarray(self.lengths[field], dtype=np.int32))
        word_ids = np.frombuffer(self._word_ids, dtype=np.int32) if len(self._word_ids) else np.zeros(0, np.int32)
        counts = np.bincount(word_ids) if len(word_ids) else np.zeros(0, dtype=np.int64)
        word_dfs = collections.Counter({_VOCABULARY.words[i]: int(counts[i]) for i in np.flatnonzero(counts)})
        for segment, _live, _first in self._merged:
            # Counts of merged segments include their deleted documents: close enough for ranking
            # expansions and suggestions (a suggestion is only offered if it finds live cases).
            for word, df in zip(segment.words, segment.word_dfs.tolist()):
                word_dfs[word] += df
        words = sorted(word_dfs)
        return SegmentTerms(ndocs=self.ndocs, fields=fields, words=words,
                            word_dfs=np.array([word_dfs[w] for w in words], dtype=np.int32))


def _added_part(tokens: array.array, lengths: list[int]):
    """Postings of the added documents from their token streams: (terms, term ids, docs, tfs, positions)."""
    stem_ids = np.frombuffer(tokens, dtype=np.int32) if len(tokens) else np.zeros(0, dtype=np.int32)
    if not len(stem_ids):
        empty = np.zeros(0, dtype=np.int32)
        return [], np.zeros(0, dtype=np.int64), empty, empty, empty
    lengths = np.asarray(lengths, dtype=np.int64)
    docs = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    positions = np.arange(len(stem_ids), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    used, local = np.unique(stem_ids, return_inverse=True)
    # Tokens are in document order, positions ascending: a stable sort by term keeps both in order.
    order = np.argsort(local, kind="stable")
    local, docs, positions = local[order], docs[order], positions[order].astype(np.int32)
    starts = np.flatnonzero(np.concatenate([[True], (local[1:] != local[:-1]) | (docs[1:] != docs[:-1])]))
    tfs = np.diff(np.append(starts, len(local))).astype(np.int32)
    terms = [_VOCABULARY.stems[i] for i in used.tolist()]
    return terms, local[starts].astype(np.int64), docs[starts], tfs, positions


def _segment_part(fp: FieldPostings, live: np.ndarray, first: int):
    """A loaded segment's postings of its live documents, renumbered from ``first``."""
    renumber = np.full(len(fp.lengths), -1, dtype=np.int64)
    renumber[live] = np.arange(first, first + len(live))
    tids = np.repeat(np.arange(len(fp.terms), dtype=np.int64), np.diff(fp.offsets))
    new_docs = renumber[fp.docs]
    keep = new_docs >= 0
    positions = _gather(fp.positions, fp.pos_offsets[:-1][keep], fp.tfs[keep])
    return fp.terms, tids[keep], new_docs[keep].astype(np.int32), fp.tfs[keep], positions


def _gather(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenate values[start:start+count] for each (start, count), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=values.dtype)
    ends = np.cumsum(counts)
    index = np.repeat(starts - (ends - counts), counts) + np.arange(total)
    return values[index]


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values of ascending, duplicate-free ``a`` also in ascending, duplicate-free ``b``: a binary
    search of the shorter in the longer (np.intersect1d concatenates and sorts both, several times
    slower on the long position lists of a frequent phrase)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a) or not len(b):
        return a[:0]
    where = np.searchsorted(b, a)
    where[where == len(b)] = 0
    return a[b[where] == a]


def _combine(parts, lengths: np.ndarray) -> FieldPostings:
    vocabulary = sorted({t for terms, *_ in parts for t in terms})
    term_ids = {t: i for i, t in enumerate(vocabulary)}
    all_tids, all_docs, all_tfs, all_positions = [], [], [], []
    for terms, tids, docs, tfs, positions in parts:
        mapping = np.array([term_ids[t] for t in terms], dtype=np.int64) if terms else np.zeros(0, dtype=np.int64)
        all_tids.append(mapping[tids] if len(tids) else tids)
        all_docs.append(docs)
        all_tfs.append(tfs)
        all_positions.append(positions)
    tids = np.concatenate(all_tids) if all_tids else np.zeros(0, dtype=np.int64)
    docs = np.concatenate(all_docs).astype(np.int32)
    tfs = np.concatenate(all_tfs).astype(np.int32)
    positions = np.concatenate(all_positions).astype(np.int32)
    pos_starts = np.concatenate([[0], np.cumsum(tfs)[:-1]]).astype(np.int64) if len(tfs) else np.zeros(0, np.int64)
    # Each part lists its postings in document order, and parts cover ascending document ranges, so a
    # stable sort by term keeps documents ascending within a term.
    order = np.argsort(tids, kind="stable")
    tids, docs, tfs, pos_starts = tids[order], docs[order], tfs[order], pos_starts[order]
    positions = _gather(positions, pos_starts, tfs)
    offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tids, minlength=len(vocabulary)), out=offsets[1:])
    pos_offsets = np.zeros(len(tfs) + 1, dtype=np.int64)
    np.cumsum(tfs, out=pos_offsets[1:])
    return FieldPostings(terms=vocabulary, term_ids=term_ids, offsets=offsets, docs=docs, tfs=tfs,
                         pos_offsets=pos_offsets, positions=positions, lengths=lengths)


# ---------------------------------------------------------------------------------------------------
# A generation: segments end to end


class TermView:
    """The postings of one searcher generation, in Whoosh's document numbering."""

    def __init__(self, segments: list[tuple[SegmentTerms, int]], size: int, live: np.ndarray):
        self.segments = segments  # (segment, first document number)
        self.size = size
        self.live = live
        self.live_count = max(int(live.sum()), 1)
        self._readings: dict[tuple[str, int], list[tuple[str, float]]] = {}  # romanised words read, per view
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of a term in a field, live documents only."""
        docs, tfs = [], []
        for segment, first in self.segments:
            found = segment.fields[field].postings(term)
            if found is not None:
                docs.append(found[0].astype(np.int64) + first)
                tfs.append(found[1])
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        docs_all = np.concatenate(docs) if len(docs) > 1 else docs[0]
        tfs_all = np.concatenate(tfs) if len(tfs) > 1 else tfs[0]
        keep = self.live[docs_all]
        return docs_all[keep], tfs_all[keep]

    def phrase(self, field: str, terms: list[str], slop: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, occurrences) of the terms in order, each within ``slop`` of the previous."""
        docs_out, counts_out = [], []
        for segment, first in self.segments:
            fp = segment.fields[field]
            found = [fp.postings(term) for term in terms]
            if any(f is None for f in found):
                continue
            candidates = found[0][0]
            for docs, _tfs, _start in found[1:]:
                candidates = _intersect_sorted(candidates, docs)
                if not len(candidates):
                    break
            candidates = candidates[self.live[candidates.astype(np.int64) + first]]
            if not len(candidates):
                continue
            keys = None
            for i, (docs, tfs, start) in enumerate(found):
                where = np.searchsorted(docs, candidates)  # candidates are a subset of docs
                counts = tfs[where]
                positions = _gather(fp.positions, fp.pos_offsets[start + where], counts)
                doc_of = np.repeat(candidates.astype(np.int64), counts)
                if i:  # an occurrence before position i cannot be the phrase's word i
                    after = positions >= i
                    doc_of, positions = doc_of[after], positions[after]
                # Key each occurrence by document and the position the phrase would start at: ascending,
                # as documents are and each document's positions are.
                word_keys = (doc_of << 32) | (positions.astype(np.int64) - i)
                if keys is None:
                    keys = word_keys
                elif slop <= 1:
                    keys = _intersect_sorted(keys, word_keys)  # both ascending: documents, then positions
                else:  # a start survives if word i appears within slop of where it is expected
                    keys = np.unique(np.concatenate([np.intersect1d(keys, word_keys - s) for s in range(slop)]))
                if not len(keys):
                    break
            if keys is None or not len(keys):
                continue
            key_docs = keys >> 32  # ascending: count each document's run
            starts = np.flatnonzero(np.concatenate(([True], key_docs[1:] != key_docs[:-1])))
            docs, counts = key_docs[starts], np.diff(np.append(starts, len(keys)))
            docs_out.append(docs + first)
            counts_out.append(counts.astype(np.int32))
        if not docs_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        return np.concatenate(docs_out), np.concatenate(counts_out)

    def lengths(self, field: str) -> np.ndarray:
        """The field's length of every document (float64, indexed by document number)."""
        found = self._lengths.get(field)
        if found is None:
            found = np.zeros(self.size, dtype=np.float64)
            for segment, first in self.segments:
                lengths = segment.fields[field].lengths
                found[first:first + len(lengths)] = lengths
            self._lengths[field] = found
        return found

    def average_length(self, field: str) -> float:
        found = self._average.get(field)
        if found is None:
            found = self._average[field] = max(float(self.lengths(field)[self.live].sum()) / self.live_count, 1.0)
        return found

    # -- vocabulary ----------------------------------------------------------------------------------

    def words_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Whole words starting with ``prefix``, most frequent first (at most ``limit``)."""
        dfs: collections.Counter = collections.Counter()
        for segment, _first in self.segments:
            for df, word in segment.words_with_prefix(prefix, 2000):
                dfs[word] += df
        return [word for word, _ in sorted(dfs.items(), key=lambda item: (-item[1], item[0]))[:limit]]

    def word_df(self, word: str) -> int:
        return sum(segment.word_df(word) for segment, _first in self.segments)

    def hindi_words_like(self, latin_word: str, limit: int = 3) -> list[str]:
        """The library's Devanagari words a romanised word may stand for (kb.search.romanised), closest
        first."""
        return [word for word, _ in self.hindi_readings(latin_word, limit)]

    def hindi_readings(self, latin_word: str, limit: int = 3) -> list[tuple[str, float]]:
        """(Devanagari word, closeness) a romanised word may stand for: the library's words sharing a loose
        key with it, ranked by how close their spelled forms are (kb.search.romanised)."""
        cached = self._readings.get((latin_word, limit))
        if cached is not None:
            return cached
        dfs: collections.Counter = collections.Counter()
        for key in latin_keys(latin_word):
            for segment, _first in self.segments:
                for df, word in segment.hindi_words_with_key(key):
                    dfs[word] += df
        readings = best_readings(latin_word, dfs, limit)
        if len(self._readings) < 4096:
            self._readings[(latin_word, limit)] = readings
        return readings

    def closest_word(self, word: str, maxdist: int) -> str | None:
        """The known word nearest to ``word`` (fewest edits, then most frequent), within ``maxdist``."""
        candidates: set[str] = set()
        for segment, _first in self.segments:
            candidates |= segment.near_words(word, maxdist)
        scored = []
        for candidate in candidates:
            if candidate == word:
                continue
            distance = _edit_distance(word, candidate, maxdist)
            if distance <= maxdist:
                scored.append((distance, -self.word_df(candidate), candidate))
        return min(scored)[2] if scored else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance; anything above ``limit`` is limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2 = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (previous2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]):
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def build_from_stored(leaf, document_texts) -> SegmentTerms:
    """A segment's arrays from its stored fields (for a segment written without a sidecar)."""
    builder = SegmentTermsBuilder()
    for docnum in range(leaf.doc_count_all()):
        texts = document_texts(leaf.stored_fields(docnum))
        builder.add(analyse_document(texts) if texts else None)
    return builder.finish()


__all__ = ["TEXT_FIELDS", "DocumentTerms", "analyse_document", "SegmentTerms", "SegmentTermsBuilder",
           "TermView", "sidecar_path", "build_from_stored"]
