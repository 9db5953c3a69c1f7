"""Public pages: what an anonymous visitor sees."""
from __future__ import annotations

import re

from sqlalchemy import select

from kb.extensions import db
from kb.models import Case


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_home_shows_counts_newest_cases_and_browse_lists(client, library):
    page = text_of(client.get("/"))
    cases = db.session.scalars(select(Case)).all()
    assert f"<dd>{len(cases)}</dd>" in page
    assert f"<dd>{len({c.state_id for c in cases if c.state_id})}</dd>" in page
    newest = max(cases, key=lambda c: (c.first_published_at, c.number))
    assert newest.published_revision.title in page
    assert "Central MMPs" in page and "Integrated MMPs" in page
    assert 'href="/states/KA"' in page and 'href="/mmps/land-records"' in page


def test_case_page_shows_body_metadata_outcomes_permalink_and_version(client, make_case):
    make_case(901)
    page = text_of(client.get("/cases/KB-0901"))
    assert '<h1 lang="en">Sample practice number 901</h1>' in page
    assert "<h2>Problem</h2>" in page, "the Markdown body is rendered"
    assert "Revenue Department" in page and "Karnataka" in page and "Statewide" in page
    assert re.search(r"<td>Waiting time</td>\s*<td class=\"num\">30</td>\s*<td class=\"num\">1</td>", page)
    assert "http://kb.test/cases/KB-0901/v/1" in page, "the version permalink is shown"
    assert "Cite this case" in page


def test_case_page_escapes_and_sanitises_user_content(client, make_case, make_document):
    make_case(902, title="<script>alert('t')</script> Kiosks",
              body=make_document().body.replace("Citizens queued", "<img src=x onerror=alert(1)> Citizens queued"))
    page = text_of(client.get("/cases/KB-0902"))
    assert "<script>alert('t')</script>" not in page
    assert "&lt;script&gt;" in page
    assert "onerror" not in page


def test_lowercase_case_id_redirects_to_the_canonical_permalink(client, make_case):
    make_case(903)
    response = client.get("/cases/kb-0903")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/cases/KB-0903")


def test_unknown_case_gets_a_friendly_404_page(client, app):
    response = client.get("/cases/KB-4040")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert "Browse all cases" in text_of(response)


def test_non_integer_page_number_is_a_400_not_a_500(client, app):
    for url in ("/cases?page=abc", "/cases?page=0", "/mmps/pds?page=-1", "/states/KA?page=1.5"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "page" in text_of(response)


def test_bad_year_filter_is_a_400(client, app):
    assert client.get("/cases?year=twenty").status_code == 400


def test_mmp_page_lists_only_its_own_cases(client, make_case):
    make_case(904, mmp="land-records", title="Land record kiosks")
    make_case(905, mmp="pds", title="Ration shop automation")
    page = text_of(client.get("/mmps/land-records"))
    assert "Land record kiosks" in page and "Ration shop automation" not in page
    assert "Ministry of Rural Development" in page
    assert client.get("/mmps/no-such-mmp").status_code == 404


def test_state_page_lists_only_that_states_cases(client, make_case):
    make_case(906, state="KL", title="Kerala practice here")
    make_case(907, state="KA", title="Karnataka practice here")
    page = text_of(client.get("/states/KL"))
    assert "Kerala practice here" in page and "Karnataka practice here" not in page
    assert client.get("/states/kl").status_code == 301
    assert client.get("/states/ZZ").status_code == 404


def test_case_list_filters_or_within_a_facet_and_and_across(client, make_case):
    make_case(908, state="KL", mmp="pds", title="Kerala PDS one")
    make_case(909, state="KA", mmp="pds", title="Karnataka PDS two")
    make_case(910, state="KA", mmp="land-records", title="Karnataka land three")
    page = text_of(client.get("/cases?state=KL&state=KA&mmp=pds"))
    assert "Kerala PDS one" in page and "Karnataka PDS two" in page
    assert "Karnataka land three" not in page
    assert "2 cases" in page


def test_case_list_paginates(client, make_case):
    for number in range(911, 934):
        make_case(number)
    first, second = text_of(client.get("/cases")), text_of(client.get("/cases?page=2"))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert first.count('class="case-card"') == 20 and second.count('class="case-card"') == 3


def test_old_version_keeps_its_permalink_after_a_new_version(client, make_case, make_document):
    make_case(935, title="First edition title")
    make_case(935, title="Second edition title")
    assert "Second edition title" in text_of(client.get("/cases/KB-0935"))
    old = text_of(client.get("/cases/KB-0935/v/1"))
    assert "First edition title" in old and "You are reading version 1" in old
    assert client.get("/cases/KB-0935/v/3").status_code == 404


def test_hindi_case_is_marked_as_hindi(client, make_case, make_document):
    make_case(936, language="hi", title="भूमि अभिलेखों का डिजिटलीकरण", summary="भूमि अभिलेख अब ऑनलाइन उपलब्ध हैं और नागरिक उन्हें कहीं से भी देख सकते हैं।",
              body=make_document().body.replace("## Problem", "## समस्या").replace("## Solution", "## समाधान")
              .replace("## Technology", "## प्रौद्योगिकी").replace("## Impact", "## प्रभाव")
              .replace("## Lessons", "## सीख").replace("## How to replicate", "## दोहराने का तरीका"))
    page = text_of(client.get("/cases/KB-0936"))
    assert '<html lang="en"' in page
    assert '<h1 lang="hi">भूमि अभिलेखों का डिजिटलीकरण</h1>' in page
    assert '<div class="case-body" lang="hi">' in page
    assert 'This case study is written in <span lang="hi">' not in page  # the sentence is the interface's
    assert "This case study is written in हिन्दी." in page


def test_unpublished_cases_never_appear_on_public_pages(client, make_case, make_unpublished_case):
    make_case(937)
    make_unpublished_case(950, title="Secret draft about grievance kiosks")
    make_unpublished_case(951, title="Secret submitted case", status="submitted")
    for url in ("/", "/cases", "/cases?state=TR", "/mmps/pds", "/states/TR"):
        page = text_of(client.get(url))
        assert "Secret" not in page and "secret-tag" not in page, url
    by_secret_tag = text_of(client.get("/cases?tag=secret-tag-950"))
    assert "0 cases" in by_secret_tag and "Secret" not in by_secret_tag
    assert 'type="checkbox" name="tag" value="secret-tag-950"' not in by_secret_tag, "no facet for a draft's tag"
    assert client.get("/cases/KB-0950").status_code == 404
    assert client.get("/cases/KB-0950/v/1").status_code == 404


def test_pages_load_no_asset_from_another_site(client, library):
    for url in ("/", "/cases", "/cases/KB-0001", "/cases/KB-9999"):
        page = text_of(client.get(url))
        assert not re.search(r'<(script|img)[^>]+src="(https?:)?//', page), url
        assert not re.search(r'<link rel="(stylesheet|preload|icon)"[^>]+href="(https?:)?//', page), url


def test_responses_carry_security_headers(client, app):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in response.headers


def test_language_choice_is_remembered_and_only_redirects_on_site(client, app, form_token):
    token = form_token(client)
    response = client.post("/language", data={"language": "hi", "next": "//evil.example/x", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/hi/"
    assert "kb_lang=hi" in response.headers["Set-Cookie"]
    response = client.post("/language", data={"language": "en", "next": "/hi/cases?q=land", "csrf_token": token})
    assert response.headers["Location"] == "/en/cases?q=land"
    assert '<html lang="hi"' in text_of(client.get("/hi/"))


def test_language_change_without_csrf_token_is_refused(client, app):
    assert client.post("/language", data={"language": "hi"}).status_code == 400
