"""Acronyms and domain synonyms: "RTS" also searches "right to service", "dakhil kharij" also "mutation".

``kb/data/search-synonyms.txt`` lists groups of equivalent entries (an entry may be several words). A
search containing an entry of a group, as whole words outside quotes, is read as "that entry OR each
other entry of the group" (several-word entries as phrases); the rest of the query is unchanged. The
search page says what was also searched. It works on the typed text, before parsing, so phrases,
exclusions and operators keep their meaning.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

from kb.search.analysis import stems

SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "search-synonyms.txt"


class SynonymError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Synonyms:
    groups: list[tuple[str, ...]]  # each line's entries, as written
    by_words: dict[tuple[str, ...], int]  # an entry's lower-case words -> its group
    longest: int  # the most words an entry has


def _words(entry: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+", entry.lower()))


def parse_synonyms(text: str, source: str = "synonyms") -> Synonyms:
    groups: list[tuple[str, ...]] = []
    by_words: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        entries = tuple(e.strip() for e in line.split("|") if e.strip())
        if len(entries) < 2:
            raise SynonymError(f"{source} line {number}: expected 'entry | synonym | ...', got {line!r}")
        for entry in entries:
            words = _words(entry)
            if not words:
                raise SynonymError(f"{source} line {number}: {entry!r} has no word")
            if by_words.get(words, len(groups)) != len(groups):
                raise SynonymError(f"{source} line {number}: {entry!r} is already in another line")
            by_words[words] = len(groups)
        groups.append(entries)
    return Synonyms(groups=groups, by_words=by_words, longest=max((len(w) for w in by_words), default=1))


@functools.cache
def synonyms() -> Synonyms:
    return parse_synonyms(SYNONYMS_PATH.read_text(encoding="utf-8"), SYNONYMS_PATH.name)


def _as_query(entry: str) -> str:
    words = _words(entry)
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def expand(text: str, table: Synonyms | None = None) -> tuple[str, list[tuple[str, list[str]]]]:
    """(the text with each synonym entry widened to an OR group, [(entry typed, other entries)])."""
    table = table or synonyms()
    used: list[tuple[str, list[str]]] = []
    parts = text.split('"')
    for index in range(0, len(parts), 2):  # outside quotes only
        tokens = parts[index].split(" ")
        out: list[str] = []
        i = 0
        while i < len(tokens):
            found = None
            for size in range(min(table.longest, len(tokens) - i), 0, -1):
                chunk = tokens[i:i + size]
                if any(t in ("AND", "OR", "NOT") or t.startswith("-") or not t for t in chunk):
                    continue
                group = table.by_words.get(_words(" ".join(chunk)))
                if group is not None and _words(" ".join(chunk)) == tuple(w.lower() for w in chunk):
                    found = (size, group)
                    break
            if found is None:
                out.append(tokens[i])
                i += 1
                continue
            size, group = found
            typed = " ".join(tokens[i:i + size])
            others = [e for e in table.groups[group] if _words(e) != _words(typed)]
            # Entries that differ only in endings ("common service centre", "common services centres")
            # are searched as the same terms: each is searched once (a phrase each costs a position check).
            searched = {tuple(stems(typed))}
            alternatives = [("(" + typed + ")") if size > 1 else typed]
            for entry in others:
                terms = tuple(stems(entry))
                if terms not in searched:
                    searched.add(terms)
                    alternatives.append(_as_query(entry))
            out.append("(" + " OR ".join(alternatives) + ")")
            used.append((typed, others))
            i += size
        parts[index] = " ".join(out)
    return '"'.join(parts), used
