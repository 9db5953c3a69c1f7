"""Error pages: HTML for the site, JSON (per ../shared/API.md) for anything under /api/."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from kb.errors import KbError
from kb.extensions import db
from kb.responses import json_error, wants_json

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(KbError)
    def domain_error(error: KbError):
        # The request owns the transaction: nothing of a refused change is kept (services never roll back).
        db.session.rollback()
        headers = {"Retry-After": str(error.retry_after)} if hasattr(error, "retry_after") else {}
        if wants_json():
            response, status = json_error(error.status, error.code, error.message, error.fields)
            response.headers.update(headers)
            return response, status
        return (render_template("error.html", status=error.status, message=error.message, fields=error.fields),
                error.status, headers)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        if wants_json():
            return json_error(error.code or 500, code, error.description or error.name)
        return render_template("error.html", status=error.code, message=None, fields=None), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "server_error", _("Something went wrong on our side. It has been logged."))
        return render_template("error.html", status=500, message=None, fields=None), 500
