"""Errors that Werkzeug raises inside API handlers, in the API's own words (the rest of the mapping,
domain errors to ``{"error": {...}}``, is ``kb.views.errors``)."""
from __future__ import annotations

from flask import current_app
from werkzeug.exceptions import RequestEntityTooLarge

from kb.api import api
from kb.responses import json_error


@api.errorhandler(RequestEntityTooLarge)
def request_too_large(error):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return json_error(413, "too_large", f"The request is larger than the limit of {limit} bytes." if limit
                      else "The request is too large.", {"body": "too large"})
