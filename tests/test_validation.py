"""kb.validation: the single-value checks the services and the content import share."""
from __future__ import annotations

import pytest

from kb.validation import MAX_EMAIL, is_email_address, is_web_url


@pytest.mark.parametrize("text", ["officer@gov.in", "nodal.officer+kb@dit.up.gov.in", "अधिकारी@उदाहरण.भारत"])
def test_addresses_people_type_are_email_addresses(text):
    assert is_email_address(text)


@pytest.mark.parametrize("text", ["", "officer", "officer@gov", "officer at gov.in", "a@b@c.in", "a b@gov.in",
                                  "officer@gov.in\n", None, 42, "a@" + "b" * MAX_EMAIL + ".in"])
def test_anything_else_is_not_an_email_address(text):
    assert not is_email_address(text)


@pytest.mark.parametrize("text, expected", [
    ("https://egov.example.in/case", True), ("  http://egov.example.in  ", True), ("ftp://x.in", False),
    ("javascript:alert(1)", False), ("https:// x.in", False), ("https://", False), (None, False),
])
def test_web_urls_are_http_or_https_with_a_host(text, expected):
    assert is_web_url(text) is expected
