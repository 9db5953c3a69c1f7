"""Checks of single values shared by the services and the content import."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

# The reason given for a required field left empty. A draft may leave such fields empty, so the services
# tell them apart from malformed ones by this object (``reason is MISSING``).
MISSING = _l("missing")

MAX_EMAIL = 254  # RFC 5321's limit on a path; longer text is refused before any pattern runs
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WEB_URL = re.compile(r"https?://[^\s/]+\S*")


def is_email_address(value: Any) -> bool:
    """One @, a dot in the domain, no blanks: what a person can type and a mail server can route.
    Stricter rules (quoted local parts, IDN) are left to the mail server, which answers anyway."""
    return isinstance(value, str) and len(value) <= MAX_EMAIL and _EMAIL.fullmatch(value) is not None


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and _WEB_URL.fullmatch(value.strip()) is not None


_PHONE = re.compile(r"\+?\(?[0-9][0-9 ()./-]{4,24}(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?", re.I)
_EXTENSION = re.compile(r"\s*(?:ext\.?|x)\s*[0-9]{1,6}$", re.I)


def is_phone_number(value: Any) -> bool:
    """Digits with the separators people write (+91 80 2222 3333, 080-22223333, (0471) 233 4455 ext 12):
    6 to 15 digits, no letters but an extension's."""
    if not isinstance(value, str) or not _PHONE.fullmatch(value.strip()):
        return False
    digits = sum(ch.isdigit() for ch in _EXTENSION.sub("", value.strip()))
    return 6 <= digits <= 15


# The largest whole number a request may carry into a query: the range of an Integer column (32 bits
# on PostgreSQL). Larger ids find nothing; larger counts are refused by the field's own bounds.
MAX_INTEGER = 2**31 - 1


def whole_number(value: Any, maximum: int = MAX_INTEGER) -> int | None:
    """The whole number a person typed (ASCII digits, blanks around them allowed), or None.

    ``str.isdigit`` accepts "²" and "١٢", and ``int`` accepts "1_000" and any size: neither is what a
    form or a query string should reach the database with."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 12 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= maximum else None
