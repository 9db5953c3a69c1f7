"""Side-by-side comparison of published cases, reached from search results and from a case page."""
from __future__ import annotations

import re

import pytest

from tests.services.test_citations import HINDI_BODY, HINDI_TITLE


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def three_cases(make_case):
    make_case(901, title="Land record kiosks in Karnataka")
    make_case(902, title="Ration shop automation", mmp="pds", state="AP", year=2012, stage="pilot",
              outcomes=[{"label": "Leakage", "before": 40, "after": 12, "unit": "%", "source": None}])
    make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY, state="UP", mmp="e-district")


def test_compare_page_aligns_metadata_figures_and_sections_in_columns(client, three_cases):
    response = client.get("/compare?ids=KB-0901&ids=KB-0902&ids=KB-0937")
    assert response.status_code == 200
    page = text_of(response)
    headers = re.findall(r'<th scope="col" lang="(\w+)">\s*<span class="badge">(KB-\d+)</span>', page)
    assert headers == [("en", "KB-0901"), ("en", "KB-0902"), ("hi", "KB-0937")]
    stage_row = re.search(r'<tr><th scope="row">Stage</th>(.*?)</tr>', page).group(1)
    assert re.findall(r"<td>(.*?)</td>", stage_row) == ["Statewide", "Pilot", "Statewide"]
    leakage = re.search(r'<tr><th scope="row" lang="en">Leakage</th>(.*?)</tr>', page, re.S).group(1)
    assert [c.strip() for c in re.findall(r'<td class="num">(.*?)</td>', leakage, re.S)] == ["", "40 → 12 %", ""]
    problem = re.search(r'<th scope="row">Problem</th>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td lang="(\w+)">(.*?)</td>', problem, re.S)
    assert [lang for lang, _ in cells] == ["en", "en", "hi"]
    assert "Citizens queued for days" in cells[0][1]
    assert "नागरिकों को शिकायत" in cells[2][1] and "समस्या" in cells[2][1], "the Hindi heading labels the cell"
    assert page.count('<th scope="row">') >= 6 + 9


def test_compare_page_offers_removing_a_column_and_adding_a_case(client, three_cases):
    page = text_of(client.get("/compare?ids=KB-0901&ids=KB-0902&ids=KB-0937"))
    assert 'href="/compare?ids=KB-0902&amp;ids=KB-0937"' in page
    form = re.search(r'<form class="compare-add" method="get" action="/compare">(.*?)</form>', page, re.S).group(1)
    assert re.findall(r'<input type="hidden" name="ids" value="(KB-\d+)">', form) == ["KB-0901", "KB-0902", "KB-0937"]
    two = text_of(client.get("/compare?ids=KB-0901&ids=KB-0902"))
    assert "Remove from comparison" not in two, "removing one of two would leave nothing to compare"


@pytest.mark.parametrize("query", ["", "?ids=KB-0901", "?ids=KB-0901&ids=kb-0901",
                                   "?ids=KB-0901&ids=KB-0902&ids=KB-0937&ids=KB-0903&ids=KB-0904"])
def test_fewer_than_two_or_more_than_four_cases_is_a_clear_400(client, three_cases, query):
    response = client.get(f"/compare{query}")
    assert response.status_code == 400
    page = text_of(response)
    assert "Choose 2 to 4 cases to compare." in page and "<strong>ids</strong>" in page


def test_unknown_or_unpublished_cases_are_a_404(client, three_cases, make_unpublished_case):
    make_unpublished_case(950)
    for query in ("?ids=KB-0901&ids=KB-0950", "?ids=KB-0901&ids=KB-4040"):
        response = client.get(f"/compare{query}")
        assert response.status_code == 404
        assert "Page not found" in text_of(response)


def test_search_results_have_a_compare_checkbox_in_a_get_form(client, three_cases):
    page = text_of(client.get("/cases"))
    assert '<form id="compare-form" class="compare-form" method="get" action="/compare"></form>' in page
    boxes = re.findall(r'<input type="checkbox" name="ids" value="(KB-\d+)" form="compare-form">', page)
    assert sorted(boxes) == ["KB-0901", "KB-0902", "KB-0937"]
    assert '<button type="submit" form="compare-form"' in page
    # Ticking and submitting works without JavaScript: the one script the site ships only folds the
    # filters on narrow screens, and no element of the page waits for a script to act.
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/kb.js" defer>']
    assert not re.search(r"\son[a-z]+=", page)


def test_case_page_links_to_a_comparison_with_similar_practices(client, make_case):
    make_case(901, title="Land record kiosks in Karnataka")
    make_case(904, title="Land record kiosks in Odisha", state="OD")
    page = text_of(client.get("/cases/KB-0901"))
    link = re.search(r'<a class="compare-link" href="(/compare\?ids=KB-0901[^"]*)">', page)
    assert link and "ids=KB-0904" in link.group(1)
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200
