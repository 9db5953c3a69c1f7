"""Searching across Hindi and English: a word of the glossary is also searched as its counterparts.

The library is bilingual and a practice is often written up in only one language: a trainer who types
"भूमि अभिलेख" should find the English land-records cases, and "grievance redressal" the Hindi ones.
``kb/data/search-glossary.txt`` lists domain words with their counterparts; a plain search word whose
stem is there is searched as "the word OR its counterparts", the counterparts at half weight, so that
cases in the language typed rank first. Phrases, prefixes and words outside the glossary are searched
as typed.
"""
from __future__ import annotations

import copy
import functools
from collections import defaultdict
from pathlib import Path

from whoosh import query as wq

from kb.search.analysis import stems

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "search-glossary.txt"
COUNTERPART_WEIGHT = 0.5


class GlossaryError(ValueError):
    pass


def parse_glossary(text: str, source: str = "glossary") -> dict[str, tuple[str, ...]]:
    """Stem → stems of its counterparts in the other language, both ways."""
    counterparts: dict[str, set[str]] = defaultdict(set)
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hindi, separator, english = line.partition("=")
        if not separator or "=" in english:
            raise GlossaryError(f"{source} line {number}: expected 'हिन्दी शब्द = English word', got {line!r}")
        hindi_stems = _entry_stems(hindi, source, number)
        english_stems = _entry_stems(english, source, number)
        for stem in hindi_stems:
            counterparts[stem] |= english_stems
        for stem in english_stems:
            counterparts[stem] |= hindi_stems
    return {stem: tuple(sorted(others - {stem})) for stem, others in counterparts.items() if others - {stem}}


def _entry_stems(side: str, source: str, number: int) -> set[str]:
    found = set()
    for entry in side.split(","):
        entry = entry.strip()
        entry_stems = stems(entry)
        if len(entry_stems) != 1:
            reason = "is a stop word or too short" if not entry_stems else "is more than one word"
            raise GlossaryError(f"{source} line {number}: {entry!r} {reason}; each entry must be one search word")
        found.add(entry_stems[0])
    return found


@functools.cache
def counterparts() -> dict[str, tuple[str, ...]]:
    return parse_glossary(GLOSSARY_PATH.read_text(encoding="utf-8"), GLOSSARY_PATH.name)


def add_counterparts(query: wq.Query, table: dict[str, tuple[str, ...]] | None = None) -> wq.Query:
    """Widen each plain word of a parsed query with its counterparts, in the same fields and with the
    same boosts, at COUNTERPART_WEIGHT.

    Run before ``normalize()``. The parser reads a word as an OR of one term per search field; words
    joined by OR share one such OR. A prefix* expands to terms of one field only and is left alone.
    """
    table = counterparts() if table is None else table
    if isinstance(query, wq.Or):
        children = [child if isinstance(child, wq.Term) else add_counterparts(child, table)
                    for child in query.subqueries]
        fields_of_word: dict[str, list[wq.Term]] = defaultdict(list)
        for child in children:
            if isinstance(child, wq.Term):
                fields_of_word[child.text].append(child)
        for text, terms in fields_of_word.items():
            if len({term.fieldname for term in terms}) > 1:
                children += [wq.Term(term.fieldname, other, boost=term.boost * COUNTERPART_WEIGHT)
                             for other in table.get(text, ()) for term in terms]
        widened = copy.copy(query)  # keeps the OR's own boost and settings
        widened.subqueries = children
        return widened
    if isinstance(query, (wq.Term, wq.Phrase)):
        return query
    return query.apply(lambda child: add_counterparts(child, table))
