"""migrations/: upgrade from nothing gives exactly the models' schema, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from kb import create_app
from kb.extensions import db
from kb.models import StatusEvent, utcnow
from tests.conftest import PG_URL, reset_postgres_schema


def test_upgrade_on_an_empty_database_matches_the_models(tmp_path):
    url = PG_URL or f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    if PG_URL:
        reset_postgres_schema(PG_URL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # on PostgreSQL the session's other tests share this schema: leave it at head
        db.engine.dispose()

def test_audit_trail_refuses_update_and_delete(app, make_case):
    case = make_case(901)
    event_id = db.session.query(StatusEvent.id).filter_by(case_id=case.id).first()[0]
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE status_events SET note = 'rewritten' WHERE id = :id"), {"id": event_id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM status_events WHERE id = :id"), {"id": event_id})
    db.session.rollback()
    db.session.add(StatusEvent(case_id=case.id, action="note", to_status="published", created_at=utcnow()))
    db.session.commit()  # appending still works


def test_0003_gives_existing_revisions_their_cases_classification(tmp_path):
    """Revisions written before 0003 had no classification of their own: the upgrade copies the case's."""
    url = PG_URL or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if PG_URL:
        reset_postgres_schema(PG_URL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0002")
        now = utcnow()
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO mmps (id, slug, name, category, ministry) "
                                    "VALUES (1, 'land-records', 'Land Records', 'state', '')"))
            connection.execute(text("INSERT INTO states (id, code, name, kind) VALUES (1, 'KA', 'Karnataka', 'state')"))
            connection.execute(text(
                "INSERT INTO cases (id, number, slug, mmp_id, state_id, department, year_started, stage, language, "
                "created_at, updated_at) VALUES (1, 7, 'kb-0007', 1, 1, 'Revenue', 2004, 'statewide', 'hi', :now, :now)"),
                {"now": now})
            connection.execute(text("INSERT INTO tags (id, name) VALUES (1, 'kiosks'), (2, 'bhoomi')"))
            connection.execute(text("INSERT INTO case_tags (case_id, tag_id) VALUES (1, 1), (1, 2)"))
            connection.execute(text(
                "INSERT INTO revisions (id, case_id, number, title, summary, body, status, created_at) "
                "VALUES (1, 1, 1, 'Bhoomi', 's', 'b', 'published', :now)"), {"now": now})
        upgrade()
        with db.engine.connect() as connection:
            row = connection.execute(text(
                "SELECT mmp_id, state_id, department, year_started, stage, language, tag_list, lock_version "
                "FROM revisions WHERE id = 1")).one()
        assert tuple(row) == (1, 1, "Revenue", 2004, "statewide", "hi", "bhoomi kiosks", 1)
        if PG_URL:  # the session's other tests share this schema: leave it empty at head
            downgrade(revision="base")
            upgrade()
        db.engine.dispose()
