"""kb.i18n: the language in the address, the preference, what never takes a prefix, Indian formats and
names in the page's language."""
from __future__ import annotations

import datetime as dt

import pytest

from kb import i18n
from kb.extensions import db
from kb.models import Mmp, State
from tests.views.screens import text_of


def test_a_language_prefix_decides_the_language_whatever_the_cookie(client, library):
    client.set_cookie(i18n.COOKIE, "en")
    page = client.get("/hi/cases/KB-0001")
    assert page.status_code == 200 and '<html lang="hi"' in text_of(page)
    assert page.headers["Content-Language"] == "hi"
    client.set_cookie(i18n.COOKIE, "hi")
    page = client.get("/en/cases/KB-0001")
    assert '<html lang="en"' in text_of(page) and page.headers["Content-Language"] == "en"


def test_links_on_a_prefixed_page_keep_its_language_but_files_and_the_api_do_not(client, library):
    page = text_of(client.get("/hi/cases/KB-0001"))
    assert 'href="/hi/mmps/land-records"' in page and 'href="/hi/cases"' in page
    assert 'href="/static/kb.css' in page and "/hi/static/" not in page
    assert 'href="/cases/KB-0001/cite.bib"' in page, "a citation file is the same in every language"
    assert client.get("/hi/api/v1/cases").status_code == 404
    assert client.get("/api/v1/cases").status_code == 200


def test_an_address_without_a_prefix_follows_the_visitors_preference(app, library):
    plain = app.test_client()
    assert plain.get("/cases/KB-0001").status_code == 200, "no preference: English, in place"
    hindi_browser = app.test_client()
    response = hindi_browser.get("/cases/KB-0001?x=1", headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"})
    assert response.status_code == 302 and response.headers["Location"] == "/hi/cases/KB-0001?x=1"
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]
    chose_hindi = app.test_client()
    chose_hindi.get("/hi/")  # opening a page under a prefix remembers the language
    assert chose_hindi.get("/states/KA").headers["Location"] == "/hi/states/KA"
    assert chose_hindi.get("/en/states/KA").status_code == 200, "until another language is opened"
    assert chose_hindi.get("/states/KA").status_code == 200
    assert chose_hindi.get("/healthz").status_code == 200, "never for an address of no language"


def test_the_switch_leads_to_the_same_page_in_the_other_language(client, library):
    page = text_of(client.get("/cases?q=land&state=KA"))
    assert '<a href="/hi/cases?q=land&amp;state=KA" lang="hi" hreflang="hi">हिन्दी</a>' in page
    page = text_of(client.get("/hi/cases?q=land&state=KA"))
    assert '<a href="/en/cases?q=land&amp;state=KA" lang="en" hreflang="en">English</a>' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://kb.test/cases?q=land&amp;state=KA">' in page


def test_a_hindi_case_in_the_english_interface_and_the_reverse_are_marked(client, library):
    english_ui = text_of(client.get("/cases/KB-0037"))
    assert '<html lang="en"' in english_ui and '<div class="case-body" lang="hi">' in english_ui
    assert '<aside class="case-aside" lang="en">' in english_ui
    hindi_ui = text_of(client.get("/hi/cases/KB-0001"))
    assert '<div class="case-body" lang="en">' in hindi_ui
    assert '<h1 lang="hi">भूमि: कर्नाटक में' in hindi_ui, "the case's Hindi title, in the Hindi interface"
    assert "Bhoomi: computerised land records" in hindi_ui, "and its original title"


@pytest.mark.parametrize("language, expected", [
    ("en", {"date": "12 January 2026", "short": "12/01/2026", "number": "12,34,567", "fraction": "12,34,567.5",
            "lakh": "12.3 lakh", "time": "4 December 2026, 6:38 am IST"}),
    ("hi", {"date": "12 जनवरी 2026", "short": "12/01/2026", "number": "12,34,567", "fraction": "12,34,567.5",
            "lakh": "12.3 लाख", "time": "4 दिसंबर 2026, 6:38 am IST"}),
])
def test_dates_times_and_numbers_are_indian(app, language, expected):
    with i18n.in_language(language):
        assert i18n.format_date(dt.date(2026, 1, 12)) == expected["date"]
        assert i18n.format_short_date(dt.date(2026, 1, 12)) == expected["short"]
        assert i18n.format_number(1234567) == expected["number"]
        assert i18n.format_number(1234567.5) == expected["fraction"]
        assert i18n.format_lakh_crore(1234567).replace("\u202f", " ") == expected["lakh"]
        assert i18n.format_lakh_crore(99999) == "99,999"
        utc = dt.datetime(2026, 12, 4, 1, 8, tzinfo=dt.timezone.utc)
        assert i18n.format_datetime(utc).replace("AM", "am") == expected["time"]
        # A moment's date is its date in India: 20:00 UTC on the 11th is the 12th in IST.
        assert i18n.format_date(dt.datetime(2026, 1, 11, 20, 0, tzinfo=dt.timezone.utc)) == expected["date"]


def test_names_and_their_order_follow_the_language(app):
    states = db.session.scalars(db.select(State)).all()
    with i18n.in_language("en"):
        english = [s.name for s in i18n.sorted_by_name(states)]
        assert english == sorted(english, key=str.casefold)
    with i18n.in_language("hi"):
        names = [i18n.localized_name(s) for s in i18n.sorted_by_name(states)]
    assert names[0] == "अंडमान और निकोबार द्वीपसमूह" and names.index("असम") < names.index("उत्तर प्रदेश")
    assert names.index("कर्नाटक") < names.index("केरल") < names.index("गोवा") < names.index("पंजाब")
    mmp = db.session.scalar(db.select(Mmp).where(Mmp.slug == "land-records"))
    with i18n.in_language("hi"):
        assert i18n.localized_name(mmp).startswith("भूमि अभिलेख")


def test_the_hindi_home_page_lists_states_in_hindi_order(client, library):
    page = text_of(client.get("/hi/"))
    states = page[page.index('id="by-state"'):]
    assert states.index(">असम<") < states.index(">कर्नाटक<") < states.index(">पश्चिम बंगाल<")
