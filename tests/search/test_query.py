"""kb.search.query: what users type is repaired, never an error."""
import pytest

from kb.search.query import MAX_QUERY_CHARS, clean_query_text


@pytest.mark.parametrize("raw, text, notice", [
    ('"land records', "land records", "quotation"),
    ("(pds OR ration", "pds OR ration", "parentheses"),
    ("pds) OR (ration", "pds OR ration", "parentheses"),
    ("OR", "", "operator"),
    ("land AND", "land", "operator"),
    ("AND OR land", "land", "operator"),
    ("- * land", "land", "operator"),
    ("land\x00 records\x1b", "land records", "control"),
])
def test_malformed_input_is_repaired_with_a_notice(raw, text, notice):
    cleaned, notices = clean_query_text(raw)
    assert cleaned == text
    assert any(notice in n for n in notices)


def test_very_long_queries_are_cut():
    cleaned, notices = clean_query_text("land " * 5000)
    assert len(cleaned) <= MAX_QUERY_CHARS
    assert any("shortened" in n for n in notices)


def test_well_formed_queries_are_left_alone():
    for raw in ('"land records" kiosks', "passport OR visa", "(pds OR ration) card", "kiosks -rural", "procure*"):
        assert clean_query_text(raw) == (raw, [])


def test_a_hyphen_inside_a_word_joins_it_and_only_a_leading_one_excludes():
    assert clean_query_text("e-procurement savings") == ("e procurement savings", [])
    assert clean_query_text("ई-मित्र कियोस्क") == ("ई मित्र कियोस्क", [])
    assert clean_query_text("kiosks -rural") == ("kiosks -rural", [])
