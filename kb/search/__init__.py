"""Search over published cases. The only package that imports Whoosh.

The rest of kb calls this small interface:

    search(q, filters, sort, page, per_page) -> SearchResults
    similar(public_id, limit)                -> [public ids]
    sync()      apply pending outbox rows to this host's index
    rebuild()   build a fresh index from the database and swap it in atomically
    check()     compare index and database (ids and versions, and cases without a dense vector)
    ensure_index()  rebuild if the index is missing or unreadable
    embed_pending()  compute the dense vectors the index's cases lack (kb.search.dense)
    dense_status()   "on", or "off" when dense search is configured off or its model did not load

The database is the source of truth. Changes to what is published queue outbox rows in their own
transaction (kb.search.outbox); after the commit, the row is applied to the index, either at once in the
committing process (``KB_INDEX_SYNC=inline``, the default for the CLI and tests) or by a background thread
in each web worker (``background``, what ``kb serve`` uses), which also polls so that nothing queued by
another process or host waits more than a second. ``manual`` leaves it to ``kb index sync``.

Search is hybrid (kb.search.engine): keywords (BM25F over the term arrays) fused with meaning (the
embedding model of kb.search.embeddings, vectors stored in the database by text, kb.search.dense). Dense
vectors are computed after the keywords are applied, by the same sync, so a case is found by its words
first and by its meaning seconds later.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import os
import sys
import threading
import time

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb.search.dense import DenseIndex
from kb.search.embeddings import from_bytes, get_embedder, to_bytes
from kb.search.engine import SearchEngine, SearchResults
from kb.search.glossary import counterparts
from kb.search.synonyms import synonyms
from kb.search.outbox import latest_id, take_outbox_flag
from kb.search.outbox import prune as prune_outbox
from kb.search.store import IndexBusy

__all__ = ["SearchResults", "init_app", "search", "similar", "sync", "rebuild", "check", "ensure_index",
           "prune", "sync_suspended", "IndexDifference"]

log = logging.getLogger(__name__)
SYNC_MODES = ("inline", "background", "manual")
_suspended = contextvars.ContextVar("kb_search_sync_suspended", default=False)


def init_app(app: Flask) -> None:
    mode = app.config.get("KB_INDEX_SYNC", "inline")
    if mode not in SYNC_MODES:
        raise ValueError(f"KB_INDEX_SYNC must be one of {', '.join(SYNC_MODES)}, not {mode!r}")
    counterparts()  # a mistake in the glossary file stops the start, naming its line, not every search
    synonyms()  # the same for the acronyms and synonyms file
    embedder = get_embedder(app.config.get("KB_SEARCH_DENSE", "on"), app.config.get("KB_SEARCH_MODEL_PATH") or None)
    dense = DenseIndex(embedder, DatabaseVectors()) if embedder is not None else None
    engine = SearchEngine(app.config["KB_INDEX_DIR"], processes=app.config.get("KB_INDEX_PROCESSES"), dense=dense)
    app.extensions["kb_search"] = engine
    if mode == "background":
        BackgroundSyncer(app).start()


class DatabaseVectors:
    """Stored case vectors (kb.models.SearchVector), read and written in sessions of their own."""

    def load(self, keys: list[str]) -> dict:
        from kb.models import SearchVector

        with _session_factory()() as session:
            rows = session.execute(select(SearchVector.key, SearchVector.vector).where(SearchVector.key.in_(keys)))
            return {key: from_bytes(data) for key, data in rows}

    def known(self, keys: list[str]) -> set[str]:
        from kb.models import SearchVector

        with _session_factory()() as session:
            return set(session.scalars(select(SearchVector.key).where(SearchVector.key.in_(keys))))

    def save(self, vectors: dict) -> None:
        from sqlalchemy.exc import IntegrityError

        from kb.models import SearchVector
        from kb.search.embeddings import MODEL_ID

        with _session_factory()() as session:
            known = set(session.scalars(select(SearchVector.key).where(SearchVector.key.in_(list(vectors)))))
            session.add_all([SearchVector(key=key, model=MODEL_ID, vector=to_bytes(vector))
                             for key, vector in vectors.items() if key not in known])
            try:
                session.commit()
            except IntegrityError:  # another host stored the same text's vector meanwhile: it is the same
                session.rollback()


def embed_pending(budget_seconds: float | None = None) -> int:
    """Compute the vectors the index's cases lack (dense search); returns how many were stored. Only one
    process per host embeds at a time: others return 0 at once."""
    engine = _engine()
    if engine.dense is None:
        return 0
    try:
        with engine.store.writer_lock(blocking=False, name="embed.lock"):
            return engine.embed_missing(budget_seconds)
    except IndexBusy:
        return 0


def _missing_vectors() -> int:
    """Indexed cases whose vector is not in the database (0 when dense search is off)."""
    engine = _engine()
    if engine.dense is None:
        return 0
    keys = sorted(engine.vector_keys())
    stored = 0
    for start in range(0, len(keys), 500):
        stored += len(engine.dense.store.known(keys[start:start + 500]))
    return len(keys) - stored


def dense_status() -> str:
    """"on", or "off" (configured off, or the model could not load: the log says which)."""
    return "on" if _engine().dense is not None else "off"


def _engine() -> SearchEngine:
    return current_app.extensions["kb_search"]


def _session_factory():
    from kb.extensions import db

    engine = db.engine
    return lambda: Session(engine)


# ---------------------------------------------------------------------------------------------------
# Reading


def search(q: str | None, filters: dict[str, list] | None = None, sort: str = "relevance", page: int = 1,
           per_page: int = 20, ids_only: bool = False, exclude: frozenset[str] = frozenset(),
           views: tuple | None = None) -> SearchResults:
    """Search published cases; ``filters`` maps a facet (mmp, mmp_category, state, year, tag, language,
    evidence, award) to the values to keep (OR within a facet, AND across facets); ``exclude`` names public
    ids to leave out (results and counts). ``ids_only`` leaves the hits' titles and highlights empty (for
    exports and feeds, which load the cases themselves). ``sort="views"`` ranks by ``views``: (a version
    that changes whenever the counts do, {public id: views}); ties in the default order."""
    return _with_index(lambda engine: engine.search(q, filters or {}, sort, page, per_page, ids_only=ids_only,
                                                    exclude=exclude, views=views))


def library_version() -> tuple | None:
    """Which state of the library this host's index shows: its generation and the outbox id it has
    applied, when that is the database's latest. It changes with every change to what is published (and
    with a rebuild). None while the index lags the database: what is rendered from it then may be stale,
    so nothing rendered should be kept."""
    from kb.extensions import db

    engine = _engine()
    try:
        applied = engine.cursor()
    except Exception:  # no usable index yet: nothing worth keeping either
        return None
    return (str(engine.store.current_path()), applied) if applied == latest_id(db.session) else None


def similar(public_id: str, limit: int = 5) -> list[str]:
    """Public ids of the published cases most like this one (never itself)."""
    return _with_index(lambda engine: engine.similar(public_id, limit))


def _with_index(action):
    engine = _engine()
    try:
        return action(engine)
    except Exception as error:
        if engine.store.is_healthy():
            raise
        # A missing or unreadable index is rebuilt from the database, then the search is retried.
        log.warning("search index unusable (%s): rebuilding from the database", error)
        engine.close()
        engine.store.rebuild(_session_factory())
        return action(engine)


# ---------------------------------------------------------------------------------------------------
# Writing


def sync(blocking: bool = True) -> int:
    """Apply pending outbox rows to this host's index; returns how many rows were applied."""
    try:
        return _engine().store.apply_pending(_session_factory(), blocking=blocking)
    except IndexBusy:
        return 0


def rebuild(progress=None) -> int:
    """Build a fresh index from the database and swap it in; returns the number of cases indexed."""
    return _engine().store.rebuild(_session_factory(), progress)


def ensure_index() -> bool:
    """Rebuild the index if it is missing or unreadable; True if it was rebuilt."""
    store = _engine().store
    if store.exists() and store.is_healthy():
        return False
    store.rebuild(_session_factory())
    return True


def prune(days: int = 7) -> int:
    import datetime as dt

    from kb.extensions import db

    deleted = prune_outbox(db.session, dt.timedelta(days=days))
    db.session.commit()
    return deleted


@dataclasses.dataclass
class IndexDifference:
    missing: list[str]  # published in the database, absent from the index
    extra: list[str]  # in the index, not published in the database
    stale: list[tuple[str, int, int]]  # (id, indexed version, published version)
    pending: int  # outbox rows not yet applied
    missing_vectors: int = 0  # indexed cases without a dense vector yet (0 when dense search is off)

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check() -> IndexDifference:
    from kb.extensions import db
    from kb.models import Case, Revision, format_public_id
    from kb.search.outbox import pending_count

    store = _engine().store
    indexed = store.indexed_versions() if store.exists() else {}
    rows = db.session.execute(
        select(Case.number, Revision.number).join(Revision, Revision.id == Case.published_revision_id)
    ).all()
    published = {format_public_id(number): version for number, version in rows}
    cursor = store.cursor() if store.exists() else 0
    return IndexDifference(
        missing=sorted(set(published) - set(indexed)),
        extra=sorted(set(indexed) - set(published)),
        stale=sorted((pid, indexed[pid], v) for pid, v in published.items() if pid in indexed and indexed[pid] != v),
        pending=pending_count(db.session, cursor),
        missing_vectors=_missing_vectors() if store.exists() else 0,
    )


@contextlib.contextmanager
def sync_suspended():
    """Within this block commits do not sync the index (bulk work syncs once at the end)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not take_outbox_flag(session) or _suspended.get() or not has_app_context():
        return
    app = current_app._get_current_object()
    mode = app.config.get("KB_INDEX_SYNC", "inline")
    if mode == "inline":
        try:
            app.extensions["kb_search"].store.apply_pending(_session_factory(), blocking=True)
        except Exception:  # the change is committed and queued; never fail the user's request over the index
            log.exception("search index sync after commit failed; the change stays queued")
        try:
            embed_pending()
        except Exception:
            log.exception("dense search: embedding after commit failed; it is retried by the next sync")
    elif mode == "background":
        BackgroundSyncer.wake(app)


class BackgroundSyncer(threading.Thread):
    """A daemon thread per web worker: applies pending rows shortly after it is woken, and polls each
    second; a second, low-priority thread computes the vectors the applied cases need.

    Several workers and hosts may run one each: the writer lock lets one apply while the others skip,
    and an outbox row stays queued until an index commit that includes its cursor, so nothing queued is
    lost if a worker is killed.
    """

    POLL_SECONDS = 1.0
    # Woken by a commit, the thread waits this long before applying: a burst of approvals becomes one
    # index commit (and one new searcher per worker) instead of one each. With 50 clients writing, one
    # commit per approval cost ~70 ms of CPU each, more than the approval itself (issue 13).
    GATHER_SECONDS = 0.25
    EMBED_SECONDS = 2.0  # embedding per wake-up, so that a burst of approvals does not hold up syncing
    # The embedding thread's niceness (Linux schedules threads one by one): a passage costs 35-60 ms of
    # CPU, which requests should not wait behind on a busy host; the vectors come when there is room.
    EMBED_NICENESS = 10

    def __init__(self, app: Flask):
        super().__init__(name="kb-search-sync", daemon=True)
        self.app = app
        self.woken = threading.Event()
        self.embedder = threading.Thread(target=self._embed_forever, name="kb-search-embed", daemon=True)
        self.embedder_woken = threading.Event()
        self.stopping = threading.Event()
        app.extensions["kb_search_syncer"] = self

    @classmethod
    def wake(cls, app: Flask) -> None:
        syncer = app.extensions.get("kb_search_syncer")
        if syncer is not None:
            syncer.woken.set()

    def start(self) -> None:
        super().start()
        self.embedder.start()

    def stop(self) -> None:
        """Let both threads end (tests; a web worker's threads end with the process)."""
        self.stopping.set()
        self.woken.set()
        self.embedder_woken.set()
        for thread in (self, self.embedder):
            if thread.is_alive():
                thread.join(timeout=30)
        if self.app.extensions.get("kb_search_syncer") is self:
            del self.app.extensions["kb_search_syncer"]

    def run(self) -> None:
        self._loop(self.woken, self._sync_then_wake_embedder, "background search sync failed; will retry",
                   gather_seconds=self.GATHER_SECONDS)

    def _embed_forever(self) -> None:
        _lower_this_threads_priority(self.EMBED_NICENESS)
        self._loop(self.embedder_woken, lambda: embed_pending(budget_seconds=self.EMBED_SECONDS),
                   "dense search: background embedding failed; will retry")

    def _loop(self, woken: threading.Event, work, failure: str, gather_seconds: float = 0.0) -> None:
        """Until stopped: wait to be woken (at most a poll's time), then work in the app's context."""
        while not self.stopping.is_set():
            if woken.wait(self.POLL_SECONDS) and gather_seconds:
                self.stopping.wait(gather_seconds)
            woken.clear()
            if self.stopping.is_set():
                return
            try:
                with self.app.app_context():
                    work()
            except Exception:
                log.exception(failure)
                time.sleep(self.POLL_SECONDS)

    def _sync_then_wake_embedder(self) -> None:
        if self._sync_if_pending():
            self.embedder_woken.set()

    def step(self) -> None:
        """One wake-up's work, both threads' (for tests and tools): the pending changes, then (a slice of)
        the vectors they need. A new case is found by its words first, by its meaning seconds later."""
        self._sync_if_pending()
        embed_pending(budget_seconds=self.EMBED_SECONDS)

    def _sync_if_pending(self) -> int:
        """Apply what is pending, unless another worker is at it; returns how many rows were applied."""
        engine: SearchEngine = self.app.extensions["kb_search"]
        factory = _session_factory()
        with factory() as session:
            newest = latest_id(session)
        if not engine.store.exists() or newest > engine.cursor():
            try:
                return engine.store.apply_pending(factory, blocking=False)
            except IndexBusy:
                pass
        return 0


def _lower_this_threads_priority(niceness: int) -> None:
    """Make the calling thread (alone: Linux's setpriority takes a thread id) yield the CPU to others:
    ``niceness`` more than it had, at most 19."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness))
        except OSError as error:  # not allowed here: it runs at the usual priority
            log.info("could not lower the embedding thread's priority: %s", error)
