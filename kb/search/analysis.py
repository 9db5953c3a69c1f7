"""Text analysis for English and Hindi.

Whoosh's default tokenizer uses ``\\w``, which does not match Devanagari vowel signs, virama or nukta
(Unicode categories Mn/Mc), so "भूमि अभिलेखों" falls apart into fragments and Hindi searches find
nothing. The tokenizer here keeps every Devanagari letter and combining mark (U+0900–U+097F except the
dandas U+0964/U+0965, which end sentences) plus ZWJ/ZWNJ inside words. Tokens are normalised to NFC so
that text typed on different keyboards matches.

English words (Latin script) are Porter-stemmed; Hindi words get a light suffix stemmer (after
Ramanathan & Rao, "A Lightweight Stemmer for Hindi", 2003) so that अभिलेख finds अभिलेखों.

Devanagari spelling variants are folded before stemming (``fold_devanagari``): the nukta (ज़मीन =
जमीन), candrabindu as anusvara (सेवाएँ = सेवाएं), and a nasal consonant with virama before another
consonant as anusvara (केन्द्र = केंद्र, हिन्दी = हिंदी). Everyday typing mixes these freely.

A few romanised Hindi function words (ka, ki, ke, mein, aur, ...) are stop words too, so that "zameen ka
record" asks for its content words (kb.search.romanised maps those to the library's Hindi words).
"""
from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

# A word: letters/digits (\w minus underscore) or Devanagari marks, plus joiners inside words.
WORD_CHAR = r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097F\u200C\u200D\u0300-\u036F])"
WORD_PATTERN = WORD_CHAR + "+"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
LATIN_WORD = re.compile(r"^[a-z]+$")

# Romanised Hindi function words that are not English words (so not "par", "to", "is", "us").
ROMANISED_STOP_WORDS = frozenset("""
ka ki ke ko mein se aur hai hain tha thi hota hoti hote karne karna kiya kiye liye lie dwara nahi nahin
wala wali wale
""".split())

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


_NUKTA = "\u093c"
# A nasal consonant with virama, inside a word, before a stop consonant (क-घ, च-झ, ट-ढ, त-ध, प-भ): the
# spellings केन्द्र/केंद्र, सम्पत्ति/संपत्ति. Not before य, र, ल, व, श, स, ह or another nasal (न्याय, अन्न stay).
_NASAL_BEFORE_CONSONANT = re.compile(
    "(?<=.)[\u0919\u091e\u0923\u0928\u092e]\u094d"
    "(?=[\u0915-\u0918\u091a-\u091d\u091f-\u0922\u0924-\u0927\u092a-\u092d])")


def fold_devanagari(word: str) -> str:
    """One spelling for the variants everyday typing mixes (an NFC word in; see the module docstring)."""
    if not DEVANAGARI.search(word):
        return word
    word = word.replace(_NUKTA, "").replace("\u0901", "\u0902")
    return _NASAL_BEFORE_CONSONANT.sub("\u0902", word)


def stem_hindi(word: str) -> str:
    for suffix in _HINDI_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


def stem_word(word: str) -> str:
    """The stem of a lower-cased word: Porter for Latin script, the light Hindi stemmer for Devanagari."""
    if LATIN_WORD.match(word):
        return porter_stem(word)
    if DEVANAGARI.search(word):
        return stem_hindi(word)
    return word


class NfcFilter(Filter):
    """Normalise each token to NFC and fold Devanagari variants (offsets stay those of the original
    text, for highlighting)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_devanagari(unicodedata.normalize("NFC", token.text))
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
                    stemmed = stem_word(text)
                    if len(cache) < 100_000:
                        cache[text] = stemmed
                token.text = stemmed
            yield token


STOP_LIST = frozenset(STOP_WORDS) | HINDI_STOP_WORDS | ROMANISED_STOP_WORDS


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


# ---------------------------------------------------------------------------------------------------
# The fast path: the same analysis as text_analyzer(), without a generator chain per token.
#
# Indexing analyses every case once and hands Whoosh the finished term lists (Whoosh indexes a list
# value as pre-analysed tokens, positions counted in order); the same terms feed kb.search.termindex.
# A cache from raw token to (word, stem) makes each token one regex match and one dict lookup: a
# library's vocabulary is tens of thousands of words, its text millions of tokens.

WORD_RE = re.compile(WORD_PATTERN)
_CACHE_LIMIT = 500_000
_token_cache: dict[str, tuple[str, str] | None] = {}


def _analyse_token(raw: str) -> tuple[str, str] | None:
    """(whole word, stem) of one raw token, or None when the analyzer drops it (stop word, too short)."""
    word = fold_devanagari(unicodedata.normalize("NFC", raw).lower())
    if len(word) < 2 or word in STOP_LIST:
        return None
    return word, stem_word(word)


def analysed_tokens(text: str) -> list[tuple[str, str]]:
    """(whole word, stem) of every kept token of ``text``, in order; the stems are what
    ``text_analyzer()`` yields for the same text (tests/search/test_analysis.py holds them equal)."""
    cache = _token_cache
    out = []
    for raw in WORD_RE.findall(text):
        pair = cache.get(raw, False)
        if pair is False:
            pair = _analyse_token(raw)
            if len(cache) < _CACHE_LIMIT:
                cache[raw] = pair
        if pair is not None:
            out.append(pair)
    return out


def stems(text: str) -> list[str]:
    """The terms ``text_analyzer()`` indexes for ``text``."""
    return [stem for _, stem in analysed_tokens(text)]


def stem_of_token(raw: str) -> str | None:
    """The term one raw token (a regex match of WORD_PATTERN) is indexed as; None if it is dropped."""
    pair = _token_cache.get(raw, False)
    if pair is False:
        pair = _analyse_token(raw)
        if len(_token_cache) < _CACHE_LIMIT:
            _token_cache[raw] = pair
    return pair[1] if pair else None
