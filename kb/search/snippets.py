"""Highlighted titles and snippets: escaped text, with matched words wrapped in a bare ``<mark>``.

A word is marked when its indexed term (kb.search.analysis.stem_of_token: the same analysis as the
index) is one of the query's terms, so "kiosks" is marked for a search for "kiosk". Snippets are the
one or two passages of the body with the most distinct matched terms, cut at word boundaries.
"""
from __future__ import annotations

import html

from kb.search.analysis import stem_of_token, token_spans

MAX_CHARS = 220  # one passage at most
SURROUND = 60  # context kept before the first and after the last matched word of a passage
BETWEEN = " … "


def _marks(text: str, terms: frozenset) -> list[tuple[int, int, str]]:
    return [(start, end, stem) for start, end, raw in token_spans(text)
            if (stem := stem_of_token(raw)) is not None and stem in terms]


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
