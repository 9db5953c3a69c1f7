"""Reading what a user typed: the offered query language, and nothing else.

Offered: words (all must match; a word of the Hindi–English glossary also matches its counterparts,
see kb.search.glossary), "quoted phrases", -exclusions, OR (and AND, NOT), parentheses, and
prefix* with a bounded expansion. Whoosh's field syntax (``status:draft``), ranges, boosts and ``*:*``
are not offered, so their plugins are removed: such text is read as plain words. Malformed input never
errors: it is repaired (unbalanced quotes and parentheses dropped, lone operators removed, control
characters stripped, very long text cut) and each repair is reported as a notice.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from whoosh import qparser
from whoosh import query as wq

from kb.search.analysis import LATIN_WORD, WORD_RE, stem_of_token, stems
from kb.search.analysis import words as analyzed_words
from kb.search.documents import FIELD_BOOSTS, SEARCH_FIELDS
from kb.search.glossary import Widened, add_counterparts
from kb.search.romanised import FUNCTION_WORDS
from kb.search.synonyms import expand as expand_synonyms

MAX_QUERY_CHARS = 256
MAX_PREFIX_TERMS = 40
MIN_PREFIX_CHARS = 2
OPERATORS = {"AND", "OR", "NOT"}


@dataclasses.dataclass
class ParsedQuery:
    text: str  # the query as finally read (after repairs)
    query: wq.Query | None  # None: no search text (list everything)
    notices: list[Any]  # lazy strings: shown in the language of the page (or the API) that shows them
    several_words: bool = False  # an any-word fallback exists (any_words_query builds it when needed)
    widened: list[Widened] = dataclasses.field(default_factory=list)  # words also searched in the other language
    # Acronyms and synonyms also searched (kb.search.synonyms): (entry as typed, the other entries).
    synonyms_used: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    searched_text: str = ""  # ``text`` with its synonyms widened: what is parsed
    # Romanised Hindi (kb.search.romanised): the stem of a typed Latin word -> (Hindi word, weight) it is
    # also searched as; and the text the meaning side reads, its romanised words in Devanagari.
    readings: dict[str, list[tuple[str, float]]] = dataclasses.field(default_factory=dict)
    meaning_text: str = ""


def clean_query_text(raw: str | None) -> tuple[str, list[Any]]:
    """Repair what a user typed; return the text to parse and the notices about what changed."""
    notices: list[Any] = []
    text = unicodedata.normalize("NFC", raw or "")
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200c\u200d" else ch
                      for ch in text)
    if cleaned != text:
        notices.append(_l("control characters were removed from your search"))
    text = re.sub(r"\s+", " ", cleaned).strip()
    # A hyphen inside a word joins its parts (e-procurement, ई-मित्र); only a leading one excludes.
    text = re.sub(r"(?<=[^\W_]|[\u0900-\u097F])-(?=[^\W_]|[\u0900-\u097F])", " ", text)
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notices.append(_l("your search was shortened to %(limit)s characters", limit=MAX_QUERY_CHARS))
    if text.count('"') % 2:
        text = text.replace('"', " ")
        notices.append(_l("an unmatched quotation mark was ignored"))
    if not _parentheses_balanced(text):
        text = text.replace("(", " ").replace(")", " ")
        notices.append(_l("unmatched parentheses were ignored"))
    tokens = text.split()
    kept = _drop_lone_operators(tokens)
    if len(kept) != len(tokens):
        notices.append(_l("an operator with nothing to combine was ignored"))
    return " ".join(kept), notices


def _parentheses_balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _drop_lone_operators(tokens: list[str]) -> list[str]:
    kept: list[str] = []
    for token in tokens:
        if re.fullmatch(r"[-+*]+", token):
            continue
        if token in OPERATORS and (not kept or kept[-1] in OPERATORS or kept[-1].endswith("(")):
            continue
        kept.append(token)
    while kept and kept[-1] in OPERATORS:
        kept.pop()
    return kept


def _parser(group) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema=None, fieldboosts=FIELD_BOOSTS, group=group)
    for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin,
                   qparser.SingleQuotePlugin, qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None))
    parser.add_plugin(qparser.PlusMinusPlugin())
    return parser


def parse(raw: str | None, schema, vocabulary) -> ParsedQuery:
    """``vocabulary`` expands prefixes: anything with ``words_with_prefix(prefix, limit)`` (a TermView)."""
    text, notices = clean_query_text(raw)
    if not text:
        return ParsedQuery(text="", query=None, notices=notices)
    widened: list[Widened] = []
    searched, synonyms_used = expand_synonyms(text)
    readings = romanised_readings(searched, vocabulary)
    try:
        query = _parse_with(qparser.AndGroup, searched, schema, vocabulary, widened, readings)
    except Exception:  # the parser is not ours to trust with arbitrary text: fall back to plain words
        text = searched = " ".join(analyzed_words(text)) or ""
        notices.append(_l("special characters in your search were read as plain text"))
        widened, synonyms_used = [], []
        readings = romanised_readings(text, vocabulary)
        query = _parse_with(qparser.AndGroup, text, schema, vocabulary, widened, readings) if text else None
    if query is None or query is wq.NullQuery or not list(query.iter_all_terms()):
        query, widened, synonyms_used = None, [], []
        notices.append(_l("your search has only very common words; showing everything"))
    several_words = query is not None and _plain_words(text) > 1
    return ParsedQuery(text=text, query=query, notices=notices, several_words=several_words, widened=widened,
                       synonyms_used=synonyms_used, searched_text=searched, readings=readings,
                       meaning_text=meaning_text(text, vocabulary, readings))


def any_words_query(parsed: ParsedQuery, schema, vocabulary) -> wq.Query | None:
    """The OR-of-words reading of a query of several words (parsed only when all-words finds nothing)."""
    if not parsed.several_words:
        return None
    return _parse_with(qparser.OrGroup, parsed.searched_text or parsed.text, schema, vocabulary,
                       readings=parsed.readings)


def word_queries(parsed: ParsedQuery, schema, vocabulary) -> list[wq.Query]:
    """One query per word (or synonym group) of a plain search, each widened as the search widens it:
    which cases have which of the words (kb.search.engine weighs a partial match with them)."""
    if not parsed.several_words:
        return []
    parser = _parser(qparser.OrGroup)
    parser.schema = schema
    query = parser.parse(parsed.searched_text or parsed.text)
    children = query.subqueries if isinstance(query, wq.Or) else [query]
    # The parser gives a word as one term per field, side by side with the other words' terms.
    words: dict[object, list[wq.Query]] = {}
    for child in children:
        if isinstance(child, wq.Not):
            continue
        key = child.text if isinstance(child, wq.Term) else id(child)
        words.setdefault(key, []).append(child)
    return [add_counterparts(add_romanised(_bound_expansions(wq.Or(terms), vocabulary), parsed.readings)).normalize()
            for terms in words.values()]


def _plain_words(text: str) -> int:
    return len([t for t in text.split() if t not in OPERATORS and not t.startswith("-")])


def _parse_with(group, text: str, schema, vocabulary, widened: list[Widened] | None = None,
                readings: dict | None = None) -> wq.Query:
    parser = _parser(group)
    parser.schema = schema
    query = parser.parse(text)
    query = add_romanised(_bound_expansions(query, vocabulary), readings or {})
    return add_counterparts(query, widened=widened).normalize()


ROMANISED_WEIGHT = 0.8  # a Hindi word a romanised word not in the library reads as (the closest reading)
ROMANISED_KNOWN_WEIGHT = 0.3  # ... when the Latin word is a word of the library itself (online, card)
OTHER_READING = 0.5  # a further reading, less close than the closest, weighs this share of it
READINGS = 3  # at most this many Hindi words per romanised word
COMPOUND_CLOSE = 0.75  # two typed words read as one Hindi word (praman patra = प्रमाणपत्र) this closely
KNOWN_CLOSE = 0.6  # ... and a Latin word the library has (card, pension) as a Hindi word this closely
MEANING_CLOSE = 0.6  # a romanised word is given to the meaning side in Devanagari when read this closely


def romanised_readings(text: str, vocabulary) -> dict[str, list[tuple[str, float]]]:
    """The stem of each Latin word typed -> the library's Hindi words it may be a romanisation of
    (kb.search.romanised), with their weights: the closest at ROMANISED_WEIGHT (ROMANISED_KNOWN_WEIGHT if
    the Latin word is itself a word of the library), the others at OTHER_READING of that. Two typed words
    that read as one Hindi word (praman patra, vidhan sabha) each also stand for it."""
    if not hasattr(vocabulary, "hindi_readings"):
        return {}
    typed = [(raw.lower(), stem_of_token(raw)) for raw in WORD_RE.findall(text.replace('"', " \" "))]
    readings: dict[str, list[tuple[str, float]]] = {}
    for word, stem in typed:
        if stem is None or stem in readings or not LATIN_WORD.match(word):
            continue
        found = vocabulary.hindi_readings(word, READINGS)
        known = vocabulary.word_df(word) > 0
        if known:  # an English word of the library (kiosk) is read as Hindi only when it clearly is Hindi
            found = [(hindi, distance) for hindi, distance in found if distance <= KNOWN_CLOSE]
        if found:
            weight = ROMANISED_KNOWN_WEIGHT if known else ROMANISED_WEIGHT
            closest = found[0][1]
            readings[stem] = [(hindi, weight if distance <= closest else weight * OTHER_READING)
                              for hindi, distance in found]
    for (first, first_stem), (second, second_stem) in zip(typed, typed[1:]):
        if not (first_stem and second_stem and LATIN_WORD.match(first) and LATIN_WORD.match(second)):
            continue
        joined = vocabulary.hindi_readings(first + second, 1)
        if joined and joined[0][1] <= COMPOUND_CLOSE:
            for stem in (first_stem, second_stem):
                readings.setdefault(stem, []).append((joined[0][0], ROMANISED_WEIGHT))
    return readings


def meaning_text(text: str, vocabulary, readings: dict[str, list[tuple[str, float]]]) -> str:
    """What the meaning side reads: ``text`` with each romanised word the library lacks written as the
    Hindi word it reads as most closely, and romanised function words in Devanagari (the model knows
    Hindi far better than Hindi typed in Latin letters). ``text`` itself when nothing was read so."""
    if not readings or not hasattr(vocabulary, "hindi_readings"):
        return text
    out, content, read, replaced = [], 0, 0, False
    for raw in text.split():
        word = raw.lower()
        stem = stem_of_token(word) if LATIN_WORD.match(word) else None
        found = vocabulary.hindi_readings(word, 1) if stem and stem in readings else []
        close = bool(found) and found[0][1] <= MEANING_CLOSE
        content += stem is not None
        read += close
        if close and not vocabulary.word_df(word):
            out.append(found[0][0])
            replaced = True
        else:
            out.append(FUNCTION_WORDS.get(word, raw))
    # Only a search mostly read as Hindi is: an English question with one word that happens to sound like
    # a Hindi one ("make sure" ~ शुरू) is given to the model as typed.
    return " ".join(out) if replaced and read * 2 > content else text


def add_romanised(query: wq.Query, readings: dict[str, list[tuple[str, float]]]) -> wq.Query:
    """Widen each plain Latin word with the Hindi words it reads as (``romanised_readings``), in the same
    fields and with the same boosts, at their weights. Phrases and excluded words are left as typed."""
    if not readings:
        return query
    if isinstance(query, wq.Or):
        children = [child if isinstance(child, wq.Term) else add_romanised(child, readings)
                    for child in query.subqueries]
        fields_of_word: dict[str, list[wq.Term]] = {}
        for child in children:
            if isinstance(child, wq.Term):
                fields_of_word.setdefault(child.text, []).append(child)
        for text, terms in fields_of_word.items():
            if len({term.fieldname for term in terms}) < 2 or text not in readings:
                continue  # one field: a prefix expansion, not a typed word
            weights: dict[str, float] = {}
            for word, weight in readings[text]:
                for stem in stems(word):
                    weights[stem] = max(weights.get(stem, 0.0), weight)
            for stem, weight in weights.items():
                children += [wq.Term(term.fieldname, stem, boost=term.boost * weight) for term in terms]
        result = copy.copy(query)
        result.subqueries = children
        return result
    if isinstance(query, (wq.Term, wq.Phrase, wq.Not)):
        return query
    if isinstance(query, wq.AndNot):
        result = copy.copy(query)
        result.a = add_romanised(query.a, readings)
        return result
    return query.apply(lambda child: add_romanised(child, readings))


def _bound_expansions(query: wq.Query, vocabulary) -> wq.Query:
    """Replace prefix* with an OR of the terms of at most MAX_PREFIX_TERMS whole words, most frequent first.

    Prefixes match the unstemmed word vocabulary: a stemmed field holds "procur", which the prefix
    "procure" does not match. Each word found is searched as its stem, in the prefix's own field and
    with its boost. Any other wildcard is read as a plain word.
    """
    if isinstance(query, (wq.Prefix, wq.Wildcard)):
        pattern = query.text.lower()
        prefix = pattern.rstrip("*")
        if isinstance(query, wq.Wildcard) and ("?" in prefix or "*" in prefix):
            prefix = re.sub(r"[*?]", "", prefix)
        if len(prefix) < MIN_PREFIX_CHARS:
            return wq.NullQuery
        terms = sorted({stem for word in vocabulary.words_with_prefix(prefix, MAX_PREFIX_TERMS)
                        for stem in stems(word)})
        if not terms:  # no known word starts so: find nothing (rather than everything)
            return wq.Term(query.fieldname, prefix, boost=query.boost)
        return wq.Or([wq.Term(query.fieldname, term, boost=query.boost) for term in terms])
    return query.apply(lambda child: _bound_expansions(child, vocabulary))
