"""Ticking search results to compare them, and printing a case, in Chromium with JavaScript off."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_tick_two_results_and_compare_them(page):
    page.goto(page.base_url + "/cases?q=land+records")
    boxes = page.locator('.compare-pick input[name="ids"]')
    first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator('.compare-hint button[form="compare-form"]').first.click()
    page.wait_for_url("**/compare?ids=*")
    assert page.url.endswith(f"/compare?ids={first}&ids={second}"), "the comparison has a shareable address"
    assert page.locator(".compare thead .badge").all_inner_texts() == [first, second]
    assert page.locator('.compare tbody th[scope="row"]', has_text="How to replicate").count() == 1


def test_printed_case_hides_navigation_and_forms_and_ends_with_its_citation(page):
    page.goto(page.base_url + "/cases/KB-0037")
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-footer", "form", ".cite", ".similar"):
        assert all(not element.is_visible() for element in page.locator(selector).all()), selector
    reference = page.locator(".print-reference")
    assert reference.is_visible()
    assert "KB-0037" in reference.inner_text() and "/cases/KB-0037/v/1" in reference.inner_text()
    last_in_article = page.evaluate("document.querySelector('article.case').lastElementChild.className")
    assert last_in_article == "print-reference", "the citation closes the printed case"
    link = page.locator('.case-aside a[href^="http"]').first
    written_out = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert written_out == f'" ({link.get_attribute("href")})"', "a printed link shows its address"
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    assert not reference.is_visible(), "on screen the citation stays in the sidebar"
