"""Shared fixtures. Every test runs against a real database: SQLite by default, PostgreSQL when
``KB_TEST_DATABASE_URL`` names one (``make test`` runs the suite once on each).

The schema is built once per session by running the Alembic migrations (so every run also proves
that the migrations produce a working schema). Each test then starts from an empty library with the
taxonomy loaded: on SQLite a copy of the migrated template file, on PostgreSQL a TRUNCATE of all tables.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import socket
from pathlib import Path

import pytest
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from kb import create_app
from kb.content import CaseDocument, import_content, load_taxonomy, upsert_case
from kb.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def _database_for_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``, ...), created
    from the given URL's server on first use, since every test truncates the tables it runs on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    server, _, name = url.rpartition("/")
    name, _, query = name.partition("?")
    database = f"{name}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return f"{server}/{database}" + (f"?{query}" if query else "")


PG_URL = _database_for_this_worker(os.environ.get("KB_TEST_DATABASE_URL", ""))


def pytest_report_header(config):
    return f"kb database: {PG_URL or 'SQLite (set KB_TEST_DATABASE_URL for PostgreSQL)'}"


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrate_to_head(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance), "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database at the newest migration: the URL (PostgreSQL) or the template file (SQLite)."""
    instance = tmp_path_factory.mktemp("migrate-instance")
    if PG_URL:
        reset_postgres_schema(PG_URL)
        migrate_to_head(PG_URL, instance)
        return PG_URL
    template = tmp_path_factory.mktemp("template") / "kb.sqlite3"
    migrate_to_head(f"sqlite:///{template}", instance)
    return str(template)


def _fresh_database_url(migrated_database: str, folder: Path) -> str:
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalars().all()
            if tables:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    target = folder / "kb.sqlite3"
    shutil.copyfile(migrated_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(tmp_path, migrated_database) -> dict:
    """Configuration for a test app; a test may change it before asking for ``app``."""
    instance = tmp_path / "instance"
    instance.mkdir()
    return {
        "SQLALCHEMY_DATABASE_URI": _fresh_database_url(migrated_database, tmp_path),
        "INSTANCE_DIR": str(instance),
        "KB_INDEX_DIR": str(instance / "index"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "SERVER_NAME": "kb.test",
        "KB_SITE_NAME": "kb",
        # Dense search embeds every published case: only the tests about it turn it on (``dense_app``),
        # so the rest of the suite does not pay for the model.
        "KB_SEARCH_DENSE": "off",
        "KB_USAGE_FLUSH_SECONDS": 0,  # counts written at each view, so a test reads them at once
    }


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production, where each request
    has its own app context. The ``app`` fixture keeps one app context pushed for the whole test, and a
    request reuses it, so without this ``g`` would carry the logged-in user (Flask-Login), the CSRF token
    (Flask-WTF) and the locale (Flask-Babel) from one request, and one client, to the next."""

    def open(self, *args, **kwargs):
        if has_app_context() and current_app._get_current_object() is self.application:
            for name in list(g):
                g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        load_taxonomy(CONTENT / "taxonomy")
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def dense_config(app_config) -> dict:
    """A test app with dense (semantic) search on: the real model, loaded once per process."""
    app_config["KB_SEARCH_DENSE"] = "on"
    return app_config


@pytest.fixture
def dense_library(dense_config, app):
    """The seeded library with dense search on and every case's vector computed (vectors of unchanged
    texts are remembered per process, so only the first such test of a worker pays ~15 s)."""
    from kb import search

    with search.sync_suspended():
        report = import_content(CONTENT)
    assert report.ok, [str(e) for e in report.errors]
    search.sync()
    assert search.dense_status() == "on"
    search.embed_pending()
    return report


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def library(app):
    """The seeded library from content/, imported as ``make run`` does (one index sync at the end)."""
    from kb import search

    with search.sync_suspended():
        report = import_content(CONTENT)
    assert report.ok, [str(e) for e in report.errors]
    search.sync()
    return report


SAMPLE_BODY = """## Problem
Citizens queued for days at the tahsil office to get a copy of their land record.

## Solution
A kiosk at every taluk office prints the record while the citizen waits.

## Technology
A state database, biometric log-in for operators, and printed records with a unique number.

## Impact
Waiting time fell from weeks to minutes.

## Lessons
Stop accepting handwritten copies once the digital record is trusted.

## How to replicate
Digitise the records first, verify them in public, then switch over district by district.
"""


@pytest.fixture
def make_document():
    """Factory for valid case documents; pass fields to change."""

    def make(number: int = 901, **changes) -> CaseDocument:
        fields = dict(
            path=f"kb-{number:04d}.md", number=number, slug=f"sample-case-{number}",
            title=f"Sample practice number {number}", summary="A sample practice used by the test suite only.",
            mmp="land-records", state="KA", department="Revenue Department", year=2005, stage="statewide",
            language="en", tags=["kiosks", "land-records"], published=dt.date(2026, 1, 1),
            outcomes=[{"label": "Waiting time", "before": 30, "after": 1, "unit": "days",
                       "source": "https://example.org/report"}],
            links=[{"title": "Evaluation report", "url": "https://example.org/report"}],
            contacts=[{"name": "Commissioner", "organization": "Revenue Department", "email": None,
                       "phone": None, "url": None}],
            body=SAMPLE_BODY,
        )
        fields.update(changes)
        return CaseDocument(**fields)

    return make


@pytest.fixture
def make_case(app, make_document):
    """Factory: a published case in the database (through the same upsert the importer uses)."""

    def make(number: int = 901, **changes):
        from kb.models import Case
        from sqlalchemy import select

        upsert_case(make_document(number, **changes))
        db.session.commit()
        return db.session.scalar(select(Case).where(Case.number == number))

    return make


@pytest.fixture
def make_unpublished_case(app):
    """Factory: a case that exists only as a draft (never published) — it must stay invisible."""

    def make(number: int = 950, title: str = "Secret draft about grievance kiosks", status: str = "draft"):
        from sqlalchemy import select

        from kb.models import Case, Mmp, Revision, State, Tag

        case = Case(number=number, slug=f"draft-{number}", mmp=db.session.scalar(select(Mmp).where(Mmp.slug == "pds")),
                    state=db.session.scalar(select(State).where(State.code == "TR")), department="Food Department",
                    year_started=2019, stage="pilot", language="en", tags=[Tag(name=f"secret-tag-{number}")])
        db.session.add(case)
        db.session.flush()
        db.session.add(Revision(case=case, number=1, title=title, summary="Not for the public yet.",
                                body="## Problem\nsecret\n", status=status))
        db.session.commit()
        return case

    return make


def replace_fields(document: CaseDocument, **changes) -> CaseDocument:
    return dataclasses.replace(document, **changes)


# ---------------------------------------------------------------------------------------------------
# People and submissions

TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_org(app):
    """Factory: an organisation (kind ati / state_department / nodal_agency)."""
    from kb.services.accounts import create_organization

    def make(slug: str = "ka-revenue", kind: str = "state_department", state: str | None = "KA", name=None):
        from sqlalchemy import select

        from kb.models import Organization

        existing = db.session.scalar(select(Organization).where(Organization.slug == slug))
        if existing is not None:
            return existing
        organization = create_organization(slug=slug, name=name or slug.replace("-", " ").title(), kind=kind,
                                           state_code=state)
        db.session.commit()
        return organization

    return make


@pytest.fixture
def make_user(app, make_org):
    """Factory: an active user of a role; submitters default to a Karnataka department, reviewers to a
    nodal agency, trainers to an ATI. Every password is TEST_PASSWORD."""
    from kb.services.accounts import create_user, organisation_mismatch

    default_orgs = {"submitter": ("ka-revenue", "state_department", "KA"),
                    "trainer": ("ati-mcrhrdi", "ati", "TS"),
                    "reviewer": ("nodal-agency", "nodal_agency", None),
                    "admin": ("nodal-agency", "nodal_agency", None)}
    counter = iter(range(1, 10_000))

    def make(role: str = "submitter", *, org: str | None = None, email: str | None = None, **kwargs):
        slug, kind, state = default_orgs[role]
        if org is not None:
            slug = org
            kind = {"ati": "ati"}.get(org.split("-")[0], kind)
        organization = make_org(slug, kind, state)
        fits = organisation_mismatch(role, organization) is None
        # An organisation that does not fit the role (a trainer of a state department) cannot be given
        # any more; accounts from before that rule can still exist, so tests make them by hand.
        user = create_user(email=email or f"{role}{next(counter)}@example.org", name=f"Test {role.title()}",
                           role=role, org_slug=slug if fits else None, password=TEST_PASSWORD, **kwargs)
        user.organization = organization
        db.session.commit()
        return user

    return make


SUBMISSION = {
    "title": "Doorstep delivery of land record copies",
    "summary": "Village officers print certified land record copies at the citizen's doorstep.",
    "translated_title": "भूमि अभिलेख की प्रतियाँ घर पर",
    "translated_summary": "ग्राम अधिकारी भूमि अभिलेख की प्रमाणित प्रतियाँ नागरिक के घर पर ही छापकर देते हैं।",
    "body": SAMPLE_BODY, "mmp": "land-records", "state": "KA", "department": "Revenue Department",
    "year": 2019, "stage": "pilot", "language": "en", "tags": ["doorstep", "land-records"],
    "outcomes": [{"label": "Days to get a copy", "before": 12, "after": 1, "unit": "days",
                  "source": "https://example.org/evaluation"}],
    "links": [{"title": "Evaluation", "url": "https://example.org/evaluation"}],
    "contacts": [{"name": "Project Director", "organization": "Revenue Department"}],
}


@pytest.fixture
def submission_data():
    """A complete, valid submission (a fresh copy per call)."""
    import copy

    return lambda **changes: {**copy.deepcopy(SUBMISSION), **changes}


@pytest.fixture
def make_submission(app, make_user, submission_data):
    """Factory: a submission brought to ``status`` through the real workflow functions.

    Returns (case, people) where people has the submitter and the reviewer who acted."""
    from kb.services import submissions

    path = {
        "draft": [], "submitted": ["submit"], "in_review": ["submit", "claim"],
        "changes_requested": ["submit", "claim", "request_changes"], "published": ["submit", "claim", "approve"],
        "rejected": ["submit", "claim", "reject"], "archived": ["submit", "claim", "approve", "archive"],
    }

    def make(status: str = "draft", *, submitter=None, reviewer=None, **changes):
        submitter = submitter or make_user("submitter")
        reviewer = reviewer or make_user("reviewer")
        case = submissions.create_submission(submitter, submission_data(**changes))
        db.session.commit()
        for action in path[status]:
            actor = submitter if action == "submit" else reviewer
            submissions.take_action(actor, case.public_id, action,
                                    note="needs work" if action in ("request_changes", "reject", "archive") else None)
            db.session.commit()
        return case, {"submitter": submitter, "reviewer": reviewer}

    return make


@pytest.fixture
def login_as(app):
    """Log a test client in as a user, the way the login form does (a server-side session whose token
    the session cookie carries). Returns the session token."""
    from kb.services import auth

    def login(client, user, *, remember: bool = False) -> str:
        token = auth.start_session(user, remember=remember)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return token

    return login


@pytest.fixture
def api_token(app):
    """Factory: a personal API token for a user; returns the Authorization header dict."""
    from kb.services import auth

    def make(user) -> dict:
        _, raw = auth.create_api_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def form_token():
    """The CSRF token that a page's forms carry, as a browser would submit it: ``form_token(client,
    "/login")``. Without a path: the logout form's (logged in) or the login form's (logged out)."""

    return csrf_token_for


def csrf_token_for(client, path: str | None = None) -> str:
    """A CSRF token of the client's session, read from a form on ``path`` as a browser would (without a
    path: the logout form when logged in, else the login form)."""
    for page in ([path] if path else ["/account", "/login"]):
        found = csrf_token_in(client.get(page).get_data(as_text=True))
        if found:
            return found
    raise AssertionError(f"no form with a CSRF token on {path or '/account or /login'}")


def csrf_token_in(html: str) -> str | None:
    """The CSRF token of the first form in a page (None if it has no form with one)."""
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else None


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port (aiosmtpd), collecting what it receives."""
    from aiosmtpd.controller import Controller

    received = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()
