"""A form whose CSRF token is missing or expired must not lose what was typed into it.

Flask-WTF refuses such a POST with ``CSRFError`` (400). For an HTML form we answer 400 with a page that
says what happened and puts every submitted field back (escaped by Jinja) into a form with a fresh token
that posts to the same address, so one click sends it again. Password fields are not echoed back, and
files cannot be: the page asks for them again. The JSON API is CSRF-exempt; anything under /api/ that
still gets here answers in JSON.
"""
from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from kb.responses import json_error, wants_json

SECRET_FIELD_WORDS = ("password", "token", "secret")


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_FIELD_WORDS)


def submitted_fields() -> list[dict]:
    """Every submitted form field, in order (repeated names kept), except the stale CSRF token."""
    fields = []
    for name, value in request.form.items(multi=True):
        if name == "csrf_token":
            continue
        secret = _is_secret(name)
        fields.append({"name": name, "value": "" if secret else value, "secret": secret,
                       "long": "\n" in value or len(value) > 80})
    return fields


def handle_csrf_error(error: CSRFError):
    if wants_json() or request.is_json:
        return json_error(400, "csrf_failed", _("The request's CSRF token is missing or invalid."))
    files = [{"name": name, "filename": storage.filename} for name, storage in request.files.items(multi=True)
             if storage.filename]
    response = make_response(render_template(
        "auth/resubmit.html", fields=submitted_fields(), files=files,
        action=request.full_path if request.query_string else request.path,
        multipart=request.mimetype == "multipart/form-data" or bool(files)), 400)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
