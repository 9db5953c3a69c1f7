"""kb.services.sections: a case body cut at its headings, and the six key sections in either language."""
from __future__ import annotations

import time

from kb.services.sections import KEY_SECTIONS, heading_for, key_sections, split_sections
from tests.conftest import SAMPLE_BODY
from tests.services.test_citations import HINDI_BODY


def test_split_sections_keeps_text_before_the_first_heading_and_ignores_fenced_code():
    body = "Intro line.\n\n## Problem\nQueues.\n```\n## not a heading\n```\n## Solution\nKiosks.\n"
    sections = split_sections(body)
    assert [s.heading for s in sections] == [None, "Problem", "Solution"]
    assert sections[0].text == "Intro line."
    assert "## not a heading" in sections[1].text
    assert sections[2].text == "Kiosks."


def test_closing_hashes_and_spaces_are_not_part_of_a_heading_however_long():
    body = "## Problem ##\nQueues.\n## ###\nOdd.\n## Solution" + " " * 50_000 + "x\nKiosks.\n"
    started = time.perf_counter()
    sections = split_sections(body)
    assert time.perf_counter() - started < 1.0  # 20,000 spaces once cost 0.9 s: the pattern backtracked
    assert [s.heading for s in sections] == ["Problem", "#", "Solution" + " " * 50_000 + "x"]


def test_key_sections_of_an_english_body():
    found = key_sections(SAMPLE_BODY, "en")
    assert list(found) == list(KEY_SECTIONS)
    assert found["replicate"].text.startswith("Digitise the records first")


def test_key_sections_of_a_hindi_body_use_the_hindi_headings():
    found = key_sections(HINDI_BODY, "hi")
    assert list(found) == list(KEY_SECTIONS)
    assert found["problem"].heading == "समस्या"
    assert found["replicate"].heading == "दोहराने का तरीका"
    assert "जिला स्तर" in found["replicate"].text
    assert heading_for("technology", "hi") == "प्रौद्योगिकी"


def test_missing_and_unknown_headings_are_left_out():
    found = key_sections("## Problem\nA.\n\n## Background\nB.\n\n## lessons\nC.\n", "en")
    assert set(found) == {"problem", "lessons"}
