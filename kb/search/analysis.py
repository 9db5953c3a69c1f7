"""Text analysis for English and Hindi.

Whoosh's default tokenizer uses ``\\w``, which does not match Devanagari vowel signs, virama or nukta
(Unicode categories Mn/Mc), so "भूमि अभिलेखों" falls apart into fragments and Hindi searches find
nothing. The tokenizer here keeps every Devanagari letter and combining mark (U+0900–U+097F except the
dandas U+0964/U+0965, which end sentences) plus ZWJ/ZWNJ inside words. Tokens are normalised to NFC so
that text typed on different keyboards matches.

English words (Latin script) are Porter-stemmed; Hindi words get a light suffix stemmer (after
Ramanathan & Rao, "A Lightweight Stemmer for Hindi", 2003) so that अभिलेख finds अभिलेखों.
"""
from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

# A word: letters/digits (\w minus underscore) or Devanagari marks, plus joiners inside words.
WORD_PATTERN = r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097F\u200C\u200D\u0300-\u036F])+"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
LATIN_WORD = re.compile(r"^[a-z]+$")

HINDI_STOP_WORDS = frozenset("""
का के की को में से पर और या है हैं था थे थी थीं हो होता होती होते होने एक यह ये वह वे इस इन उस उन
भी तो ही कि जो जब तक लिए साथ द्वारा गया गई गए किया किए करने करता करते करती कर रहा रही रहे
अपने अपनी अपना नहीं बहुत कुछ सभी सब हर ने
""".split())

# Longest suffixes first; a suffix is removed only if at least two characters of stem remain.
_HINDI_SUFFIXES = sorted(
    """
    ो े ू ु ी ि ा
    कर ाओ िए ाई ाए ने नी ना ते ीं ती ता ाँ ां ों ें
    ाकर ाइए ाईं ाया ेगी ेगा ोगी ोगे ाने ाना ाते ाती ाता तीं ाओं ाएं ुओं ुएं ुआं
    ाएगी ाएगा ाओगी ाओगे एंगी ेंगी एंगे ेंगे ूंगी ूंगा ातीं नाओं नाएं ताओं ताएं ियाँ ियों ियां
    ाएंगी ाएंगे ाऊंगी ाऊंगा ाइयाँ ाइयों ाइयां
    """.split(),
    key=len,
    reverse=True,
)


def stem_hindi(word: str) -> str:
    for suffix in _HINDI_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


class NfcFilter(Filter):
    """Normalise each token to NFC (offsets stay those of the original text, for highlighting)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = unicodedata.normalize("NFC", token.text)
            yield token


class BilingualStemFilter(Filter):
    """Porter stems for Latin-script words, the light Hindi stemmer for Devanagari, others untouched."""

    def __init__(self):
        self._cache: dict[str, str] = {}

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        cache = self._cache
        for token in tokens:
            if not token.stopped:
                text = token.text
                stemmed = cache.get(text)
                if stemmed is None:
                    if LATIN_WORD.match(text):
                        stemmed = porter_stem(text)
                    elif DEVANAGARI.search(text):
                        stemmed = stem_hindi(text)
                    else:
                        stemmed = text
                    if len(cache) < 100_000:
                        cache[text] = stemmed
                token.text = stemmed
            yield token


STOP_LIST = frozenset(STOP_WORDS) | HINDI_STOP_WORDS


def text_analyzer():
    """Analyzer of the searchable text fields: tokenize, NFC, lowercase, drop stop words, stem."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | NfcFilter()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_LIST, minsize=2)
        | BilingualStemFilter()
    )


def word_analyzer():
    """Whole words, unstemmed: the vocabulary for "did you mean" and for prefix* expansion."""
    return RegexTokenizer(WORD_PATTERN) | NfcFilter() | LowercaseFilter() | StopFilter(stoplist=STOP_LIST, minsize=2)


def words(text: str) -> list[str]:
    """The whole words of ``text`` as the word analyzer sees them (used to build suggestions)."""
    return [token.text for token in word_analyzer()(text)]
