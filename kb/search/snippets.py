"""Highlighted titles and snippets: escaped text, with matched words wrapped in a bare ``<mark>``.

A word is marked when its indexed term (kb.search.analysis.stem_of_token: the same analysis as the
index) is one of the query's terms, so "kiosks" is marked for a search for "kiosk". Snippets are the
one or two passages of the body with the most distinct matched terms, cut at word boundaries.
"""
from __future__ import annotations

import functools
import html
import re

from kb.search.analysis import WORD_CHAR, WORD_RE, stem_of_token

_WORD_CHAR_RE = re.compile(WORD_CHAR)

MAX_CHARS = 220  # one passage at most
SURROUND = 60  # context kept before the first and after the last matched word of a passage
BETWEEN = " … "


def _marks(text: str, terms: frozenset) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of ``text`` whose term is one of ``terms``.

    Analysing a whole body for each hit cost a third of a millisecond, twenty times per request. A
    stem is a prefix of its lower-cased word but for its last two letters at most (Porter turns "happy"
    into "happi"; the Hindi stemmer only cuts suffixes), so ``str.find`` of those prefixes finds the few
    words that may match, and each of those is analysed to check it.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # lower-casing changed offsets (rare letters like "İ"): analyse it all
        return [(m.start(), m.end(), stem) for m in WORD_RE.finditer(text)
                if (stem := stem_of_token(m.group())) in terms]
    starts = set()
    for prefix in _prefixes(terms):
        at = lowered.find(prefix)
        while at != -1:
            if at == 0 or not _WORD_CHAR_RE.match(text, at - 1):  # the start of a word
                starts.add(at)
            at = lowered.find(prefix, at + 1)
    found = []
    for start in sorted(starts):
        word = WORD_RE.match(text, start)
        stem = stem_of_token(word.group())
        if stem in terms:
            found.append((start, word.end(), stem))
    return found


@functools.lru_cache(maxsize=256)
def _prefixes(terms: frozenset) -> tuple[str, ...]:
    # A Devanagari stem is folded (kb.search.analysis.fold_devanagari: केन्द्र is indexed as केंद्र, ज़मीन as
    # जमीन), so only its first letter is sure to appear as typed.
    return tuple(sorted({term[:1] if "\u0900" <= term[:1] <= "\u097f" else term[: max(2, len(term) - 2)]
                         for term in terms}))


def _render(text: str, start: int, stop: int, marks) -> str:
    out, at = [], start
    for begin, end, _ in marks:
        if begin < start or end > stop:
            continue
        out.append(html.escape(text[at:begin], quote=False))
        out.append("<mark>%s</mark>" % html.escape(text[begin:end], quote=False))
        at = end
    out.append(html.escape(text[at:stop], quote=False))
    return "".join(out)


def highlight_whole(text: str, terms: frozenset) -> str:
    """The whole text, escaped, matched words marked; "" when nothing matches."""
    marks = _marks(text, terms) if terms else []
    return _render(text, 0, len(text), marks) if marks else ""


def snippet(text: str, terms: frozenset, passages: int = 2) -> str:
    """The best passages of ``text`` around matched words; "" when nothing matches."""
    marks = _marks(text, terms) if terms else []
    if not marks:
        return ""
    # Group matches into passages no longer than MAX_CHARS.
    groups: list[list[tuple[int, int, str]]] = []
    for mark in marks:
        if groups and mark[1] - groups[-1][0][0] <= MAX_CHARS - 2 * SURROUND:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    best = sorted(range(len(groups)), key=lambda i: (-len({m[2] for m in groups[i]}), -len(groups[i]), i))[:passages]
    pieces = []
    for i in sorted(best):
        group = groups[i]
        start = _word_start(text, max(0, group[0][0] - SURROUND))
        stop = _word_end(text, min(len(text), group[-1][1] + SURROUND))
        pieces.append(_render(text, start, stop, group).strip())
    return BETWEEN.join(pieces)


def _word_start(text: str, at: int) -> int:
    if at <= 0:
        return 0
    space = text.find(" ", at)
    return space + 1 if 0 <= space < at + 20 else at


def _word_end(text: str, at: int) -> int:
    if at >= len(text):
        return len(text)
    space = text.rfind(" ", at - 20, at)
    return space if space > 0 else at
