"""Dense retrieval: each index generation's case vectors as one matrix, and a query's similarities.

Vectors live in the database (kb.models.SearchVector), keyed by the hash of the text they were computed
from (kb.search.embeddings); the index stores each case's key (``vector_key``). Per generation, the
matrix is assembled from the previous generation's rows (most keys are unchanged) plus a database read
of the rest. Cases whose vectors are not computed yet (a case approved a moment ago) are found by
keywords only; their keys are looked up again at most every RECHECK_SECONDS, so a new vector is used
within seconds of being stored. ``embed_missing`` computes what is missing, off the request path (the
index's sync thread, or ``kb index embed``).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Protocol

import numpy as np

from kb.search.embeddings import DIMENSIONS, Embedder

log = logging.getLogger(__name__)
RECHECK_SECONDS = 2.0
LOAD_CHUNK = 500


class VectorStore(Protocol):
    def load(self, keys: list[str]) -> dict[str, np.ndarray]: ...

    def save(self, vectors: dict[str, np.ndarray]) -> None: ...


class DenseIndex:
    def __init__(self, embedder: Embedder, store: VectorStore):
        self.embedder = embedder
        self.store = store
        self._lock = threading.RLock()
        self._generation = None
        self._matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._has = np.zeros(0, dtype=bool)
        self._keyed = np.zeros(0, dtype=bool)  # documents that are cases (the meta document has no key)
        self._row_of: dict[str, int] = {}  # key -> row of the current matrix
        self._checked = 0.0

    def matrix(self, generation, keys: list) -> tuple[np.ndarray, np.ndarray]:
        """(vectors by document number, which documents have one) for a generation's ``keys``."""
        with self._lock:
            if generation != self._generation:
                self._assemble(generation, keys)
            elif (self._keyed & ~self._has).any() and time.monotonic() - self._checked > RECHECK_SECONDS:
                self._fill_missing(keys)
            return self._matrix, self._has

    def _assemble(self, generation, keys: list) -> None:
        matrix = np.zeros((len(keys), DIMENSIONS), dtype=np.float32)
        has = np.zeros(len(keys), dtype=bool)
        for docnum, key in enumerate(keys):
            row = self._row_of.get(key) if key else None
            if row is not None:
                matrix[docnum] = self._matrix[row]
                has[docnum] = True
        self._matrix, self._has, self._generation = matrix, has, generation
        self._keyed = np.fromiter((bool(key) for key in keys), dtype=bool, count=len(keys))
        self._row_of = {key: docnum for docnum, key in enumerate(keys) if key and has[docnum]}
        self._fill_missing(keys)

    def _fill_missing(self, keys: list) -> None:
        self._checked = time.monotonic()
        missing = [(docnum, keys[docnum]) for docnum in np.flatnonzero(self._keyed & ~self._has).tolist()]
        if not missing:
            return
        try:
            found: dict[str, np.ndarray] = {}
            wanted = sorted({key for _, key in missing})
            for start in range(0, len(wanted), LOAD_CHUNK):
                found.update(self.store.load(wanted[start:start + LOAD_CHUNK]))
        except Exception:  # the database is the source of truth; without it, keywords still work
            log.exception("dense search: could not read stored vectors")
            return
        for docnum, key in missing:
            vector = found.get(key)
            if vector is not None and len(vector) == DIMENSIONS:
                self._matrix[docnum] = vector
                self._has[docnum] = True
                self._row_of.setdefault(key, docnum)

    def missing(self, generation, keys: list) -> list[int]:
        """Document numbers of the generation that have no vector yet, in this process or in the store.

        The store is read again first: every web worker's sync thread asks this after each change, and
        without the read each would compute (and throw away) the vector another worker stored a moment
        ago, which cost several embeddings per approval under load."""
        with self._lock:
            self.matrix(generation, keys)
            if (self._keyed & ~self._has).any():
                self._fill_missing(keys)
            return np.flatnonzero(self._keyed & ~self._has).tolist()

    def similarities(self, generation, keys: list, text: str) -> np.ndarray | None:
        """Cosine similarity of every document to the query (-1 where there is no vector), or None when no
        document has a vector."""
        matrix, has = self.matrix(generation, keys)
        if not has.any():
            return None
        # einsum, not BLAS: OpenBLAS's threads spin against each other on a busy 2-core machine (gemv took
        # 3x longer under load); einsum's single-threaded loop reads the matrix once.
        sims = np.einsum("ij,j->i", matrix, self.embedder.query(text))
        if not has.all():
            sims[~has] = -1.0
        return sims

    def like(self, generation, keys: list, docnum: int) -> np.ndarray | None:
        """Similarity of every document to one document of the generation (None if it has no vector)."""
        matrix, has = self.matrix(generation, keys)
        if docnum >= len(has) or not has[docnum]:
            return None
        sims = np.einsum("ij,j->i", matrix, matrix[docnum])
        sims[~has] = -1.0
        return sims


def embed_missing(dense: DenseIndex, passages: dict[str, str], budget_seconds: float | None = None) -> int:
    """Compute and store the vectors of ``passages`` (key -> text), until done or the budget is spent;
    returns how many were stored."""
    started = time.monotonic()
    stored = 0
    batch: dict[str, np.ndarray] = {}
    for key, text in passages.items():
        batch[key] = dense.embedder.passage(text)
        if len(batch) >= 20:
            dense.store.save(batch)
            stored += len(batch)
            batch = {}
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
    if batch:
        dense.store.save(batch)
        stored += len(batch)
    if stored:
        with dense._lock:
            dense._checked = 0.0  # look the new vectors up at the next search
    return stored
