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

from whoosh.analysis import Token, Tokenizer
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


STOP_LIST = frozenset(STOP_WORDS) | HINDI_STOP_WORDS | ROMANISED_STOP_WORDS


# ---------------------------------------------------------------------------------------------------
# The one pipeline: each raw token -> (whole word, stem), or dropped.
#
# Indexing analyses every case once into kb.search.termindex's arrays; Whoosh's query parser and the
# snippets ask the same functions (text_analyzer() below is only Whoosh's view of them). A cache from
# raw token to (word, stem) makes each token one regex match and one dict lookup: a library's
# vocabulary is tens of thousands of words, its text millions of tokens.

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
    """(whole word, stem) of every kept token of ``text``, in order."""
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
    """The terms ``text`` is indexed and searched as."""
    return [stem for _, stem in analysed_tokens(text)]


def stem_of_token(raw: str) -> str | None:
    """The term one raw token (a regex match of WORD_PATTERN) is indexed as; None if it is dropped."""
    pair = _token_cache.get(raw, False)
    if pair is False:
        pair = _analyse_token(raw)
        if len(_token_cache) < _CACHE_LIMIT:
            _token_cache[raw] = pair
    return pair[1] if pair else None


class AnalysisTokenizer(Tokenizer):
    """Whoosh's view of the pipeline above, for its query parser (and a plain Whoosh index in the
    tests): the tokens ``analysed_tokens`` keeps, as stems (or whole words with ``stemmed=False``).
    Positions count every word, dropped ones too, as Whoosh's own tokenizers do; with
    ``removestops=False`` a dropped word comes through marked ``stopped``."""

    def __init__(self, stemmed: bool = True):
        self.stemmed = stemmed

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.stemmed == self.stemmed

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for offset, match in enumerate(WORD_RE.finditer(value) if tokenize else [re.match(r"(?s).*", value)]):
            raw = match.group()
            pair = _token_cache.get(raw, False)
            if pair is False:
                pair = _analyse_token(raw)
            if pair is None and removestops:
                continue
            token.stopped = pair is None
            token.text = ((pair[1] if self.stemmed else pair[0]) if pair
                          else fold_devanagari(unicodedata.normalize("NFC", raw).lower()))
            token.boost = 1.0
            if keeporiginal:
                token.original = raw
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
            yield token


def text_analyzer() -> AnalysisTokenizer:
    """Analyzer of the searchable text fields: words, NFC and Devanagari folding, lower case, stop words
    and one-letter words dropped, stemmed."""
    return AnalysisTokenizer()


def word_analyzer() -> AnalysisTokenizer:
    """Whole words, unstemmed: the vocabulary for "did you mean" and for prefix* expansion."""
    return AnalysisTokenizer(stemmed=False)


def words(text: str) -> list[str]:
    """The whole words of ``text`` (used to build suggestions)."""
    return [word for word, _ in analysed_tokens(text)]
