"""Backups that restore: ``kb backup DIR`` writes a consistent copy of the library, ``kb restore DIR``
brings it back into an empty instance.

What a backup folder holds:
- ``database.sqlite3`` (SQLite, copied with SQLite's online backup API: a consistent snapshot while the
  site keeps serving) or ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``: one consistent
  transaction snapshot). Attachments live in the database (``attachment_blobs``), so they come along.
- ``manifest.json``: when, which database, the schema's migration, the rows of every table, and whether
  a secret key is configured (never its value: a restored site with another key only logs its users out).

The search index is not backed up: it is rebuilt from the restored database, as ``kb index rebuild``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from kb.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be done (the message says why)."""


def table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables}


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _secret_key_present(instance_dir: str) -> str:
    if os.environ.get("KB_SECRET_KEY"):
        return "environment (KB_SECRET_KEY)"
    if (Path(instance_dir) / "secret_key").exists():
        return "instance/secret_key (copy it separately to keep sessions valid after a restore)"
    return "none"


def backup(folder: Path, *, instance_dir: str) -> dict:
    """Write a backup into ``folder`` (new or empty); returns the manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; give a new folder for each backup")
    folder.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    url = engine.url
    db.session.rollback()
    if url.get_backend_name() == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        database_file = target.name
    elif url.get_backend_name() == "postgresql":
        target = folder / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
              _libpq_url(url)])
        database_file = target.name
    else:  # pragma: no cover - kb runs on SQLite and PostgreSQL only
        raise BackupError(f"cannot back up a {url.get_backend_name()} database")
    with engine.connect() as connection:
        migration = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    manifest = {
        "format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "database": url.get_backend_name(), "database_file": database_file, "migration": migration,
        "rows": table_counts(), "bytes": (folder / database_file).stat().st_size,
        "secret_key": _secret_key_present(instance_dir),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore(folder: Path) -> dict:
    """Load the backup in ``folder`` into this instance's database, which must be empty (no tables, or
    only an empty schema), then rebuild the search index. Returns the manifest, with the restored rows."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{folder} holds no {MANIFEST}: not a kb backup")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    engine = db.engine
    url = engine.url
    db.session.remove()
    if inspect(engine).get_table_names():
        raise BackupError("the database is not empty: restore into a new, empty database")
    backend = url.get_backend_name()
    if backend != manifest["database"]:
        raise BackupError(f"the backup is of a {manifest['database']} database, this instance uses {backend}")
    source = folder / manifest["database_file"]
    if backend == "sqlite":
        engine.dispose()  # no connection may keep the empty file open while it is replaced
        for suffix in ("-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, url.database)
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", _libpq_url(url), str(source)])
    restored = table_counts()
    if restored != manifest["rows"]:
        raise BackupError(f"restored rows differ from the backup's: {restored} != {manifest['rows']}")
    from kb import search

    manifest["indexed"] = search.rebuild()
    return manifest


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()[:500]}") from None
