"""The search page: what a person sees, with the whole state in the URL and no JavaScript needed."""
from __future__ import annotations

import re


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_search_page_shows_results_with_marked_words_and_a_count(client, library):
    page = text_of(client.get("/cases?q=telemedicine"))
    assert re.search(r"\b1 case\b|\b\d+ cases\b", page)
    assert "<mark>" in page and "eSanjeevani" in page
    assert 'value="telemedicine"' in page, "the query stays in the box"


def test_filters_show_as_removable_chips_and_the_url_holds_the_state(client, library):
    page = text_of(client.get("/cases?q=kiosks&state=KA&state=RJ"))
    chips = re.findall(r'<a class="chip" href="([^"]+)"', page)
    assert len(chips) == 2
    assert all("q=kiosks" in href for href in chips), "removing a chip keeps the query"
    assert any("state=RJ" in href and "state=KA" not in href for href in chips)
    assert 'type="checkbox" name="state" value="KA" checked' in page


def test_a_misspelling_gets_a_suggestion_and_the_corrected_results(client, library):
    page = text_of(client.get("/cases?q=telemedecine"))
    assert "No case matched “telemedecine”" in page and "telemedicine" in page
    assert "eSanjeevani" in page
    # Only "redressal" matched as typed, which is not a good match: the suggestion's results are shown.
    page = text_of(client.get("/cases?q=grievence+redressal"))
    assert "No case matched “grievence redressal”" in page and "<strong>grievance redressal</strong>" in page


def test_an_empty_result_shows_tips(client, library):
    page = text_of(client.get("/cases?q=zzqqxx+wwvvkk"))
    assert "No case matches your search." in page and "Check the spelling" in page


def test_malformed_search_text_is_repaired_and_said(client, library):
    response = client.get('/cases?q="land+records')
    assert response.status_code == 200
    assert "an unmatched quotation mark was ignored" in text_of(response)


def test_case_page_lists_similar_practices(client, library):
    page = text_of(client.get("/cases/KB-0001"))
    section = page.split("Similar practices", 1)[1].split("</ul>", 1)[0]
    assert "/cases/KB-0001\"" not in section
    assert section.count("<li") >= 3


def test_search_help_page_documents_the_query_language(client, app):
    page = text_of(client.get("/help/search"))
    for syntax in ('"land records"', "kiosks -rural", "passport OR visa", "procure*"):
        assert syntax.replace('"', "&#34;") in page or syntax in page
    assert "also searched in the other language" in page


def test_most_viewed_is_a_sort_of_the_search_page_in_both_languages(client, make_case):
    make_case(901, title="Much read practice")
    make_case(902, title="Seldom read practice")
    for _ in range(2):
        client.get("/en/cases/KB-0901")
    page = text_of(client.get("/en/cases?sort=views"))
    assert '<option value="views" selected>Most viewed</option>' in page
    assert page.index("Much read practice") < page.index("Seldom read practice")
    hindi = text_of(client.get("/hi/cases?sort=views&state=KA"))
    assert '<option value="views" selected>सबसे अधिक देखे गए</option>' in hindi


def test_awards_are_a_filter_group_of_the_search_page_linked_from_the_recognitions(client, library):
    page = text_of(client.get("/en/recognitions?award=United+Nations+Public+Service+Award"))
    link = "/en/cases?award=United+Nations+Public+Service+Award"
    assert f'<a href="{link}">Search the case studies with this award</a>' in page
    results = text_of(client.get(link))
    assert "<legend>Award</legend>" in results
    assert 'name="award" value="United Nations Public Service Award" checked' in results
    assert "KB-0043" in results and "KB-0008" in results and "KB-0027" not in results
    hindi = text_of(client.get("/hi/cases?award=United+Nations+Public+Service+Award"))
    assert "<legend>पुरस्कार</legend>" in hindi and "इस पुरस्कार वाले केस अध्ययन खोजें" in text_of(
        client.get("/hi/recognitions?award=United+Nations+Public+Service+Award"))
