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
import dataclasses
import functools
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from whoosh import query as wq

from kb.search.analysis import DEVANAGARI, stems

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "search-glossary.txt"
COUNTERPART_WEIGHT = 0.5


class GlossaryError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Glossary:
    counterparts: dict[str, tuple[str, ...]]  # stem → stems of its counterparts in the other language
    words: dict[str, str]  # stem → the word of the glossary it came from, to show to people


@dataclasses.dataclass(frozen=True)
class Widened:
    """A search word (as a stem) that was also searched as ``counterparts`` (stems)."""

    stem: str
    counterparts: tuple[str, ...]


def parse_glossary(text: str, source: str = "glossary") -> Glossary:
    """Both ways: each stem's counterparts, and the glossary word each stem was written as."""
    counterparts: dict[str, dict[str, None]] = defaultdict(dict)  # ordered sets: the file's order is kept
    words: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hindi, separator, english = line.partition("=")
        if not separator or "=" in english:
            raise GlossaryError(f"{source} line {number}: expected 'हिन्दी शब्द = English word', got {line!r}")
        hindi_entries = _entry_stems(hindi, source, number)
        english_entries = _entry_stems(english, source, number)
        for stem in hindi_entries:
            counterparts[stem].update(dict.fromkeys(english_entries))
        for stem in english_entries:
            counterparts[stem].update(dict.fromkeys(hindi_entries))
        for stem, word in {**hindi_entries, **english_entries}.items():
            words.setdefault(stem, word)
    return Glossary(
        counterparts={stem: tuple(other for other in others if other != stem)
                      for stem, others in counterparts.items() if set(others) - {stem}},
        words=words)


def _entry_stems(side: str, source: str, number: int) -> dict[str, str]:
    """Stem → entry, for the comma-separated entries of one side of a line."""
    found = {}
    for entry in side.split(","):
        entry = entry.strip()
        entry_stems = stems(entry)
        if len(entry_stems) != 1:
            reason = "is a stop word or too short" if not entry_stems else "is more than one word"
            raise GlossaryError(f"{source} line {number}: {entry!r} {reason}; each entry must be one search word")
        found.setdefault(entry_stems[0], entry)
    return found


@functools.cache
def glossary() -> Glossary:
    return parse_glossary(GLOSSARY_PATH.read_text(encoding="utf-8"), GLOSSARY_PATH.name)


def counterparts() -> dict[str, tuple[str, ...]]:
    return glossary().counterparts


def add_counterparts(query: wq.Query, table: dict[str, tuple[str, ...]] | None = None,
                     widened: list[Widened] | None = None) -> wq.Query:
    """Widen each plain word of a parsed query with its counterparts, in the same fields and with the
    same boosts, at COUNTERPART_WEIGHT; each word widened is appended to ``widened`` (to tell the user).

    Run before ``normalize()``. The parser reads a word as an OR of one term per search field; words
    joined by OR share one such OR. A prefix* expands to terms of one field only and is left alone.
    An excluded word's counterparts are excluded too, and not reported as searched.
    """
    table = counterparts() if table is None else table
    if isinstance(query, wq.Or):
        children = [child if isinstance(child, wq.Term) else add_counterparts(child, table, widened)
                    for child in query.subqueries]
        fields_of_word: dict[str, list[wq.Term]] = defaultdict(list)
        for child in children:
            if isinstance(child, wq.Term):
                fields_of_word[child.text].append(child)
        for text, terms in fields_of_word.items():
            others = table.get(text, ())
            if others and len({term.fieldname for term in terms}) > 1:
                children += [wq.Term(term.fieldname, other, boost=term.boost * COUNTERPART_WEIGHT)
                             for other in others for term in terms]
                if widened is not None and all(w.stem != text for w in widened):
                    widened.append(Widened(text, others))
        result = copy.copy(query)  # keeps the OR's own boost and settings
        result.subqueries = children
        return result
    if isinstance(query, (wq.Term, wq.Phrase)):
        return query
    if isinstance(query, wq.Not):
        return query.apply(lambda child: add_counterparts(child, table))
    if isinstance(query, wq.AndNot):  # "a -b": b is excluded
        result = copy.copy(query)
        result.a, result.b = add_counterparts(query.a, table, widened), add_counterparts(query.b, table)
        return result
    return query.apply(lambda child: add_counterparts(child, table, widened))


class ShownWord(NamedTuple):
    text: str
    lang: str  # "hi" or "en", for the page's lang attribute


def describe(widened: list[Widened], limit: int = 6) -> list[tuple[ShownWord, list[ShownWord]]]:
    """(word, its counterparts) as the glossary writes them, for "also searched": at most ``limit``
    counterparts a word, since a word may have many spellings (भूमि, भू, जमीन, ज़मीन)."""
    words = glossary().words

    def shown(stem: str) -> ShownWord:
        text = words.get(stem, stem)
        return ShownWord(text, "hi" if DEVANAGARI.search(text) else "en")

    return [(shown(w.stem), [shown(c) for c in w.counterparts[:limit]]) for w in widened]
