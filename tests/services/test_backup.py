"""kb backup / kb restore: a filled instance, backed up and restored into an empty one elsewhere, has every
row of every table (cases, revisions, attachments and their files, the audit trail, accounts) and a
search index rebuilt from it; on SQLite and on PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select, text

from kb import create_app
from kb.extensions import db
from kb.services import attachments, submissions
from tests.conftest import PG_URL

# On PostgreSQL, the session's schema-reset engine (tests/conftest.py) can be collected during these
# tests, which make and drop a second database; its warning is not about backups.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _empty_database_beside(tmp_path) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'restored' / 'kb.sqlite3'}"
    server, _, name = PG_URL.rpartition("/")
    target = f"{name}_restored"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target}"'))
    engine.dispose()
    return f"{server}/{target}"


def _every_row(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                select(table).order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def filled(app, make_submission, make_user, library):
    """The seeded library, a published submission with a file and comments, and a draft."""
    case, people = make_submission("published")
    submissions.open_new_revision(people["submitter"], case.public_id)
    attachments.add_attachment(people["submitter"], case.public_id, filename="evaluation.pdf", content=PDF)
    submissions.add_comment(people["submitter"], case.public_id, "The 2024 figures are coming.")
    make_submission("draft", submitter=people["submitter"], title="A draft practice still being written")
    db.session.commit()
    return case


def test_a_backup_restores_every_row_into_an_empty_instance_and_the_index_is_rebuilt(
        app, app_config, runner, filled, tmp_path):
    folder = tmp_path / "backup-1"
    made = runner.invoke(args=["backup", str(folder)])
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["cases"] >= 40 and manifest["rows"]["attachment_blobs"] == 1
    assert "test-secret" not in (folder / "manifest.json").read_text()  # presence only, never the key

    target_url = _empty_database_beside(tmp_path)
    (tmp_path / "restored").mkdir(exist_ok=True)
    target = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": target_url,
                         "INSTANCE_DIR": str(tmp_path / "restored"), "KB_INDEX_DIR": str(tmp_path / "restored-index")})
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(folder)])
        assert restored.exit_code == 0, restored.output
    # A request of its own, with its own app context: its session is closed when the request ends.
    found = target.test_client().get("/api/v1/cases", query_string={"q": filled.published_revision.title})
    assert filled.public_id in [result["id"] for result in found.get_json()["results"]]
    with target.app_context():
        assert db.engine.pool.checkedout() == 0
        db.engine.dispose()

    db.session.remove()
    source_rows, target_rows = _every_row(app_config["SQLALCHEMY_DATABASE_URI"]), _every_row(target_url)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    assert bytes(target_rows["attachment_blobs"][0][3]) == PDF


def test_restore_refuses_a_database_that_is_not_empty(app, runner, filled, tmp_path):
    folder = tmp_path / "backup-2"
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(folder)])
    assert refused.exit_code != 0 and "not empty" in refused.output


def test_a_backup_needs_a_new_folder(app, runner, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    refused = runner.invoke(args=["backup", str(tmp_path / "used")])
    assert refused.exit_code != 0 and "not empty" in refused.output
