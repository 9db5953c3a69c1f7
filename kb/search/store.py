"""The index on disk: generations, the writer lock, the outbox cursor, sync and rebuild.

Layout under ``KB_INDEX_DIR``::

    current -> gen-20261124T120000-ab12    symlink, swapped atomically by a rebuild
    gen-.../                               a complete Whoosh index
    writer.lock                            fcntl lock: one writer (sync or rebuild) per host

Readers open whatever ``current`` points at; a rebuild writes a new generation beside it and swaps the
symlink (``rename`` is atomic), so searches keep working during a rebuild. Every segment has its term
arrays beside it (``MAIN_<segid>.kbterms``, kb.search.termindex), written by ``TermRecordingWriter``
before the segment is listed in a table of contents, so a reader never finds a segment without them.

A rebuild splits the library between worker processes (``KB_INDEX_PROCESSES``, one per core by
default; only from a process with no other thread); each writes its own segment, and the parent lists
them all in one commit. Syncing adds small
segments; ``merge_small_segments`` folds them together once there are several, and never rewrites a
segment of more than SMALL_SEGMENT_DOCS documents: the rebuild's, and those that grow from merges.
A rebuild compacts everything again (their deleted documents are dropped then): schedule one, e.g.
nightly, on a busy site (20,000 cases take ~20 s).

The outbox cursor is a stored field of one meta document, written in the same Whoosh commit as the
changes it covers: after a crash the index and its cursor agree, and re-applying rows is harmless
because applying re-reads each case's current published state and updates by unique id.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gc
import logging
import multiprocessing
import os
import pickle
import secrets
import shutil
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
import numpy as np
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.reading import SegmentReader
from whoosh.writing import PostingPool, SegmentWriter

from kb.config import default_index_processes
from kb.models import Case, SearchOutbox, SearchOutboxState
from kb.search.documents import INDEX_FORMAT, META_ID, build_schema, case_document, meta_document
from kb.search.termindex import TEXT_FIELDS, SegmentTerms, SegmentTermsBuilder, sidecar_path

log = logging.getLogger(__name__)
BATCH = 500
# Segments of up to this many documents are merged by syncs (copying a document costs Whoosh ~3 ms, and
# a sync must stay short); larger ones, and every segment of a rebuild (which makes none this small
# unless the library is tiny), only by the next rebuild.
SMALL_SEGMENT_DOCS = 100
MERGE_AT = 6  # merge the small segments once there are this many
PARALLEL_FROM = 2000  # a rebuild of fewer cases than this runs in one process
WRITER_MB = 1024  # Whoosh's in-memory posting pool per writer before it spills runs to disk


class _PostingPool(PostingPool):
    """Whoosh's posting pool without its per-posting type assertions and size arithmetic: every posting
    is counted at a fixed estimate of its size. Only the keyword, id and number fields' postings pass
    through it; text fields have none in Whoosh (they are in the term arrays)."""

    POSTING_BYTES = 200

    def add(self, item):
        self.current.append(item)
        self.currentsize += self.POSTING_BYTES
        if self.currentsize > self.limit:
            self.save()


class TermRecordingWriter(SegmentWriter):
    """A Whoosh segment writer that writes the segment's term arrays beside it.

    Documents carry their analysis under ``_kb_terms`` and give Whoosh an empty value to index for
    each text field (plus the text to store), so Whoosh keeps no postings of text fields: the arrays
    are the only ones, and all kb searches. Segments merged into this one contribute their arrays,
    restricted to live documents, in the order Whoosh copies their documents (``add_reader``). When the
    segment is flushed, the arrays are finished once and written beside the segment as its sidecar.
    Whoosh's per-document lengths of text fields stay 0: kb scores with the lengths in the arrays.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = _PostingPool(self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128))
        self.terms = SegmentTermsBuilder()
        self._finished: SegmentTerms | None = None
        # Whoosh reads every document's field length back per posting to keep per-block length bounds,
        # which only its own block-skipping scorer uses.
        self.codec.length_stats = False

    def add_document(self, **fields):
        self.terms.add(fields.get("_kb_terms"))
        super().add_document(**fields)

    def add_reader(self, reader):
        segment = reader.segment()
        arrays = load_segment_terms(self.storage.folder, segment, reader)
        self.terms.add_segment(arrays, np.fromiter(reader.all_doc_ids(), dtype=np.int64))
        super().add_reader(reader)

    def _flush_segment(self):
        self.perdocwriter.close()
        self._finished = self.terms.finish()
        # Whoosh gets the postings of the id, keyword and number fields only: the text fields' postings
        # live in the term arrays alone, which are all kb searches.
        self.fieldwriter.add_postings(self.schema, None, self._other_postings())
        self.fieldwriter.close()

    def _other_postings(self):
        """The pool's postings, in Whoosh's order (field, term bytes, document), without text fields'
        (a merged segment's documents arrive with their text fields' postings from Whoosh)."""
        return (item for item in self.pool.iter_postings() if item[0] not in TEXT_FIELDS)

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        # Written before the new table of contents names the segment (Whoosh's compound file is
        # assembled by now, so the sidecar is not packed into it).
        self._finished.save(sidecar_path(self.storage.folder, segment))
        return segment


def merge_small_segments(writer, segments):
    """Whoosh merge policy: fold the small segments together once there are MERGE_AT of them, and drop
    segments with no live document; the rebuild's large segments are left as they are."""
    empty = [s for s in segments if s.doc_count() == 0]
    small = [s for s in segments if s.doc_count_all() <= SMALL_SEGMENT_DOCS and s not in empty]
    merge = empty + (small if len(small) >= MERGE_AT else [])
    for segment in merge:
        if segment.doc_count():
            writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
    return [s for s in segments if s not in merge]


def load_segment_terms(folder, segment, leaf=None) -> SegmentTerms:
    """A segment's term arrays; a segment written without them (by plain Whoosh) gets them built from
    its stored fields, and written, when a reader for it is given."""
    path = sidecar_path(folder, segment)
    try:
        return SegmentTerms.load(path)
    except FileNotFoundError:
        if leaf is None:
            raise
    from kb.search.documents import document_texts
    from kb.search.termindex import build_from_stored

    log.warning("search index segment %s has no term arrays: building them", segment.segment_id())
    terms = build_from_stored(leaf, document_texts)
    terms.save(path)
    return terms


class IndexBusy(Exception):
    """Another process holds the writer lock (it will apply what is pending)."""


class IndexStore:
    def __init__(self, root: str | os.PathLike, processes: int | None = None):
        self.root = Path(root)
        # Processes a rebuild of PARALLEL_FROM or more cases uses (KB_INDEX_PROCESSES).
        self.processes = processes or default_index_processes()

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
                meta = searcher.document(id=META_ID)
            ix.close()
            if meta is None or meta.get("version") != INDEX_FORMAT:
                raise ValueError(f"index format {meta and meta.get('version')}, expected {INDEX_FORMAT}")
            return True
        except Exception as error:  # any failure to read means: rebuild
            log.warning("search index at %s is not usable: %s", self.root, error)
            return False

    # -- locking -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def writer_lock(self, blocking: bool = True, timeout: float | None = None,
                    name: str = "writer.lock") -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / name, "a+")
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
                        writer = TermRecordingWriter(ix, timeout=30)
                        try:
                            for case in cases:
                                if case.published_revision is not None:
                                    writer.update_document(**case_document(case))
                                else:
                                    writer.delete_by_term("id", case.public_id)
                            writer.update_document(**meta_document(rows[-1][0]))
                            writer.commit(mergetype=merge_small_segments)
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

    def _rebuild_locked(self, session_factory, progress=None, processes: int | None = None) -> int:
        started = time.perf_counter()
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir()
        ix = whoosh_index.create_in(str(path), build_schema())
        try:
            with session_factory() as session:
                # The cursor is read before the cases: every outbox row up to it is committed (see
                # kb.search.outbox) and so reflected in the cases read afterwards; later rows are applied
                # by the next sync, and applying a row twice is harmless.
                cursor = session.scalar(select(func.max(SearchOutbox.id))) or 0
                ids = session.scalars(
                    select(Case.id).where(Case.published_revision_id.is_not(None)).order_by(Case.id)).all()
            processes = processes or self.processes
            if processes > 1 and len(ids) >= PARALLEL_FROM and not _runs_other_threads():
                segments = _build_segments_in_parallel(path, session_factory, ids, processes, progress)
            else:
                segments = [_build_segment(path, session_factory, ids, progress, len(ids))] if ids else []
            writer = TermRecordingWriter(ix)
            try:
                writer.add_document(**meta_document(cursor))
                segments.append(writer._finalize_segment())
                writer._commit_toc(segments)
            finally:
                writer._finish()
        except BaseException:
            ix.close()
            shutil.rmtree(path, ignore_errors=True)
            raise
        ix.close()
        self._swap_to(name)
        log.info("search index rebuilt: %d cases in %.1f s (cursor %d, %d segment(s))",
                 len(ids), time.perf_counter() - started, cursor, len(segments))
        return len(ids)

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


def _runs_other_threads() -> bool:
    """A process forked while another thread holds a lock (SQLAlchemy's caches, a connection pool) gets
    that lock locked for good. The CLI is single-threaded and forks; a web worker (server threads, the
    background sync thread), whose rebuilds are rare self-repairs, builds in its own process."""
    if threading.active_count() > 1:
        log.info("search index rebuild runs in this process: it has other threads, so it does not fork")
        return True
    return False


def _build_segment(path: Path, session_factory, ids: list[int], progress=None, total: int = 0, done_before: int = 0):
    """Index the given cases into one new segment of the index at ``path``; returns the segment.

    The segment is not listed in a table of contents yet: the rebuild lists all of them at once.
    """
    ix = _OwnTempFilesStorage(str(path)).open_index()
    writer = TermRecordingWriter(ix, _lk=False, limitmb=WRITER_MB)
    # The posting pool holds millions of small tuples, and each of the cyclic garbage collector's full
    # passes walks all of them: a third of a 10,000-case segment's time. Nothing here makes cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        count = done_before
        with session_factory() as session:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                query = select(Case).where(Case.id.in_(chunk)).order_by(Case.id)
                for case in _load_cases(session, query):
                    writer.add_document(**case_document(case))
                    count += 1
                    if progress and (count % 1000 == 0 or count == total):
                        progress(count, total)
                session.expunge_all()
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise
    finally:
        writer._finish()
        ix.close()
        if collecting:
            gc.enable()
    return segment


class _OwnTempFilesStorage(FileStorage):
    """Whoosh names a writer's temporary folder after the index, and removes it when the writer
    finishes: writers working side by side need one each."""

    def temp_storage(self, name=None):
        return super().temp_storage(f"{name or 'temp'}-{os.getpid()}")  # one writer per process


def _build_segments_in_parallel(path: Path, session_factory, ids: list[int], processes: int, progress=None):
    """Split the cases into contiguous runs, one forked process (and one segment) each."""
    runs = [list(run) for run in np.array_split(np.asarray(ids, dtype=np.int64), processes) if len(run)]
    context = multiprocessing.get_context("fork")
    with session_factory() as session:
        engine = session.get_bind()
    workers = []
    for number, run in enumerate(runs):
        receiver, sender = context.Pipe(duplex=False)
        report = progress if number == 0 else None  # the first worker reports, scaled to the whole
        process = context.Process(target=_segment_worker, name=f"kb-index-{number}",
                                  args=(sender, path, session_factory, engine, [int(i) for i in run], report,
                                        len(ids), len(runs)))
        process.start()
        sender.close()
        workers.append((process, receiver))
    segments, failures = [], []
    for process, receiver in workers:
        try:
            outcome, payload = pickle.loads(receiver.recv_bytes())
        except EOFError:
            outcome, payload = "error", f"worker {process.name} exited with code {process.exitcode}"
        process.join()
        (segments if outcome == "ok" else failures).append(payload)
    if failures:
        raise RuntimeError("search index rebuild failed in a worker process: " + "; ".join(failures))
    return segments


def _segment_worker(sender, path, session_factory, engine, ids, progress, total, workers):
    try:
        engine.dispose(close=False)  # the parent's pooled connections are not this process's to use
        scaled = (lambda done, _total: progress(min(done * workers, total), total)) if progress else None
        segment = _build_segment(path, session_factory, ids, scaled, len(ids))
        sender.send_bytes(pickle.dumps(("ok", segment)))
    except BaseException as error:  # reported to the parent, which raises
        import traceback

        sender.send_bytes(pickle.dumps(("error", "".join(traceback.format_exception(error)))))
    finally:
        sender.close()
        os._exit(0)


def _load_cases(session: Session, query):
    from kb.models import Revision

    query = query.options(
        joinedload(Case.mmp), joinedload(Case.state), selectinload(Case.tags),
        joinedload(Case.published_revision).load_only(Revision.id, Revision.number, Revision.title,
                                                      Revision.summary, Revision.body, Revision.published_at),
        joinedload(Case.published_revision).selectinload(Revision.recognitions),  # the award facet
    )
    return session.scalars(query).unique().all()
