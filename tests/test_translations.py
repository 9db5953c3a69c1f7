"""The Hindi catalogue: every marked string is translated, placeholders survive translation, and Hindi
pages read in Hindi."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kb import i18n
from tests.views.screens import visible_text

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "kb" / "translations" / "hi" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def marked_strings() -> set[str]:
    """Every string marked for translation in kb/ (Python and templates), as `make messages` finds them."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "kb"), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="hi")


def test_every_marked_string_has_a_hindi_translation(catalogue):
    missing = sorted(m for m in marked_strings() if not _translated(catalogue.get(m)))
    assert not missing, f"{len(missing)} strings without Hindi (run `make messages` and translate): {missing[:20]}"


def test_no_translation_is_fuzzy_or_left_over(catalogue):
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries need checking: {fuzzy[:10]}"


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for message in catalogue:
        if not message.id or not _translated(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for translated in strings:
            if sorted(set(PLACEHOLDER.findall(translated))) != wanted:
                broken.append((ids[0], translated))
    assert not broken, broken[:10]


def test_the_catalogue_compiles_and_the_app_uses_it(app, client):
    compiled = i18n.compile_catalogues(force=True)
    assert compiled and compiled[0].name == "messages.mo"
    page = client.get("/hi/login").get_data(as_text=True)
    assert '<html lang="hi"' in page and "पासवर्ड" in page


def _translated(message) -> bool:
    if message is None:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s and s.strip() for s in strings)


# ---------------------------------------------------------------------------------------------------
# Hindi pages read in Hindi

# Interface-only pages (no case text, which keeps its own language): in Hindi no English sentence may be
# left. Words that stay Latin in Hindi text: acronyms and names (MMP, NeGP, PDF, API, BibTeX, kb...).
ENGLISH_WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")
ALLOWED_LATIN = {"kb", "English", "BibTeX", "Markdown", "Zotero", "Chromium", "Bearer", "example", "org", "Noto",
                 "Sans", "Devanagari", "https", "http", "www", "gov", "mailto", "com", "Asha", "Test", "Admin",
                 "Trainer", "Submitter", "Reviewer"}


@pytest.mark.parametrize("path", ["/hi/login", "/hi/register", "/hi/password/forgot", "/hi/help/search",
                                  "/hi/no-such-page"])
def test_a_hindi_interface_page_has_no_english_sentence(app, client, path):
    page = client.get(path).get_data(as_text=True)
    # What is marked as English (search examples, the language link) is English on purpose.
    page = re.sub(r'<(\w+)\b[^>]*\slang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    text = visible_text(page)
    english = [w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED_LATIN]
    assert len(english) <= 3, f"{path} shows English: {english[:30]}"
