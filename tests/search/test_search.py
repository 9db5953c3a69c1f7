"""kb.search through the catalog service: ranking, facets, highlights, suggestions, similar cases."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.services import catalog
from kb.services.catalog import CaseFilters


def ids(page):
    return [case.public_id for case in page.items]


def test_all_words_must_match_and_title_matches_rank_first(make_case, make_document):
    make_case(901, title="Grievance redressal by video conference", summary="A state links citizens to officials.")
    make_case(902, title="Kiosks for land records",
              body=make_document().body.replace("Citizens queued", "Citizens with a grievance sought redressal and queued"))
    make_case(903, title="Ration shop automation", summary="Grievance handling is mentioned only here, nothing else.")
    page = catalog.search_cases("grievance redressal")
    assert ids(page) == ["KB-0901", "KB-0902"]
    assert not page.matched_any_word


def test_when_no_case_has_all_words_any_word_matches_and_it_is_said(make_case):
    make_case(901, title="Passport service centres")
    make_case(902, title="Visa on arrival kiosks")
    page = catalog.search_cases("passport visa")
    assert sorted(ids(page)) == ["KB-0901", "KB-0902"] and page.matched_any_word


def test_phrase_exclusion_or_and_prefix(make_case):
    make_case(901, title="Rural families get digital land deeds")
    make_case(902, title="Deeds of digital land in towns")
    make_case(903, title="Procurement portal savings")
    assert ids(catalog.search_cases('"land deeds"')) == ["KB-0901"]
    assert ids(catalog.search_cases("deeds -rural")) == ["KB-0902"]
    assert sorted(ids(catalog.search_cases("rural OR towns"))) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("procure*")) == ["KB-0903"]


HINDI_BODY = """## समस्या
भूमि अभिलेखों की नकल के लिए नागरिक कई दिन तहसील में कतार में लगते थे।

## समाधान
हर तहसील में कियोस्क से अभिलेख तुरंत छपकर मिलता है।

## प्रौद्योगिकी
राज्य स्तर का डेटाबेस और ऑपरेटरों का बायोमेट्रिक लॉग-इन।

## प्रभाव
प्रतीक्षा हफ़्तों से घटकर मिनटों में आ गई।

## सीख
डिजिटल अभिलेख पर भरोसा बनते ही हाथ से लिखी नकल बंद करें।

## दोहराने का तरीका
पहले अभिलेख डिजिटल करें, फिर ज़िलेवार लागू करें।
"""


def test_hindi_query_finds_hindi_case_first_and_english_query_english_case_first(make_case):
    hindi_body = HINDI_BODY
    make_case(901, language="hi", title="भूमि अभिलेखों का डिजिटलीकरण", body=hindi_body, mmp="e-district", tags=["kiosks"],
              summary="तहसील कार्यालय में भूमि अभिलेख अब कंप्यूटर से मिलते हैं।")
    make_case(902, title="Digitised land records at taluk kiosks")
    # The glossary (tests/search/test_glossary.py) also finds each case in the other language, ranked after.
    assert ids(catalog.search_cases("भूमि अभिलेख")) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("अभिलेखों")) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("तहसील कार्यालय")) == ["KB-0901"]
    assert ids(catalog.search_cases("land records")) == ["KB-0902", "KB-0901"]


@pytest.mark.parametrize("raw", [
    '"unbalanced', "(((", "))", "OR", "AND NOT", "-", "*", "a" * 10_000, "\x00\x07\x1b[2J", "title:", "[a TO z]",
    "x^99", "*:*", '"""', "(a OR", "ई-मित्र\u200d\u200c", "\ufeff", "%00", "' OR 1=1 --", "((((((((((a))))))))))",
])
def test_malformed_queries_never_error(make_case, raw):
    make_case(901, title="Kiosks for land records in every taluk")
    page = catalog.search_cases(raw)
    # Whatever it was read as, it answers with published cases only (or none), and a page of them.
    assert page.total in (0, 1) and [c.public_id for c in page.items] in ([], ["KB-0901"])
    assert len(page.items) == page.total and page.page == 1
    assert all(isinstance(notice, str) or hasattr(notice, "__html__") for notice in page.notices)


def test_field_syntax_wildcards_and_ranges_cannot_reach_drafts(make_case, make_unpublished_case):
    make_case(901, title="Published kiosk practice")
    make_unpublished_case(950, title="Secret draft about grievance kiosks")
    make_unpublished_case(951, title="Secret submitted grievance case", status="submitted")
    for q in ("secret", "status:draft", "id:KB-0950", "KB-0950", "secret*", "*", "*:*", "number:[0 TO 9999]",
              "kind:case", "title:secret", "grievance", "kiosks", "secret-tag-950", "draft"):
        page = catalog.search_cases(q)
        assert "KB-0950" not in ids(page) and "KB-0951" not in ids(page), q
        for facet in page.facets.values():
            assert not any(str(entry["value"]).startswith("secret") for entry in facet), q
        assert "Secret" not in str(page.highlights) and "secret" not in (page.suggestion or ""), q
    assert [c.public_id for c in catalog.similar_cases("KB-0901")] == []


def test_facets_count_the_query_and_other_filters_but_not_their_own(make_case):
    make_case(901, title="Kiosk one", state="KL", mmp="pds", year=2010)
    make_case(902, title="Kiosk two", state="KA", mmp="pds", year=2012)
    make_case(903, title="Kiosk three", state="KA", mmp="land-records", year=2012)
    make_case(904, title="Unrelated treasury work", state="KA", mmp="treasuries", year=2012)
    page = catalog.search_cases("kiosk", CaseFilters(state=["KL"], mmp=["pds"]))
    assert ids(page) == ["KB-0901"]
    counts = {facet: {e["value"]: e["count"] for e in entries} for facet, entries in page.facets.items()}
    assert counts["state"] == {"KL": 1, "KA": 1}  # kiosk + mmp=pds, any state
    assert counts["mmp"] == {"pds": 1}  # kiosk + state=KL, any mmp
    assert counts["year"] == {2010: 1}  # both filters apply to other facets
    assert counts["mmp_category"] == {"state": 1}


def test_or_within_a_facet_and_across_facets(make_case):
    make_case(901, state="KL", mmp="pds")
    make_case(902, state="KA", mmp="pds")
    make_case(903, state="KA", mmp="land-records")
    assert sorted(ids(catalog.search_cases("", CaseFilters(state=["KL", "KA"], mmp=["pds"])))) == ["KB-0901", "KB-0902"]
    assert ids(catalog.search_cases("", CaseFilters(tag=["kiosks"], year=[1999]))) == []


def test_sort_by_newest_and_title_and_a_correct_total(make_case):
    for i, (title, day) in enumerate([("Charlie practice", 3), ("Alpha practice", 1), ("Bravo practice", 2)]):
        make_case(901 + i, title=title, published=dt.date(2026, 1, day))
    assert [c.published_revision.title for c in catalog.search_cases("practice", sort="title").items] == \
        ["Alpha practice", "Bravo practice", "Charlie practice"]
    assert [c.published_revision.title for c in catalog.search_cases("practice", sort="newest").items] == \
        ["Charlie practice", "Bravo practice", "Alpha practice"]
    page2 = catalog.search_cases("practice", sort="title", page=2, per_page=2)
    assert page2.total == 3 and [c.published_revision.title for c in page2.items] == ["Charlie practice"]


def test_highlights_escape_everything_but_mark(make_case, make_document):
    make_case(901, title="Kiosks <b>bold</b> & more",
              body=make_document().body.replace("Citizens queued", "Citizens <script>alert(1)</script> queued at kiosks"))
    page = catalog.search_cases("kiosks")
    title_html, snippet, _ = page.highlights["KB-0901"]
    assert "<mark>Kiosks</mark>" in title_html and "&lt;b&gt;" in title_html and "&amp;" in title_html
    assert "<mark>" in snippet and "<script>" not in snippet and "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_did_you_mean_comes_from_the_index_vocabulary(make_case):
    make_case(901, title="Grievance redressal by video conference")
    make_case(902, title="Telemedicine for rural clinics")
    assert catalog.search_cases("grievence redressal").suggestion == "grievance redressal"
    assert catalog.search_cases("telemedecine").suggestion == "telemedicine"
    assert catalog.search_cases("grievance redressal").suggestion is None, "no suggestion when it cannot help"


def test_similar_practices_are_published_and_never_the_case_itself(make_case):
    make_case(901, title="Land records kiosks in Karnataka")
    make_case(902, title="Land records online in Odisha")
    make_case(903, title="Telemedicine hubs", tags=["health"])
    similar = [c.public_id for c in catalog.similar_cases("KB-0901")]
    assert "KB-0901" not in similar and similar and similar[0] == "KB-0902"


def test_a_hyphenated_word_is_not_an_exclusion(make_case):
    make_case(901, title="E-procurement portal savings")
    assert ids(catalog.search_cases("e-procurement")) == ["KB-0901"]


def test_when_nothing_matches_the_suggestion_is_searched_and_it_is_said(make_case):
    make_case(901, title="Telemedicine for rural clinics")
    page = catalog.search_cases("telemedecine")
    assert ids(page) == ["KB-0901"]
    assert page.corrected_from == "telemedecine" and page.suggestion == "telemedicine"


def test_pages_of_equally_scored_cases_stay_disjoint_and_complete(make_case):
    for number in range(901, 926):
        make_case(number, title=f"Practice number {number}")
    pages = [ids(catalog.search_cases("practice", page=n, per_page=10)) for n in (1, 2, 3)]
    every = [public_id for page in pages for public_id in page]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert len(set(every)) == 25, "no case appears on two pages"
