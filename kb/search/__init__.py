"""Search over published cases. The only package that imports Whoosh.

The rest of kb calls this small interface:

    search(q, filters, sort, page, per_page) -> SearchResults
    similar(public_id, limit)                -> [public ids]
    sync()      apply pending outbox rows to this host's index
    rebuild()   build a fresh index from the database and swap it in atomically
    check()     compare index and database (ids and versions)
    ensure_index()  rebuild if the index is missing or unreadable

The database is the source of truth. Changes to what is published queue outbox rows in their own
transaction (kb.search.outbox); after the commit, the row is applied to the index, either at once in the
committing process (``KB_INDEX_SYNC=inline``, the default for the CLI and tests) or by a background thread
in each web worker (``background``, what ``kb serve`` uses), which also polls so that nothing queued by
another process or host waits more than a second. ``manual`` leaves it to ``kb index sync``.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import threading
import time

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb.search.engine import SearchEngine, SearchResults
from kb.search.glossary import counterparts
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
    engine = SearchEngine(app.config["KB_INDEX_DIR"], processes=app.config.get("KB_INDEX_PROCESSES"))
    app.extensions["kb_search"] = engine
    if mode == "background":
        BackgroundSyncer(app).start()


def _engine() -> SearchEngine:
    return current_app.extensions["kb_search"]


def _session_factory():
    from kb.extensions import db

    engine = db.engine
    return lambda: Session(engine)


# ---------------------------------------------------------------------------------------------------
# Reading


def search(q: str | None, filters: dict[str, list] | None = None, sort: str = "relevance", page: int = 1,
           per_page: int = 20, ids_only: bool = False, exclude: frozenset[str] = frozenset()) -> SearchResults:
    """Search published cases; ``filters`` maps a facet (mmp, mmp_category, state, year, tag, language,
    evidence) to the values to keep (OR within a facet, AND across facets); ``exclude`` names public ids
    to leave out (results and counts). ``ids_only`` leaves the hits' titles and highlights empty (for
    exports and feeds, which load the cases themselves)."""
    return _with_index(lambda engine: engine.search(q, filters or {}, sort, page, per_page, ids_only=ids_only,
                                                    exclude=exclude))


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
    elif mode == "background":
        BackgroundSyncer.wake(app)


class BackgroundSyncer(threading.Thread):
    """A daemon thread per web worker: applies pending rows as soon as it is woken, and polls each second.

    Several workers and hosts may run one each: the writer lock lets one apply while the others skip,
    and an outbox row stays queued until an index commit that includes its cursor, so nothing queued is
    lost if a worker is killed.
    """

    POLL_SECONDS = 1.0

    def __init__(self, app: Flask):
        super().__init__(name="kb-search-sync", daemon=True)
        self.app = app
        self.woken = threading.Event()
        app.extensions["kb_search_syncer"] = self

    @classmethod
    def wake(cls, app: Flask) -> None:
        syncer = app.extensions.get("kb_search_syncer")
        if syncer is not None:
            syncer.woken.set()

    def run(self) -> None:
        while True:
            self.woken.wait(self.POLL_SECONDS)
            self.woken.clear()
            try:
                with self.app.app_context():
                    self._sync_if_pending()
            except Exception:
                log.exception("background search sync failed; will retry")
                time.sleep(self.POLL_SECONDS)

    def _sync_if_pending(self) -> None:
        engine: SearchEngine = self.app.extensions["kb_search"]
        factory = _session_factory()
        with factory() as session:
            newest = latest_id(session)
        if not engine.store.exists() or newest > engine.cursor():
            try:
                engine.store.apply_pending(factory, blocking=False)
            except IndexBusy:
                pass
