"""kb.search.glossary: a search word is also searched as its counterpart in the other language."""
from __future__ import annotations

import pytest

from kb.search.glossary import GlossaryError, counterparts, parse_glossary
from kb.services import catalog
from tests.search.test_search import HINDI_BODY, ids

ENGLISH_BODY = """## Problem
Pensioners travelled to the treasury every November to prove they were alive.

## Solution
A biometric certificate given at any citizen service centre.

## Technology
Aadhaar authentication and a central repository.

## Impact
Ten lakh certificates in the first year.

## Lessons
Bring the service to the pensioner.

## How to replicate
Start with one treasury.
"""


@pytest.fixture
def two_languages(make_case):
    make_case(901, language="hi", title="भूमि अभिलेखों का डिजिटलीकरण", body=HINDI_BODY, tags=["kiosks"], mmp="e-district",
              summary="तहसील कार्यालय में भूमि अभिलेख अब कंप्यूटर से मिलते हैं।")
    make_case(902, title="Digitised land records at taluk kiosks", tags=["kiosks", "land-records"])
    make_case(903, title="Life certificates for pensioners", body=ENGLISH_BODY, summary="Pensions without queues.",
              mmp="treasuries", tags=["pensions"])


def test_a_hindi_search_also_finds_english_cases_ranking_hindi_ones_first(two_languages):
    assert ids(catalog.search_cases("भूमि अभिलेख")) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("पेंशन")) == ["KB-0903"]


def test_an_english_search_also_finds_hindi_cases_ranking_english_ones_first(two_languages):
    assert ids(catalog.search_cases("land records")) == ["KB-0902", "KB-0901"]


def test_phrases_prefixes_and_words_outside_the_glossary_are_searched_as_typed(two_languages):
    assert ids(catalog.search_cases('"land records"')) == ["KB-0902"]
    assert ids(catalog.search_cases('"भूमि अभिलेख"')) == ["KB-0901"]
    # Not in the glossary: the Hindi case's तहसील is found as what "tahsil" romanises (kb.search.romanised).
    assert sorted(ids(catalog.search_cases("tahsil"))) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("pensio*")) == ["KB-0903"]


def test_an_exclusion_excludes_the_counterparts_too(two_languages):
    assert ids(catalog.search_cases("kiosks -land")) == []
    assert ids(catalog.search_cases("records OR pension -भूमि")) == ["KB-0903"]


def test_counterparts_are_highlighted_in_the_results(two_languages):
    title_html, _snippet, _translated = catalog.search_cases("भूमि अभिलेख").highlights["KB-0902"]
    assert "<mark>land</mark> <mark>records</mark>" in str(title_html)


def shown(results) -> list[tuple[str, list[str]]]:
    return [(word.text, [other.text for other in others]) for word, others in results.also_searched]


def test_the_words_also_searched_are_told_as_the_glossary_writes_them(two_languages):
    assert shown(catalog.search_cases("भूमि अभिलेखों")) == [("भूमि", ["land"]), ("अभिलेख", ["record"])]
    records = catalog.search_cases("pension records")
    assert shown(records) == [("pension", ["पेंशन"]), ("record", ["अभिलेख", "रिकॉर्ड"])]
    word, others = records.also_searched[1]
    assert (word.lang, [other.lang for other in others]) == ("en", ["hi", "hi"])


def test_nothing_is_told_as_also_searched_for_phrases_prefixes_exclusions_or_other_words(two_languages):
    for text in ('"land records"', "pensio*", "tahsil", "zebra"):
        assert shown(catalog.search_cases(text)) == [], text
    assert shown(catalog.search_cases("kiosks -land")) == [("kiosk", ["कियोस्क"])]  # land was excluded, not searched
    assert shown(catalog.search_cases("records NOT भूमि")) == [("record", ["अभिलेख", "रिकॉर्ड"])]


def test_the_search_page_says_which_words_were_also_searched(client, two_languages):
    page = client.get("/cases?q=land").get_data(as_text=True)
    assert "Also searched in the other language:" in page
    assert '<span lang="en">land</span> → <span lang="hi">भूमि</span>, <span lang="hi">भू</span>' in page
    assert "Also searched in the other language" not in client.get("/cases?q=%22land+records%22").get_data(as_text=True)


def test_the_shipped_glossary_maps_both_ways_by_stem():
    table = counterparts()
    assert "land" in table["भूम"] and "भूम" in table["land"]
    assert table["servic"] == ("सेव",) and table["सेव"] == ("servic",)  # सेवाओं and services need no line
    assert len(table) > 200


@pytest.mark.parametrize("line, reason", [
    ("भूमि अभिलेख = land", "line 1: 'भूमि अभिलेख' is more than one word"),
    ("का = of", "line 1: 'का' is a stop word or too short"),
    ("भूमि land", "line 1: expected"),
    ("भूमि = land = earth", "line 1: expected"),
])
def test_a_bad_glossary_line_is_named_with_its_reason(line, reason):
    with pytest.raises(GlossaryError, match=reason):
        parse_glossary(line)


def test_comments_and_blank_lines_are_ignored():
    parsed = parse_glossary("# a comment\n\nपेंशन = pension  # same word\n")
    assert parsed.counterparts == {"पेंशन": ("pension",), "pension": ("पेंशन",)}
    assert parsed.words == {"पेंशन": "पेंशन", "pension": "pension"}


def test_a_mistake_in_the_glossary_file_stops_the_start_and_names_its_line(app_config, tmp_path, monkeypatch):
    from kb import create_app
    from kb.search import glossary

    bad = tmp_path / "search-glossary.txt"
    bad.write_text("# concepts\nपेंशन = pension\nभूमि अभिलेख = land records\n", encoding="utf-8")
    monkeypatch.setattr(glossary, "GLOSSARY_PATH", bad)
    glossary.glossary.cache_clear()
    try:
        with pytest.raises(GlossaryError, match="search-glossary.txt line 3: 'भूमि अभिलेख' is more than one word"):
            create_app(app_config)
    finally:
        glossary.glossary.cache_clear()
