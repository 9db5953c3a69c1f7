"""Acronyms and domain synonyms (kb/data/search-synonyms.txt): "RTS" also searches "right to service"."""
from __future__ import annotations

import pytest

from kb.search.synonyms import SynonymError, expand, parse_synonyms, synonyms
from kb.services import catalog

TABLE = parse_synonyms("RTS | right to service | services guarantee\nmutation | ferfar | dakhil kharij\n")


def test_an_acronym_is_also_searched_as_its_expansions_and_phrases_stay_phrases():
    text, used = expand("RTS kiosks", TABLE)
    assert text == '(RTS OR "right to service" OR "services guarantee") kiosks'
    assert used == [("RTS", ["right to service", "services guarantee"])]


def test_entries_differing_only_in_their_endings_are_searched_once_and_all_shown():
    table = parse_synonyms("CSC | common services centre | common service centres | csc centre\n")
    text, used = expand("CSC", table)
    assert text == '(CSC OR "common services centre" OR "csc centre")'
    assert used == [("CSC", ["common services centre", "common service centres", "csc centre"])]


def test_a_several_word_entry_is_matched_in_any_letter_case():
    text, used = expand("Dakhil Kharij online", TABLE)
    assert text == "((Dakhil Kharij) OR mutation OR ferfar) online" and used[0][0] == "Dakhil Kharij"


def test_quoted_phrases_exclusions_and_operators_are_left_as_typed():
    assert expand('"RTS" -mutation', TABLE) == ('"RTS" -mutation', [])


@pytest.mark.parametrize("text, reason", [("RTS\n", "expected"), ("RTS | right\nrts | other\n", "already"),
                                          ("RTS | ---\n", "no word")])
def test_a_mistake_in_the_file_names_its_line(text, reason):
    with pytest.raises(SynonymError, match=reason):
        parse_synonyms(text)


def test_the_shipped_list_covers_the_acronyms_trainers_type():
    known = {words for words in synonyms().by_words}
    for acronym in ("rts", "ifms", "csc", "vle", "dbt", "pds", "rto", "opd", "ferfar"):
        assert (acronym,) in known, acronym
    assert ("dakhil", "kharij") in known and ("e", "tendering") in known


def test_searching_an_acronym_finds_the_cases_that_spell_it_out_and_says_so(make_case, client):
    make_case(901, title="A guarantee of public services", summary="Citizens have a right to service in time.")
    make_case(902, title="Kiosks for land records")
    page = catalog.search_cases("RTS")
    assert [case.public_id for case in page.items] == ["KB-0901"]
    assert page.synonyms_used and page.synonyms_used[0][0] == "RTS"
    html = client.get("/cases?q=RTS").get_data(as_text=True)
    assert "Also searched as:" in html and "right to service" in html
    assert "इन रूपों में भी खोजा गया:" in client.get("/hi/cases?q=RTS").get_data(as_text=True)
