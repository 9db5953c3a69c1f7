"""Romanised Hindi: "zameen ka record" finds what "ज़मीन का रिकॉर्ड" finds.

People type Hindi in Latin letters without any scheme (zameen, jameen, zamin; shikayat, shikaayat), so a
strict transliteration (ITRANS, IAST) misses most of it. Both sides are reduced instead to a loose key
that keeps what casual spellings agree on: the consonant skeleton, with aspiration, vowel length,
nukta and nasal spellings folded (ज़मीन, जमीन, zameen, jameen -> "jmn"; शिकायत, shikayat -> "skyt";
अधिकार, adhikar -> "adkr"). A word-initial vowel is kept, since it is all some words have.

The key finds candidates; a loose *spelled form* ranks them (``closeness``). Both sides are spelled
out with vowels folded the way casual typing folds them (aa/a, ee/i, oo/u, ai/e, au/o; ph/f, v/w, sh/s,
z/j, double letters single; an English "-tion" is "-shan": ration = राशन) and the Devanagari side with
its inherent "a" written after every consonant but the last; the distance between the two forms is an edit distance
in which an "a" costs little (schwa deletion: janm = जन्म, nakad = नकद), a vowel of the same family
less than another (i/e, u/o), and a nasal, y or v less than a consonant. So "dukaan" reads as दुकान and
not देखना, which shares its key. Inflections are matched through stems on both sides: a Hindi word is
keyed by its stem too (चालानों -> चालान), and a Latin word without candidates is tried without a
plural or oblique ending (sevaon -> seva, davaiyon -> davai).

The Hindi side is the library's own vocabulary (each index segment's whole words, keyed once per
segment); a Latin search word whose key matches Hindi words of the library is also searched as those
words (kb.search.query), at a lower weight, and so, through the glossary, as their English counterparts.
"""
from __future__ import annotations

import re

from kb.search.analysis import stem_hindi

MIN_KEY = 2  # a one-consonant key ("s") matches too much to mean anything

_CONSONANTS = {
    "क": "k", "ख": "k", "ग": "g", "घ": "g", "ङ": "n", "च": "c", "छ": "c", "ज": "j", "झ": "j", "ञ": "n",
    "ट": "t", "ठ": "t", "ड": "d", "ढ": "d", "ण": "n", "त": "t", "थ": "t", "द": "d", "ध": "d", "न": "n",
    "प": "p", "फ": "f", "ब": "b", "भ": "b", "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "s",
    "ष": "s", "स": "s", "ह": "h", "ळ": "l", "ं": "n", "ँ": "n", "ृ": "r",
}
_INITIAL_VOWELS = {"अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ए": "e", "ऐ": "e", "ओ": "o",
                   "औ": "o", "ऑ": "o", "ऋ": "r"}
# Latin spellings of one sound, longest first: aspirates lose their "h", sh/s, ch/c, z/j, w/v, q/k...
_LATIN = [("tion", "sn"), ("chh", "c"), ("ksh", "ks"), ("sh", "s"), ("ch", "c"), ("kh", "k"), ("gh", "g"), ("jh", "j"),
          ("th", "t"), ("dh", "d"), ("ph", "f"), ("bh", "b"), ("rh", "r"), ("c", "k"), ("z", "j"), ("w", "v"),
          ("q", "k"), ("x", "ks")]
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN))
_LATIN_FORM = [("tion", "san"), *_LATIN[1:]]
_LATIN_FORM_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_FORM))
_LATIN_FORM_MAP = dict(_LATIN_FORM)
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
    """key -> indices of the Devanagari words of a (segment's) vocabulary having it, or whose stem has it."""
    keys: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        if word and "\u0900" <= word[0] <= "\u097f":
            for key in {devanagari_key(word), devanagari_key(stem_hindi(word))}:
                if len(key) >= MIN_KEY:
                    keys.setdefault(key, []).append(i)
    return keys


def latin_keys(word: str) -> list[str]:
    """The keys a Latin word is looked up by: its own, then those of its variants without an ending."""
    keys: list[str] = []
    for variant in latin_variants(word):
        key = latin_key(variant)
        if len(key) >= MIN_KEY and key not in keys:
            keys.append(key)
    return keys


def best_readings(latin_word: str, candidates: dict[str, int], limit: int) -> list[tuple[str, float]]:
    """(Hindi word, closeness) of the candidates (word -> document frequency) a Latin word reads as:
    close enough, near the closest, closest first (then the most frequent)."""
    scored = [(closeness(latin_word, word, stem_hindi(word)), -df, word) for word, df in candidates.items()]
    if not scored:
        return []
    best = min(scored)[0]
    ceiling = min(limit_for(latin_word), best + READING_MARGIN)
    return [(word, dist) for dist, _, word in sorted(scored) if dist <= ceiling][:limit]


# -- ranking the candidates of one key: spelled forms and their distance -----------------------------

_MATRAS = {"ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "े": "e", "ै": "e", "ो": "o", "ौ": "o",
           "ॉ": "o", "ृ": "ri", "ॅ": "e"}
_VIRAMA = "\u094d"
_VOWEL_FOLDS = re.compile(r"aa|ee|ii|oo|uu|ai|au|ei|ou")
_VOWEL_FOLD_MAP = {"aa": "a", "ee": "i", "ii": "i", "oo": "u", "uu": "u", "ai": "e", "au": "o",
                   "ei": "e", "ou": "u"}
VOWELS = frozenset("aeiou")
# Latin endings tried when a word as typed has no candidate: plurals and oblique cases (longest first).
LATIN_ENDINGS = ("iyon", "iyan", "yon", "aon", "on", "en", "ein", "ao", "e", "o")
CLOSE_ENOUGH = 1.0  # the largest distance of a reading (per ``closeness``), for a word of up to 5 letters
CLOSE_PER_LETTER = 0.2  # ... and this much per letter of a longer word
READING_MARGIN = 0.5  # readings this much further than the best one are not offered


def _fold_vowels(form: str) -> str:
    return _collapse(_VOWEL_FOLDS.sub(lambda m: _VOWEL_FOLD_MAP[m.group(0)], form))


def latin_form(word: str) -> str:
    """A lower-case Latin word spelled loosely (aspirates, sibilants and vowel lengths folded)."""
    if not LATIN_WORD.match(word):
        return ""
    return _fold_vowels(_LATIN_FORM_RE.sub(lambda m: _LATIN_FORM_MAP[m.group(0)], word))


def devanagari_form(word: str) -> str:
    """A (folded) Devanagari word spelled in the same loose Latin, its inherent vowels written out."""
    if not DEVANAGARI_WORD.match(word):
        return ""
    out: list[str] = []
    for i, ch in enumerate(word):
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if ch in _INITIAL_VOWELS:
            out.append({"ऋ": "ri"}.get(ch, _INITIAL_VOWELS[ch]))
        elif ch in _MATRAS:
            out.append(_MATRAS[ch])
        elif ch in ("ं", "ँ"):
            out.append("n")
        elif ch in _CONSONANTS:
            out.append("c" if ch in "चछ" else _CONSONANTS[ch])
            if nxt and nxt not in _MATRAS and nxt != _VIRAMA:  # a word's last inherent "a" is not said
                out.append("a")
    return _fold_vowels("".join(out))


_CHEAP = {"a": 0.3, "n": 0.5, "y": 0.5, "v": 0.5, "h": 0.5}
_NEAR = {frozenset("ie"): 0.5, frozenset("uo"): 0.5, frozenset("ae"): 0.7, frozenset("ao"): 0.7,
         frozenset("nm"): 0.3, frozenset("iy"): 0.4, frozenset("uv"): 0.4}


def _gap(ch: str) -> float:
    return _CHEAP.get(ch, 0.6 if ch in VOWELS else 1.0)


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return _NEAR.get(frozenset((a, b)), 1.0)


def form_distance(a: str, b: str) -> float:
    """Edit distance between two loose forms, weighted as casual romanisation differs (module docstring)."""
    previous = [0.0]
    for ch in b:
        previous.append(previous[-1] + _gap(ch))
    for ca in a:
        current = [previous[0] + _gap(ca)]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + _gap(ca), current[j - 1] + _gap(cb),
                               previous[j - 1] + _substitution(ca, cb)))
        previous = current
    return previous[-1]


def latin_variants(word: str) -> list[str]:
    """The word, then the word without each plural or oblique ending it has (at least 3 letters left)."""
    out = [word]
    for ending in LATIN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            out.append(word[: -len(ending)])
    return out


STEM_PENALTY = 0.2  # a reading through a stem or an ending removed is a little less sure than a whole word


def closeness(latin_word: str, hindi_word: str, hindi_stem: str) -> float:
    """How far a Latin word reads from a Hindi word (or through their stems): smaller is closer."""
    typed = [latin_form(v) for v in latin_variants(latin_word)]
    whole, stem = devanagari_form(hindi_word), devanagari_form(hindi_stem)
    best = form_distance(typed[0], whole) if typed[0] and whole else 99.0
    for t in typed:
        for w in (whole, stem):
            if t and w and (t, w) != (typed[0], whole):
                best = min(best, form_distance(t, w) + STEM_PENALTY)
    return best


def limit_for(latin_word: str) -> float:
    return max(CLOSE_ENOUGH, CLOSE_PER_LETTER * len(latin_form(latin_word)))


# Romanised function words, as the model reading a query's meaning is given them (kb.search.dense): the
# keyword side drops them (kb.search.analysis), but "X ka Y" reads better to the model as "X का Y".
FUNCTION_WORDS = {
    "ka": "का", "ki": "की", "ke": "के", "ko": "को", "mein": "में", "me": "में", "se": "से", "aur": "और",
    "hai": "है", "hain": "हैं", "karne": "करने", "karna": "करना", "liye": "लिए", "lie": "लिए",
    "dwara": "द्वारा", "nahi": "नहीं", "nahin": "नहीं", "wala": "वाला", "wali": "वाली", "wale": "वाले",
    "kaise": "कैसे", "kya": "क्या", "kiya": "किया", "kiye": "किए", "hota": "होता", "hoti": "होती",
}
