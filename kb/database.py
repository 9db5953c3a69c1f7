"""How kb talks to its database engines, beyond what SQLAlchemy does by default.

SQLite (the embedded default) allows one writer at a time. pysqlite's own transaction handling starts
a transaction lazily, as a reader, and upgrades it at the first write; under concurrency that upgrade
fails at once with "database is locked" (the busy timeout does not apply to an upgrade), so a request
that read and then wrote got a 500. kb therefore turns pysqlite's handling off and begins every write
transaction itself (SQLAlchemy's documented recipe): a request, command or worker reads in autocommit,
beside the writer thanks to WAL, and takes the write lock with ``BEGIN IMMEDIATE`` (waiting for it)
just before its first write, if any, holding it to the commit. It never holds a read snapshot that
would have to be upgraded, and it holds the one write lock only while it writes: the reads, checks and
validation before a request's first write run beside other writers (under 50 writing clients, a create
held the lock through its validation, and the lock was what the writers queued for). That is the
isolation the code already meets on PostgreSQL (read committed): what is read before the first write
may change before it, and every write that depends on it is guarded (version columns, conditional
updates, "on conflict").

Writers on one host also queue in the kernel before ``BEGIN IMMEDIATE`` (``WriterQueue``: a lock file
beside the database). SQLite's own wait polls, sleeping up to 100 ms between tries, and is unfair: with
50 clients writing, a writer that lost a few times slept while newcomers took the lock (p99 1.25 s, the
longest 2 s). A waiter in the kernel lock is woken as soon as the lock is free. SQLite's busy timeout
still covers writers from other hosts' processes and any that bypass the queue.

The few writes a reading request makes (a session's or a token's "last seen" time) are a convenience:
``commit_if_possible`` drops them rather than failing the request if the database stays busy.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from kb.extensions import db

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connection_settings(dbapi_connection, connection_record):
    """SQLite: foreign keys enforced, readers beside the writer (WAL), waiting for the lock, and no
    implicit transactions (see ``_begin``)."""
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL at every checkpoint; far fewer fsyncs
    cursor.close()


class WriterQueue:
    """This host's writers of one SQLite database, in line for its write lock: a POSIX lock on a file
    beside the database across processes, and a turn across the threads of one process (POSIX locks
    belong to the process). Held from just before ``BEGIN IMMEDIATE`` to the end of the transaction.
    Re-entrant, so a thread that writes through a second session while its first holds the turn waits
    in SQLite's busy handler as before, never on itself; and any thread may end a turn (a connection is
    sometimes given back to the pool by another thread than the one that wrote)."""

    def __init__(self, path: str):
        self.path = path
        self._turn = threading.Condition()
        self._owner: int | None = None  # the thread holding the turn
        self._depth = 0
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Wait for the turn to write; False (go on without it) if it does not come in the busy timeout."""
        me = threading.get_ident()
        with self._turn:
            if self._owner == me:
                self._depth += 1
                return True
            if not self._turn.wait_for(lambda: self._owner is None, timeout=BUSY_TIMEOUT_MS / 1000):
                return False
            self._owner, self._depth = me, 1
        try:
            # Opened per turn, not kept: a process that met many databases (the tests) would run out of
            # file descriptors; closing it also drops the lock.
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.lockf(self._fd, fcntl.LOCK_EX)  # a process holding it ends, or dies: never forever
        except OSError as error:
            log.warning("writer queue %s unusable (%s): waiting in SQLite's busy handler", self.path, error)
            self._end_turn()
            return False
        return True

    def release(self) -> None:
        with self._turn:
            self._depth -= 1
            if self._depth > 0:
                return
        self._end_turn()

    def _end_turn(self) -> None:
        with self._turn:
            if self._fd is not None:
                os.close(self._fd)  # and with it the lock
                self._fd = None
            self._owner, self._depth = None, 0
            self._turn.notify()


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(connection) -> WriterQueue | None:
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + "-writers.lock"
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            queue = _queues[path] = WriterQueue(path)
    return queue


def _begin_immediate(connection, execute) -> None:
    """Take SQLite's write lock, after this host's writers before us (``WriterQueue``)."""
    queue = _writer_queue(connection) if "kb_writer_queue" not in connection.info else None
    if queue is not None and queue.acquire():
        connection.info["kb_writer_queue"] = queue
    try:
        execute("BEGIN IMMEDIATE")
    except BaseException:
        _leave_writer_queue(connection)
        raise


def _leave_writer_queue(connection) -> None:
    queue = connection.info.pop("kb_writer_queue", None)
    if queue is not None:
        queue.release()  # the Connection's info is its pooled DBAPI connection's: see _checked_in


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _end(connection):
    # Fired just before the DBAPI commit or rollback: a writer woken now waits a millisecond or so in
    # SQLite's busy handler for it to finish.
    if connection.dialect.name == "sqlite":
        _leave_writer_queue(connection)


@event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection, connection_record):
    # A connection given back to the pool in a transaction is rolled back there, without the events
    # above: its place in the queue must not outlive it.
    queue = connection_record.info.pop("kb_writer_queue", None) if connection_record is not None else None
    if queue is not None:
        queue.release()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


@event.listens_for(Engine, "before_cursor_execute")
def _lock_before_writing(connection, cursor, statement, parameters, context, executemany):
    """Take the write lock (waiting for it) just before a transaction's first write."""
    if connection.dialect.name != "sqlite" or not statement.lstrip()[:9].upper().startswith(_WRITES):
        return
    if not connection.connection.driver_connection.in_transaction:
        _begin_immediate(connection, cursor.execute)


def commit_if_possible() -> bool:
    """Commit a reading request's bookkeeping write, or drop it if the database is busy."""
    try:
        db.session.commit()
        return True
    except OperationalError as error:
        db.session.rollback()
        log.info("bookkeeping write dropped: %s", error.orig)
        return False
