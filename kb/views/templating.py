"""Jinja filters and globals shared by every template."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from kb.markdown import render_markdown

LANGUAGE_NAMES = {"en": "English", "hi": "हिन्दी"}
STAGE_NAMES = {"pilot": _l("Pilot"), "scaled": _l("Scaled up"), "statewide": _l("Statewide"), "national": _l("National")}
CATEGORY_NAMES = {"central": _l("Central MMPs"), "state": _l("State MMPs"), "integrated": _l("Integrated MMPs")}
STATE_KIND_NAMES = {"state": _l("State"), "ut": _l("Union territory")}


def format_number(value) -> str:
    if value is None:
        return "–"
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one); keeps repeated ones."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            args.append((key, item))
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def register(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["date"] = lambda value: format_date(value, "medium") if value else ""
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES, STAGE_NAMES=STAGE_NAMES, CATEGORY_NAMES=CATEGORY_NAMES,
        STATE_KIND_NAMES=STATE_KIND_NAMES, url_with=url_with, current_locale=lambda: str(get_locale()),
        current_year=lambda: dt.date.today().year,
    )
