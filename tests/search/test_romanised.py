"""Romanised Hindi and Devanagari spelling variants: what people type finds what the library writes."""
from __future__ import annotations

import pytest

from kb.search.analysis import fold_devanagari, stems
from kb.search.romanised import devanagari_key, latin_key
from kb.services import catalog


@pytest.mark.parametrize("typed, written", [
    ("zameen", "ज़मीन"), ("jameen", "जमीन"), ("shikayat", "शिकायत"), ("nivaran", "निवारण"),
    ("rashan", "राशन"), ("abhilekh", "अभिलेख"), ("bhoomi", "भूमि"), ("adhikar", "अधिकार"),
    ("vidyalaya", "विद्यालय"), ("shiksha", "शिक्षा"), ("praman", "प्रमाण"), ("mandi", "मंडी"),
])
def test_casual_romanisations_share_the_loose_key_of_the_hindi_word(typed, written):
    assert latin_key(typed) == devanagari_key(fold_devanagari(written)) != ""


def test_words_of_different_sounds_do_not_share_a_key():
    assert latin_key("seva") != latin_key("shiksha") and latin_key("record") != devanagari_key("रिकॉर्ड"[:2])
    assert latin_key("land-records") == "" and devanagari_key("land") == ""


@pytest.mark.parametrize("variant, plain", [("केन्द्र", "केंद्र"), ("ज़मीन", "जमीन"), ("सेवाएँ", "सेवाएं"),
                                            ("हिन्दी", "हिंदी"), ("सम्पत्ति", "संपत्ति")])
def test_devanagari_spelling_variants_are_one_term(variant, plain):
    assert stems(variant) == stems(plain)


def test_a_romanised_search_finds_the_hindi_case_and_its_english_counterparts(make_case):
    make_case(901, title="राशन कार्ड की पोर्टेबिलिटी", summary="प्रवासी परिवार किसी भी राशन दुकान से अनाज लेते हैं।",
              language="hi")
    make_case(902, title="Ration shops run by women's groups", summary="Computerised grain supply chain.")
    make_case(903, title="Passport service centres", summary="Appointments online.")
    found = [case.public_id for case in catalog.search_cases("rashan card").items]
    assert found[0] == "KB-0901" and "KB-0903" not in found


def test_a_search_typed_with_a_variant_spelling_finds_the_other(make_case):
    make_case(901, title="लोक सेवा केन्द्र", summary="तहसील स्तर पर आवेदन।", language="hi")
    assert [case.public_id for case in catalog.search_cases("केंद्र").items] == ["KB-0901"]
    assert [case.public_id for case in catalog.search_cases("सेवा केन्द्रों").items] == ["KB-0901"]
