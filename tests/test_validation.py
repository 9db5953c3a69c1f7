"""kb.validation: the single-value checks the services and the content import share."""
from __future__ import annotations

import pytest

from kb.validation import MAX_EMAIL, is_email_address, is_web_url, is_phone_number


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


@pytest.mark.parametrize("text, expected", [
    ("+91 80 2222 3333", True), ("080-22223333", True), ("(0471) 233 4455 ext 12", True), ("1800 180 1551", True),
    ("+91-11-2309 2011", True), ("9876543210 x 12", True),
    ("abc", False), ("98765 abc", False), ("12345", False), ("1" * 40, False), ("", False), (None, False),
    ("+91 80 2222 3333\n", True), ("080 2222 3333; drop table", False),
])
def test_phone_numbers_are_digits_with_the_separators_people_write(text, expected):
    assert is_phone_number(text) is expected
