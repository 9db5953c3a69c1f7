"""How kb talks to its database engines, beyond what SQLAlchemy does by default.

SQLite (the embedded default) allows one writer at a time. pysqlite's own transaction handling starts
a transaction lazily, as a reader, and upgrades it at the first write; under concurrency that upgrade
fails at once with "database is locked" (the busy timeout does not apply to an upgrade), so a request
that read and then wrote got a 500. kb therefore turns pysqlite's handling off and begins every
transaction itself (SQLAlchemy's documented recipe): a request that may write (any method but GET,
HEAD, OPTIONS) begins with ``BEGIN IMMEDIATE``, taking the write lock up front so concurrent writers
queue for up to ``BUSY_TIMEOUT_MS``. A reading request, and code outside requests (commands, workers,
tests), reads in autocommit, beside the writer thanks to WAL, and takes the write lock (waiting for
it) just before its first write, if any: it never holds a read snapshot that would have to be upgraded.

The few writes a reading request makes (a session's or a token's "last seen" time) are a convenience:
``commit_if_possible`` drops them rather than failing the request if the database stays busy.
"""
from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from kb.extensions import db

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name != "sqlite":
        return
    if _only_reads():
        return  # reads run in autocommit; the first write takes the lock (``_lock_before_writing``)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


@event.listens_for(Engine, "before_cursor_execute")
def _lock_before_writing(connection, cursor, statement, parameters, context, executemany):
    """In a reading transaction, take the write lock (waiting for it) just before the first write."""
    if connection.dialect.name != "sqlite" or not statement.lstrip()[:9].upper().startswith(_WRITES):
        return
    if not connection.connection.driver_connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")


def _only_reads() -> bool:
    """A reading request, or code outside a request (a command, a worker, a test between requests):
    those take the lock at their first write, so that their reads never hold it (a command may read on
    one session while another, such as the index rebuild's, reads too)."""
    if has_request_context():
        return request.method in READING_METHODS
    return True


def commit_if_possible() -> bool:
    """Commit a reading request's bookkeeping write, or drop it if the database is busy."""
    try:
        db.session.commit()
        return True
    except OperationalError as error:
        db.session.rollback()
        log.info("bookkeeping write dropped: %s", error.orig)
        return False
