"""Helpers that keep redirects on this site."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_path(target: str | None, default: str = "/") -> str:
    """Return ``target`` only if it is a path on this site; anything that could leave it goes home.

    Browsers treat ``//host``, ``/\\host`` and ``https:host`` as other sites, and strip tabs and
    newlines before parsing, so those are refused too.
    """
    if not target or any(ch in target for ch in "\\\t\r\n") or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
