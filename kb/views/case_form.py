"""The case form of the submission screens: what a person typed, both ways.

``CaseForm`` holds every field exactly as typed (text, so a half-typed year or a misspelt figure is
shown back unchanged), reads it from a POST (``from_request``), from a saved revision
(``from_revision``) or starts a new case with the six body headings of its language (``blank``), and
turns it into the dict ``kb.services.submissions`` accepts (``data``). Only the fields the form offers
are read: a ``status`` or ``organization`` added to the request never reaches the service.

Repeatable rows (outcome figures, links, contacts) are numbered ``outcomes-0-label`` ...; rows left
blank are dropped, and the form is always shown with a few blank rows to fill, so no JavaScript is needed.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kb.models import Revision
from kb.services.case_fields import FIELDS, ROWS, read_revision
from kb.services.sections import BODY_HEADINGS
from kb.validation import whole_number

# The form offers every field of a case (kb.services.case_fields); rows are repeated groups of inputs.
SCALAR_FIELDS = tuple(field.name for field in FIELDS if field.kind != "rows")
ROW_FIELDS = {name: kind.column_names for name, kind in ROWS.items()}
# A choice that always has a value (a figure's evidence grade) does not make a row filled in.
CHOICE_FIELDS = {column.name for kind in ROWS.values() for column in kind.columns if column.kind == "grade"}
BLANK_ROWS = {"outcomes": 3, "links": 3, "contacts": 2, "recognitions": 1}
_ROWS = "|".join(ROWS)
_ROW_KEY = re.compile(rf"^({_ROWS})-(\d{{1,3}})-([a-z]+)$")
_ROW_ERROR = re.compile(rf"^({_ROWS})\[(\d+)\]$")

FIELD_LABELS = {field.name: field.label for field in FIELDS} | {
    "file": _l("File"), "note": _l("Note"), "lock_version": _l("Version check"),
}
ROW_LABELS = {name: kind.label for name, kind in ROWS.items()}


def body_skeleton(language: str) -> str:
    """The six required section headings of a case body, in the case's language, ready to fill."""
    headings = BODY_HEADINGS.get(language, BODY_HEADINGS["en"])
    return "".join(f"## {heading}\n\n\n" for heading in headings)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


@dataclasses.dataclass
class CaseForm:
    values: dict[str, str]
    rows: dict[str, list[dict[str, str]]]
    lock_version: int | None = None

    # -- building ------------------------------------------------------------------------------------

    @classmethod
    def blank(cls, language: str = "en", *, state: str | None = None) -> "CaseForm":
        """A new case: the six headings of its language, and the writer's state already chosen."""
        language = language if language in BODY_HEADINGS else "en"
        values = {name: "" for name in SCALAR_FIELDS}
        values.update(language=language, body=body_skeleton(language), state=state or "")
        return cls(values, {name: [] for name in ROW_FIELDS})

    @classmethod
    def from_revision(cls, revision: Revision) -> "CaseForm":
        fields = read_revision(revision)
        values = {name: _as_text(fields.get(name)) for name in SCALAR_FIELDS if name != "tags"}
        values["tags"] = ", ".join(fields.get("tags") or [])
        rows = {name: [{key: _as_text(item.get(key)) for key in keys} for item in fields.get(name) or []]
                for name, keys in ROW_FIELDS.items()}
        return cls(values, rows, revision.lock_version)

    @classmethod
    def from_request(cls, form: MultiDict) -> "CaseForm":
        values = {name: form.get(name, "") for name in SCALAR_FIELDS}
        values["body"] = values["body"].replace("\r\n", "\n")
        numbered: dict[str, dict[int, dict[str, str]]] = {name: {} for name in ROW_FIELDS}
        for key, value in form.items():
            match = _ROW_KEY.match(key)
            if match and match.group(3) in ROW_FIELDS[match.group(1)]:
                numbered[match.group(1)].setdefault(int(match.group(2)), {})[match.group(3)] = value
        rows = {}
        for name, keys in ROW_FIELDS.items():
            filled = [numbered[name][i] for i in sorted(numbered[name])]
            rows[name] = [{k: row.get(k, "") for k in keys} for row in filled
                          if any((row.get(k) or "").strip() for k in keys if k not in CHOICE_FIELDS)]
        lock = form.get("lock_version", "")
        lock_version = whole_number(lock) if whole_number(lock) is not None else (-1 if lock else None)  # tampered: treat as stale
        instance = cls(values, rows, lock_version)
        instance.match_body_to_language()
        return instance

    def match_body_to_language(self) -> None:
        """An untouched skeleton follows the chosen language (switching language before writing)."""
        language = self.values.get("language") or "en"
        for other in BODY_HEADINGS:
            if other != language and _same_text(self.values.get("body", ""), body_skeleton(other)):
                self.values["body"] = body_skeleton(language)

    # -- reading -------------------------------------------------------------------------------------

    def data(self) -> dict[str, Any]:
        """The fields in the shape the submission service accepts (numbers parsed where they parse)."""
        data: dict[str, Any] = {name: self.values.get(name, "") for name in SCALAR_FIELDS}
        for name, kind in ROWS.items():
            data[name] = [{column.name: _typed(column.kind, row.get(column.name, "")) for column in kind.columns}
                          for row in self.rows[name]]
        return data

    def rows_with_blanks(self, name: str) -> list[dict[str, str]]:
        """The filled rows, then a few blank ones to fill."""
        blank = {key: "" for key in ROW_FIELDS[name]}
        return list(self.rows[name]) + [dict(blank) for _ in range(BLANK_ROWS[name])]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _typed(kind: str, text: str) -> Any:
    """A row's cell as the service reads it: figures and years parsed where they parse, an address or a
    choice left empty as None, other text as typed."""
    if kind in ("number", "year"):
        return _number(text)
    if kind in ("url", "email", "phone", "grade"):
        return text.strip() or None
    return text


def _number(text: str) -> Any:
    """A figure typed as text: ``1,200`` and ``12.5`` are numbers; anything else is passed on as typed
    so that the case rules name the row ("'before' must be a number")."""
    text = (text or "").strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def field_label(field: str) -> str:
    """A human name for a field the services name (``outcomes[2]`` -> "Outcome figure 2")."""
    match = _ROW_ERROR.match(field)
    if match:
        return str(ROW_LABELS[match.group(1)] % {"n": match.group(2)})
    return str(FIELD_LABELS.get(field, field))


def field_anchor(field: str) -> str:
    """The id of the form element a service error names."""
    match = _ROW_ERROR.match(field)
    if match:
        return f"{match.group(1)}-row-{int(match.group(2)) - 1}"
    return f"field-{field}"
