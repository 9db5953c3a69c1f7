"""The parts of a case body: its Markdown split at ``## `` headings, and the six key sections found in it.

A case body is Markdown under six ``## `` headings (``BODY_HEADINGS``: Problem, Solution,
Technology, Impact, Lessons, How to replicate — in Hindi for Hindi cases). The diff, the comparison and
the handouts all need the body cut at those headings; this module is the one place that does it.
Bodies written before that rule, or by hand, may lack some headings: nothing here fails on them.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata

# The headings a case body must have, in order, by the case's language (checked by kb.services.case_fields).
BODY_HEADINGS = {
    "en": ["Problem", "Solution", "Technology", "Impact", "Lessons", "How to replicate"],
    "hi": ["समस्या", "समाधान", "प्रौद्योगिकी", "प्रभाव", "सीख", "दोहराने का तरीका"],
}
# Stable names of the six key sections, in order; the same for every language.
KEY_SECTIONS = ("problem", "solution", "technology", "impact", "lessons", "replicate")

# The closing spaces and #s are stripped in code: a lazy group before "[ \t#]*$" backtracked
# quadratically over a long run of spaces (20,000 took 0.9 s).
_HEADING = re.compile(r"^##[ \t]+(.+)$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")


@dataclasses.dataclass(frozen=True)
class Section:
    """One ``## `` section: its heading (None for text before the first heading) and its Markdown."""

    heading: str | None
    text: str


def split_sections(body: str | None) -> list[Section]:
    """Cut a Markdown body at its level-2 headings (not inside fenced code). Text keeps its line breaks."""
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    in_fence = False
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            if heading is not None or "".join(lines).strip():
                sections.append(Section(heading, _trim(lines)))
            text = match.group(1)
            heading, lines = (text.rstrip(" \t#") or text[0]).strip(), []
        else:
            lines.append(line)
    if heading is not None or "".join(lines).strip():
        sections.append(Section(heading, _trim(lines)))
    return sections


def key_sections(body: str | None, language: str) -> dict[str, Section]:
    """The six key sections of a body, by stable name (``KEY_SECTIONS``); missing ones are left out.

    Headings are matched in the case's own language (Hindi cases use the Hindi headings), ignoring case
    and Unicode normalisation differences; English headings are accepted in any case as a fallback.
    """
    wanted: dict[str, str] = {}
    for lang in (language, "en"):
        for key, title in zip(KEY_SECTIONS, BODY_HEADINGS.get(lang, [])):
            wanted.setdefault(_normal(title), key)
    found: dict[str, Section] = {}
    for section in split_sections(body):
        key = wanted.get(_normal(section.heading or ""))
        if key and key not in found:
            found[key] = section
    return found


def heading_for(key: str, language: str) -> str:
    """The heading a case in ``language`` uses for a key section (English when the language is unknown)."""
    headings = BODY_HEADINGS.get(language) or BODY_HEADINGS["en"]
    return headings[KEY_SECTIONS.index(key)]


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _trim(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)
