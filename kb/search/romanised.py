"""Romanised Hindi: "zameen ka record" finds what "ज़मीन का रिकॉर्ड" finds.

People type Hindi in Latin letters without any scheme (zameen, jameen, zamin; shikayat, shikaayat), so a
strict transliteration (ITRANS, IAST) misses most of it. Both sides are reduced instead to a loose key
that keeps what casual spellings agree on: the consonant skeleton, with aspiration, vowel length,
nukta and nasal spellings folded (ज़मीन, जमीन, zameen, jameen -> "jmn"; शिकायत, shikayat -> "skyt";
अधिकार, adhikar -> "adkr"). A word-initial vowel is kept, since it is all some words have.

The Hindi side is the library's own vocabulary (each index segment's whole words, keyed once per
segment); a Latin search word whose key matches Hindi words of the library is also searched as those
words (kb.search.query), at a lower weight, and so, through the glossary, as their English counterparts.
"""
from __future__ import annotations

import re

MIN_KEY = 2  # a one-consonant key ("s") matches too much to mean anything

_CONSONANTS = {
    "क": "k", "ख": "k", "ग": "g", "घ": "g", "ङ": "n", "च": "c", "छ": "c", "ज": "j", "झ": "j", "ञ": "n",
    "ट": "t", "ठ": "t", "ड": "d", "ढ": "d", "ण": "n", "त": "t", "थ": "t", "द": "d", "ध": "d", "न": "n",
    "प": "p", "फ": "f", "ब": "b", "भ": "b", "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "s",
    "ष": "s", "स": "s", "ह": "h", "ळ": "l", "ं": "n", "ँ": "n",
}
_INITIAL_VOWELS = {"अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ए": "e", "ऐ": "e", "ओ": "o",
                   "औ": "o", "ऑ": "o", "ऋ": "r"}
# Latin spellings of one sound, longest first: aspirates lose their "h", sh/s, ch/c, z/j, w/v, q/k...
_LATIN = [("chh", "c"), ("ksh", "ks"), ("sh", "s"), ("ch", "c"), ("kh", "k"), ("gh", "g"), ("jh", "j"),
          ("th", "t"), ("dh", "d"), ("ph", "f"), ("bh", "b"), ("rh", "r"), ("c", "k"), ("z", "j"), ("w", "v"),
          ("q", "k"), ("x", "ks")]
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN))
_LATIN_MAP = dict(_LATIN)
LATIN_WORD = re.compile(r"^[a-z]+$")
DEVANAGARI_WORD = re.compile(r"^[\u0900-\u097F]+$")


def _collapse(key: str) -> str:
    return re.sub(r"(.)\1+", r"\1", key)


def latin_key(word: str) -> str:
    """The loose key of a lower-case Latin word ("" if it is not plain letters)."""
    if not LATIN_WORD.match(word):
        return ""
    first = word[0] if word[0] in "aeiou" else ""
    body = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], word)
    consonants = re.sub(r"[aeiouy](?=[^aeiou]|$)|[aeiou]", lambda m: "y" if m.group(0) == "y" else "", body)
    return _collapse(first + consonants)


def devanagari_key(word: str) -> str:
    """The loose key of a (folded, lower-case) Devanagari word ("" if it is not Devanagari)."""
    if not DEVANAGARI_WORD.match(word):
        return ""
    first = _INITIAL_VOWELS.get(word[0], "")
    return _collapse(first + "".join(_CONSONANTS.get(ch, "") for ch in word))


def hindi_keys(words: list[str]) -> dict[str, list[int]]:
    """key -> indices of the Devanagari words of a (segment's) vocabulary having it."""
    keys: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        if word and "\u0900" <= word[0] <= "\u097f":
            key = devanagari_key(word)
            if len(key) >= MIN_KEY:
                keys.setdefault(key, []).append(i)
    return keys
