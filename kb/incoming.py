"""What every request must be before a view sees it: text that a database can store, and numbers in
paths that a database can hold.

- A NUL character or a lone UTF-16 surrogate (half of a pair, e.g. ``\\ud800`` in JSON) cannot be stored
  by PostgreSQL (nor encoded as UTF-8 at all), and no person types one. Wherever it arrives, in the path,
  the query string, a form field or a JSON string, the request is refused with 400 naming the field: in
  the API as the JSON error, on the site as the form again, with the text kept and those characters
  taken out, to send once more.
- ``<int:...>`` in a route accepts at most MAX_INTEGER: a larger id is simply not found (404) instead
  of overflowing the query.
- A chunked body that reaches the request limit is a 413 (Werkzeug would cut it short silently).
- The JSON body is parsed here (``json_body``) with a nesting limit, so a document nested 100,000 deep
  is a 400, not a RecursionError.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from kb.errors import ValidationError
from kb.responses import json_error, wants_json
from kb.validation import MAX_INTEGER

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_JSON_DEPTH = 32


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers a database column can hold (else the route is a 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def without_unstorable(text: str) -> str:
    return UNSTORABLE.sub("", text)


def unstorable_reason() -> str:
    return _("contains a character that cannot be stored (a NUL character or half of a Unicode pair)")


def first_unstorable(value: Any, path: str) -> str | None:
    """The name of the first place in a parsed JSON value that holds an unstorable character."""
    if isinstance(value, str):
        return path if has_unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_unstorable(str(key)):
                return path or "body"
            found = first_unstorable(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = first_unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None


def json_depth_exceeds(raw: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (checked before parsing, which
    would recurse once per level)."""
    depth = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json_text(raw: str) -> Any:
    """Parse JSON text that a request sent; ValidationError names ``body`` (or the field) if it is no
    JSON kb can store."""
    if json_depth_exceeds(raw):
        raise ValidationError(_("The request body is not valid JSON."),
                              {"body": _("nested deeper than %(limit)s levels", limit=MAX_JSON_DEPTH)})
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ValidationError(_("The request body is not valid JSON."), {"body": f"not valid JSON: {error}"}) from None
    where = first_unstorable(data, "")
    if where:
        raise ValidationError(_("Some fields need attention."), {where or "body": unstorable_reason()})
    return data


def _request_problems() -> dict[str, str]:
    problems: dict[str, str] = {}
    if has_unstorable(request.path):
        problems["path"] = unstorable_reason()
    # The API reads JSON bodies itself (json_body); parsing them here as a form would consume them.
    reads_form = not wants_json() or request.mimetype == "multipart/form-data"
    for source in (request.args, request.form) if reads_form else (request.args,):
        for key, value in source.items(multi=True):
            if has_unstorable(key) or has_unstorable(value):
                problems[without_unstorable(key)] = unstorable_reason()
    for key, storage in request.files.items(multi=True) if reads_form else ():
        if storage.filename and has_unstorable(storage.filename):
            problems[without_unstorable(key)] = unstorable_reason()
    return problems


def refuse_oversized_stream() -> None:
    """A body without a Content-Length (chunked) is cut at the request limit by Werkzeug, silently: the
    JSON would then be "invalid" and a form would lose its end. Read it here, and answer 413 if it
    reaches the limit."""
    limit = request.max_content_length
    if limit is None or request.content_length is not None or request.method in ("GET", "HEAD"):
        return
    if request.mimetype == "multipart/form-data":
        return  # uploads are parsed as a stream; Werkzeug's form parser refuses them over the limit
    if len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()


def refuse_unstorable_text():
    """Before every request: 413 for a chunked body over the limit, and 400 naming the field when
    unstorable characters arrive anywhere but the body of a JSON request (which ``json_body`` checks
    once parsed)."""
    refuse_oversized_stream()
    problems = _request_problems()
    if not problems:
        return None
    message = _("Some fields need attention.")
    if wants_json() or request.method in ("GET", "HEAD") or not request.form:
        if wants_json():
            return json_error(400, "invalid", message, problems)
        return render_template("error.html", status=400, message=message, fields=problems), 400
    fields = []
    for name, value in request.form.items(multi=True):
        if name == "csrf_token":
            continue
        secret = any(word in name.lower() for word in ("password", "token", "secret"))
        value = "" if secret else without_unstorable(value)
        fields.append({"name": without_unstorable(name), "value": value, "secret": secret,
                       "long": "\n" in value or len(value) > 80})
    response = make_response(render_template(
        "auth/resubmit.html", fields=fields, files=[], problems=problems,
        action=without_unstorable(request.path), multipart=request.mimetype == "multipart/form-data"), 400)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
