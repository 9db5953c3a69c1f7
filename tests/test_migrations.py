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
