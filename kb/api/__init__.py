"""The JSON API under /api/v1, per ../shared/API.md, described by its own OpenAPI document
(``/api/v1/openapi.json``, built in ``kb.api.openapi``).

Handlers are thin: parse the request (``kb.api.requests``), call one service function, commit, serialise
(``kb.api.serializers``). The rules live in the services and ``kb.permissions``; their errors become
``{"error": {"code", "message", "fields"}}`` in ``kb.views.errors``. The caller is decided from the
``Authorization: Bearer`` header alone (``kb.api.auth``), never from the site's session cookie, which is
why CSRF does not apply here.

Modules: ``cases`` (the published library, a case's new versions and archiving), ``submissions`` (the
review workflow, comments, attachments), ``account`` (the caller and their notifications), ``openapi``.
"""
from __future__ import annotations

from flask import Blueprint

from kb.extensions import csrf

api = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens, never with the session cookie, so CSRF does not apply.
csrf.exempt(api)

from kb.api import account, adoptions, auth, cases, errors, openapi, submissions  # noqa: E402,F401  (they register routes)
