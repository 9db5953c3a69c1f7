"""The index on disk: generations, the writer lock, the outbox cursor, sync and rebuild.

Layout under ``KB_INDEX_DIR``::

    current -> gen-20261124T120000-ab12    symlink, swapped atomically by a rebuild
    gen-.../                               a complete Whoosh index
    writer.lock                            fcntl lock: one writer (sync or rebuild) per host

Readers open whatever ``current`` points at; a rebuild writes a new generation beside it and swaps the
symlink (``rename`` is atomic), so searches keep working during a rebuild. The outbox cursor is a stored
field of one meta document, written in the same Whoosh commit as the changes it covers: after a crash the
index and its cursor agree, and re-applying rows is harmless because applying re-reads each case's current
published state and updates by unique id.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import logging
import os
import secrets
import shutil
import time
import warnings
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from whoosh import index as whoosh_index
from whoosh.query import Term

from kb.models import Case, SearchOutbox, SearchOutboxState
from kb.search.documents import META_ID, build_schema, case_document, meta_document

log = logging.getLogger(__name__)
BATCH = 500


class IndexBusy(Exception):
    """Another process holds the writer lock (it will apply what is pending)."""


class IndexStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # -- paths and opening ---------------------------------------------------------------------------

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current_path(self) -> Path | None:
        try:
            return self.root / os.readlink(self.current_link)
        except OSError:
            return None

    def exists(self) -> bool:
        path = self.current_path()
        return path is not None and whoosh_index.exists_in(str(path))

    def open(self):
        path = self.current_path()
        if path is None:
            raise whoosh_index.EmptyIndexError(f"no index at {self.current_link}")
        # Whoosh leaves the table-of-contents file open when it cannot parse it and the handle is only
        # reclaimed by garbage collection: collect it here, quietly, instead of leaking a descriptor (and
        # a ResourceWarning) per failed attempt.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                return whoosh_index.open_dir(str(path))
            except Exception as error:
                failure = error
                link = error
                while link is not None:  # tracebacks keep Whoosh's frames, and so the file, alive
                    link.__traceback__ = None
                    link = link.__cause__ or link.__context__
            gc.collect()
        raise failure

    def is_healthy(self) -> bool:
        """The index opens, and a searcher can read its meta document."""
        try:
            ix = self.open()
            with ix.searcher() as searcher:
                searcher.document(id=META_ID)
            ix.close()
            return True
        except Exception as error:  # any failure to read means: rebuild
            log.warning("search index at %s is not usable: %s", self.root, error)
            return False

    # -- locking -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def writer_lock(self, blocking: bool = True, timeout: float | None = None) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / "writer.lock", "a+")
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not blocking or (deadline is not None and time.monotonic() > deadline):
                        raise IndexBusy(str(self.root)) from None
                    time.sleep(0.05)
            yield
        finally:
            handle.close()  # closing releases the flock

    # -- the cursor ----------------------------------------------------------------------------------

    def cursor(self, ix=None) -> int:
        own = ix is None
        ix = ix or self.open()
        try:
            with ix.searcher() as searcher:
                meta = searcher.document(id=META_ID)
            return int(meta["cursor"]) if meta else 0
        finally:
            if own:
                ix.close()

    # -- applying the outbox -------------------------------------------------------------------------

    def apply_pending(self, session_factory: Callable[[], Session], *, blocking: bool = False) -> int:
        """Apply pending outbox rows in batches; returns the number of rows applied.

        Non-blocking by default: if another process is writing, it will apply them (it loops until
        nothing is pending), and the caller's request is never held up or failed by a ``LockError``.
        """
        with self.writer_lock(blocking=blocking, timeout=60 if blocking else None):
            if not self.exists():
                self._rebuild_locked(session_factory)
                return 0
            ix = self.open()
            if self._behind_pruned_rows(ix, session_factory):
                ix.close()
                self._rebuild_locked(session_factory)
                return 0
            applied = 0
            try:
                while True:
                    cursor = self.cursor(ix)
                    with session_factory() as session:
                        rows = session.execute(
                            select(SearchOutbox.id, SearchOutbox.case_id)
                            .where(SearchOutbox.id > cursor).order_by(SearchOutbox.id).limit(BATCH)
                        ).all()
                        if not rows:
                            return applied
                        case_ids = {case_id for _, case_id in rows}
                        cases = _load_cases(session, select(Case).where(Case.id.in_(case_ids)))
                        writer = ix.writer(timeout=30)
                        try:
                            for case in cases:
                                if case.published_revision is not None:
                                    writer.update_document(**case_document(case))
                                else:
                                    writer.delete_by_term("id", case.public_id)
                            writer.update_document(**meta_document(rows[-1][0]))
                            writer.commit()
                        except BaseException:
                            writer.cancel()
                            raise
                    applied += len(rows)
                    log.info("search index: applied %d outbox rows (cursor %d)", len(rows), rows[-1][0])
            finally:
                ix.close()

    def _behind_pruned_rows(self, ix, session_factory) -> bool:
        with session_factory() as session:
            pruned = session.scalar(select(SearchOutboxState.pruned_through)) or 0
        if pruned and self.cursor(ix) < pruned:
            log.warning("search index cursor is older than pruned outbox rows: rebuilding")
            return True
        return False

    # -- rebuilding ----------------------------------------------------------------------------------

    def rebuild(self, session_factory: Callable[[], Session], progress: Callable[[int, int], None] | None = None) -> int:
        with self.writer_lock(blocking=True, timeout=600):
            return self._rebuild_locked(session_factory, progress)

    def _rebuild_locked(self, session_factory, progress=None) -> int:
        started = time.perf_counter()
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir()
        ix = whoosh_index.create_in(str(path), build_schema())
        count = 0
        with session_factory() as session:
            # The cursor is read before the cases: every outbox row up to it is committed (see
            # kb.search.outbox) and so reflected in the cases read afterwards; later rows are applied by
            # the next sync, and applying a row twice is harmless.
            cursor = session.scalar(select(func.max(SearchOutbox.id))) or 0
            total = session.scalar(select(func.count()).select_from(Case).where(Case.published_revision_id.is_not(None)))
            writer = ix.writer(limitmb=256)
            try:
                query = select(Case).where(Case.published_revision_id.is_not(None)).order_by(Case.id)
                for case in _load_cases(session, query, stream=True):
                    writer.add_document(**case_document(case))
                    count += 1
                    if progress and (count % 1000 == 0 or count == total):
                        progress(count, total)
                writer.add_document(**meta_document(cursor))
                writer.commit()
            except BaseException:
                writer.cancel()
                shutil.rmtree(path, ignore_errors=True)
                raise
        ix.close()
        self._swap_to(name)
        log.info("search index rebuilt: %d cases in %.1f s (cursor %d)", count, time.perf_counter() - started, cursor)
        return count

    def _swap_to(self, name: str) -> None:
        previous = self.current_path()
        temporary = self.root / f".current-{secrets.token_hex(4)}"
        os.symlink(name, temporary)
        os.replace(temporary, self.current_link)
        # Keep the generation just replaced (searchers may still read it); remove older ones.
        keep = {name, previous.name if previous else None}
        for entry in self.root.glob("gen-*"):
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    # -- comparing with the database -----------------------------------------------------------------

    def indexed_versions(self) -> dict[str, int]:
        ix = self.open()
        try:
            with ix.searcher() as searcher:
                return {
                    fields["id"]: int(fields["version"])
                    for docnum, fields in searcher.reader().iter_docs()
                    if fields.get("kind") == "case"
                }
        finally:
            ix.close()

    def delete_case_documents(self, public_ids) -> None:  # used by tests to simulate drift
        ix = self.open()
        with ix.writer() as writer:
            for public_id in public_ids:
                writer.delete_by_query(Term("id", public_id))
        ix.close()


def _load_cases(session: Session, query, stream: bool = False):
    from kb.models import Revision

    query = query.options(
        joinedload(Case.mmp), joinedload(Case.state), selectinload(Case.tags),
        joinedload(Case.published_revision).load_only(Revision.id, Revision.number, Revision.title,
                                                      Revision.summary, Revision.body, Revision.published_at),
    )
    if stream:
        return _batched(session, query)
    return session.scalars(query).unique().all()


def _batched(session: Session, query, size: int = 500):
    """Yield cases in id order, one batch at a time, without holding the whole library in memory."""
    last = 0
    while True:
        batch = session.scalars(query.where(Case.id > last).limit(size)).unique().all()
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        session.expunge_all()

