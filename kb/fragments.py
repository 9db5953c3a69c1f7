"""Parts of pages that are the same for every reader of the same library, rendered once and kept.

The results and filters of a search page and the article of a case page depend only on the address, the
language and what is published: not on who reads them (the header, the flashed messages and a case's
adoption panel are rendered for each request around them). They are kept per worker, keyed by what they
depend on and by ``kb.search.library_version()``, which changes with every publication, new version,
withdrawal or taxonomy change, in the same transaction as the change. While this host's index lags the
database (a moment after a change), nothing is kept or served from here: the page is rendered as it
would be without this cache, so what was withdrawn never shows from a kept copy.
"""
from __future__ import annotations

import collections
import threading
from typing import Callable, Hashable

from flask import g, request
from markupsafe import Markup

from kb import i18n, search

MAX_ENTRIES = 2000
MAX_BYTES = 64 * 1024 * 1024


class FragmentCache:
    """A bounded LRU of rendered HTML (entries and total size both bounded)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: collections.OrderedDict[Hashable, str] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        size = len(html)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= len(self._items.pop(key))
            self._items[key] = html
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


CACHE = FragmentCache()


def library_version() -> tuple | None:
    """``kb.search.library_version()``, asked once per request."""
    if "kb_library_version" not in g:
        g.kb_library_version = search.library_version()
    return g.kb_library_version


def cached(name: str, key: tuple, render: Callable[[], str]) -> Markup:
    """The fragment ``name`` for ``key`` (what it depends on besides the language, the address's root and
    host, and the library), rendered by ``render()`` when not kept."""
    version = library_version()
    if version is None:
        return Markup(render())
    return _kept((name, key, version), render)


def kept(name: str, key: tuple, render: Callable[[], str]) -> Markup:
    """A fragment that depends only on ``key``, the language and the address's root and host, not on the
    library: the footer's links, the site owner's lines."""
    return _kept((name, key), render)


def _kept(key: tuple, render: Callable[[], str]) -> Markup:
    full_key = (*key, i18n.current_language(), request.host, request.script_root)
    html = CACHE.get(full_key)
    if html is None:
        html = str(render())
        CACHE.put(full_key, html)
    return Markup(html)
