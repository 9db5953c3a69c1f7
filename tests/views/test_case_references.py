"""Referencing on the public site: version history, diffs between versions, citation downloads, handouts."""
from __future__ import annotations

import io
import json
import re

import bibtexparser
import pypdf
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from kb.extensions import db
from kb.models import Revision
from tests.services.test_citations import HINDI_BODY, HINDI_TITLE
from tests.services.test_handouts import pdf_text


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def versioned_case(make_case):
    """KB-0901 published twice (version 1 superseded by 2) plus an unpublished draft 3."""
    make_case(901)
    case = make_case(901, title="Sample practice, revised",
                     body=open_body().replace("weeks to minutes", "weeks to seconds"))
    db.session.add(Revision(case=case, number=3, title="Draft nobody may see", summary="Draft.",
                            body="## Problem\nsecret\n", status="draft", language="en"))
    db.session.commit()
    return case


def open_body() -> str:
    from tests.conftest import SAMPLE_BODY

    return SAMPLE_BODY


# -- version history and diffs ---------------------------------------------------------------------


def test_case_page_links_to_the_version_history_and_to_what_changed(client, versioned_case):
    page = text_of(client.get("/cases/KB-0901"))
    assert 'href="/cases/KB-0901/versions"' in page
    assert 'href="/cases/KB-0901/diff?from=1&amp;to=2"' in page
    assert "Draft nobody may see" not in page


def test_version_history_lists_each_public_version_with_a_form_to_compare_two(client, versioned_case):
    page = text_of(client.get("/cases/KB-0901/versions"))
    rows = re.findall(r"<tr>\s*<td class=\"num\"><a href=\"/cases/KB-0901/v/(\d)\">", page)
    assert rows == ["2", "1"]
    assert "Sample practice, revised" in page and "Sample practice number 901" in page
    assert "Draft nobody may see" not in page and "/cases/KB-0901/v/3" not in page
    form = re.search(r'<form class="version-picker" method="get" action="/cases/KB-0901/diff">(.*?)</form>', page, re.S)
    assert form, "a GET form picks two versions"
    assert re.search(r'<select id="diff-from" name="from">\s*<option value="1" selected>', form.group(1))
    assert re.search(r'<option value="2" selected>', form.group(1).split('name="to"')[1])


def test_diff_page_shows_the_two_versions_side_by_side_with_word_changes(client, versioned_case):
    response = client.get("/cases/KB-0901/diff?from=1&to=2")
    assert response.status_code == 200
    page = text_of(response)
    assert "Changes between versions 1 and 2" in page
    assert "Waiting time fell from weeks to <del>minutes</del>." in page
    assert "Waiting time fell from weeks to <ins>seconds</ins>." in page
    assert "Sample practice <del>number 901</del>" in page and "Sample practice<ins>, revised</ins>" in page
    assert re.search(r'<details class="diff-section diff-unchanged">\s*<summary><span lang="en">Problem</span>', page)


def test_diff_page_escapes_what_submitters_typed(client, make_case):
    make_case(902)
    make_case(902, title="<img src=x onerror=alert(1)> Kiosks")
    page = text_of(client.get("/cases/KB-0902/diff?from=1&to=2"))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("query, field", [("from=abc&to=2", "from"), ("from=1", "to"), ("from=1&to=0", "to"),
                                          ("to=2", "from")])
def test_bad_version_numbers_are_a_400_naming_the_field(client, versioned_case, query, field):
    response = client.get(f"/cases/KB-0901/diff?{query}")
    assert response.status_code == 400
    assert f"<strong>{field}</strong>" in text_of(response)


@pytest.mark.parametrize("url", ["/cases/KB-0901/diff?from=1&to=3", "/cases/KB-0901/diff?from=7&to=1",
                                 "/cases/KB-4040/diff?from=1&to=2", "/cases/KB-4040/versions",
                                 "/cases/KB-0901/v/3/cite.bib", "/cases/KB-0901/v/3/handout.pdf"])
def test_unpublished_or_unknown_versions_and_cases_are_404(client, versioned_case, url):
    assert client.get(url).status_code == 404


def test_an_unpublished_case_has_no_history_or_citation(client, make_unpublished_case):
    make_unpublished_case(950)
    for url in ("/cases/KB-0950/versions", "/cases/KB-0950/cite.bib", "/cases/KB-0950/handout.pdf"):
        assert client.get(url).status_code == 404, url


# -- citations --------------------------------------------------------------------------------------


def test_cite_this_case_shows_the_reference_and_download_links(client, versioned_case):
    page = text_of(client.get("/cases/KB-0901"))
    assert re.search(r'<p class="citation" lang="en">Revenue Department\. \(\d{4}\)\. Sample practice, revised '
                     r'\(Version 2, KB-0901\)\. kb\. http://kb\.test/cases/KB-0901/v/2\. Accessed \d{4}-\d\d-\d\d\.</p>',
                     page)
    for extension in ("bib", "ris", "json"):
        assert f'href="/cases/KB-0901/cite.{extension}"' in page
    old = text_of(client.get("/cases/KB-0901/v/1"))
    assert 'href="/cases/KB-0901/v/1/cite.bib"' in old
    assert "(Version 1, KB-0901)" in old


def test_bibtex_download_is_an_attachment_that_parses_back(client, versioned_case):
    response = client.get("/cases/KB-0901/cite.bib")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="KB-0901-v2.bib"'
    library = bibtexparser.parse_string(text_of(response), append_middleware=[LatexDecodingMiddleware()])
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["title"] == "Sample practice, revised"
    assert fields["version"] == "2" and fields["url"] == "http://kb.test/cases/KB-0901/v/2"


def test_an_old_version_downloads_its_own_reference(client, versioned_case):
    response = client.get("/cases/KB-0901/v/1/cite.ris")
    assert response.headers["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="KB-0901-v1.ris"'
    [record] = rispy.loads(text_of(response))
    assert record["title"] == "Sample practice number 901"
    assert record["urls"] == ["http://kb.test/cases/KB-0901/v/1"]


def test_hindi_case_downloads_as_utf8_csl_json(client, make_case):
    make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY)
    response = client.get("/cases/KB-0937/cite.json")
    assert response.headers["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="KB-0937-v1.json"'
    assert HINDI_TITLE.encode("utf-8") in response.data
    [item] = json.loads(response.data)
    assert item["title"] == HINDI_TITLE and item["language"] == "hi"


def test_unknown_citation_format_is_404(client, make_case):
    make_case(903)
    assert client.get("/cases/KB-0903/cite.docx").status_code == 404


# -- handouts ---------------------------------------------------------------------------------------


def test_case_handout_is_a_pdf_attachment_with_the_title(client, make_case):
    make_case(937, title=HINDI_TITLE, language="hi", body=HINDI_BODY)
    response = client.get("/cases/KB-0937/handout.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="KB-0937-v1.pdf"'
    text = pdf_text(response.data)  # poppler reads Devanagari by its ActualText; pypdf does not
    assert HINDI_TITLE in text
    assert "http://kb.test/cases/KB-0937/v/1" in text


def test_version_handout_is_of_that_version(client, versioned_case):
    response = client.get("/cases/KB-0901/v/1/handout.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Sample practice number 901" in text and "Sample practice, revised" not in text
    assert "http://kb.test/cases/KB-0901/v/1" in text
