"""kb — the knowledge repository of e-governance best practices for India's National e-Governance Plan.

``create_app`` builds the Flask application: settings from the environment (``kb.config``), the
extensions (``kb.extensions``), the blueprints (``kb.views``, ``kb.api``), error pages and the CLI.
"""
from __future__ import annotations

import logging
import sys

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from kb import i18n
from kb.config import PROJECT_ROOT, load_settings
from kb.extensions import babel, csrf, db, login_manager, migrate

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def create_app(config: dict | None = None) -> Flask:
    app = i18n.LanguageAwareFlask(__name__, instance_relative_config=False)
    app.config.update(load_settings(config))
    app.json.sort_keys = False
    configure_proxy(app)
    i18n.register(app)
    configure_logging(app)
    configure_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_templating(app)
    register_security_headers(app)
    register_mail_delivery(app)
    register_cli(app)
    return app


def configure_logging(app: Flask) -> None:
    """One format on stderr for the site, the CLI and workers."""
    root = logging.getLogger()
    if not any(getattr(h, "_kb", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler._kb = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(app.config.get("KB_LOG_LEVEL", "INFO"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def configure_proxy(app: Flask) -> None:
    """Behind KB_PROXY_HOPS reverse proxies, the client's address (login and API-token throttling)
    and scheme (redirects, links) come from the X-Forwarded-For and -Proto headers those proxies set.
    Only that many hops are believed, so a client cannot claim another address by sending the header."""
    hops = app.config.get("KB_PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - trivial
    """SQLite: enforce foreign keys, let readers run during writes (WAL), and wait for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    i18n.ensure_catalogues_compiled(app)
    login_manager.init_app(app)

    from kb import search

    search.init_app(app)

    from kb.services import auth

    # The session and remember-me cookies carry a server-side session token, never the user id.
    # Pages know only sessions: API tokens are read by the API alone (kb.api.auth), so a token cannot
    # drive the site's forms (or mint more tokens on the account page).
    login_manager.user_loader(auth.user_for_session)

    from kb.views.auth import ask_to_log_in

    login_manager.login_view = "auth.login"
    login_manager.unauthorized_handler(ask_to_log_in)


def register_blueprints(app: Flask) -> None:
    from kb.api import api
    from kb.views.public import public

    app.register_blueprint(public)
    app.register_blueprint(api)

    from kb.views.tokens import tokens

    app.register_blueprint(tokens)

    from kb.views.admin import admin
    from kb.views.auth import auth

    app.register_blueprint(auth)
    app.register_blueprint(admin)

    from kb.views.attachments import attachments
    from kb.views.notifications import notifications
    from kb.views.review import review
    from kb.views.submit import submit

    for blueprint in (submit, review, notifications, attachments):
        app.register_blueprint(blueprint)

    from kb.views.teach import teach

    app.register_blueprint(teach)

    from kb.views.site import site

    app.register_blueprint(site)

    from kb.views.alerts import alerts_views
    from kb.views.discovery import discovery

    app.register_blueprint(discovery)
    app.register_blueprint(alerts_views)
    from kb.views.dashboard import dashboard
    from kb.views.verify import verify

    app.register_blueprint(verify)
    app.register_blueprint(dashboard)


def register_error_handlers(app: Flask) -> None:
    from kb.views.errors import register
    from kb.views.resubmit import register as register_resubmit

    register(app)
    register_resubmit(app)  # a form with an expired CSRF token keeps what was typed


def register_templating(app: Flask) -> None:
    from kb.views.templating import register

    register(app)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config["KB_ENV"] != "development":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_mail_delivery(app: Flask) -> None:
    """Send the mail a request queued, after it committed, when SMTP is configured (else it stays logged
    in the database; ``kb mail send`` sends later)."""

    @app.after_request
    def deliver_queued_mail(response):
        if db.session.info.pop("kb_mail_queued", False) and app.config.get("KB_SMTP_HOST"):
            from kb.services.notifications import deliver_pending_email

            deliver_pending_email()
        return response


def register_cli(app: Flask) -> None:
    from kb.cli import register_commands

    register_commands(app)
