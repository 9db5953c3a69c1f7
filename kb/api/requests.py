"""Reading API requests: the JSON body, paging, and the few typed values handlers pass on.

Every problem is a ValidationError that names what is wrong (``body`` for the body as a whole), so the
caller gets a 400 with ``fields``, never a 500 and never a silently ignored mistake.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import request

from kb.errors import ValidationError
from kb.incoming import parse_json_text
from kb.services import catalog


def json_object(*, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object. An empty body is ``{}`` where the body is optional."""
    raw = request.get_data(cache=True)  # over KB_MAX_UPLOAD_BYTES: 413 before anything is read
    if not raw.strip():
        if required:
            raise ValidationError("The request body is empty; send a JSON object.",
                                  {"body": "missing: send a JSON object with Content-Type: application/json"})
        return {}
    if not request.is_json:
        raise ValidationError("The request body must be JSON.",
                              {"body": f"Content-Type must be application/json, not {request.mimetype or 'missing'}"})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The request body is not valid JSON.", {"body": "not UTF-8 text"}) from None
    data = parse_json_text(text)  # nesting bounded; NUL and lone surrogates refused, naming the field
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.",
                              {"body": f"must be a JSON object, not {_json_type(data)}"})
    return data


def only(data: dict[str, Any], allowed: Iterable[str], *, read_only: Iterable[str] = ()) -> dict[str, Any]:
    """Refuse every key that is not ``allowed``: fields kb sets itself (status, organization, author, id,
    ...) are named as such, anything else as unknown. Nothing a caller may not set is ever applied."""
    allowed, read_only = set(allowed), set(read_only)
    problems = {}
    for key in data:
        if key in allowed:
            continue
        problems[key] = ("is set by kb, not by the caller (use the workflow actions to change the status)"
                         if key in read_only else "is not a field of this request")
    if problems:
        raise ValidationError("Some fields cannot be set.", problems)
    return data


def text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValidationError("Some fields need attention.", {key: "must be a string"})


def lock_version(data: dict[str, Any]) -> int | None:
    """The optional ``lock_version`` a caller last saw; a stale one is a 409 from the service."""
    value = data.get("lock_version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Some fields need attention.", {"lock_version": "must be a whole number"})
    return value


def paging() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (default 20, at most 100) from the query string."""
    return catalog.parse_paging(request.args.get("page"), request.args.get("per_page"))


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
