"""Searching as a trainer would, in Chromium with JavaScript off."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_filter_remove_chip_and_go_back(page):
    page.goto(page.base_url + "/")
    page.fill("#header-q", "kiosks")
    page.click(".header-search button")
    page.wait_for_url("**/cases?q=kiosks")
    total = page.inner_text(".result-count")

    page.check('.facets input[name="state"][value="RJ"]')
    page.click(".facets button")
    page.wait_for_url("**state=RJ**")
    assert "q=kiosks" in page.url, "the query survives applying a filter"
    assert page.locator(".chip").count() == 1
    filtered = page.inner_text(".result-count")
    assert filtered != total
    titles = page.locator(".case-card h3").all_inner_texts()
    assert titles and all(page.locator(".case-card .case-meta").nth(i).inner_text().count("Rajasthan")
                          for i in range(len(titles)))

    page.click(".chip")
    page.wait_for_url(lambda url: "state=RJ" not in url)
    assert "q=kiosks" in page.url
    assert page.inner_text(".result-count") == total

    page.go_back()
    page.wait_for_url("**state=RJ**")
    assert page.inner_text(".result-count") == filtered, "the back button returns to the filtered state"


def test_hindi_search_and_case_page(page):
    page.goto(page.base_url + "/cases?q=" + "लोक सेवा गारंटी")
    first = page.locator(".case-card h3 a").first
    # A Hindi case, shown in the English interface by its English title.
    assert "Guarantee" in first.inner_text() and first.get_attribute("href").endswith("/cases/KB-0038")
    first.click()
    assert page.locator("html").get_attribute("lang") == "en", "the interface stays English"
    assert page.locator("article.case h1").get_attribute("lang") == "en"
    assert "गारंटी" in page.locator(".language-note").inner_text(), "with its original Hindi title"
    assert page.locator(".case-body").get_attribute("lang") == "hi"
    assert page.locator(".case-body h2", has_text="समस्या").count() == 1
    assert page.locator("text=Similar practices").count() == 1
    assert page.locator(".case-aside").get_attribute("lang") == "en"
