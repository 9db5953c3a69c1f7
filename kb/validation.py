"""Checks of single values shared by the services and the content import."""
from __future__ import annotations

import re
from typing import Any

MAX_EMAIL = 254  # RFC 5321's limit on a path; longer text is refused before any pattern runs
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WEB_URL = re.compile(r"https?://[^\s/]+\S*")


def is_email_address(value: Any) -> bool:
    """One @, a dot in the domain, no blanks: what a person can type and a mail server can route.
    Stricter rules (quoted local parts, IDN) are left to the mail server, which answers anyway."""
    return isinstance(value, str) and len(value) <= MAX_EMAIL and _EMAIL.fullmatch(value) is not None


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and _WEB_URL.fullmatch(value.strip()) is not None
