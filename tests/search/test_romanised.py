"""Romanised Hindi and Devanagari spelling variants: what people type finds what the library writes."""
from __future__ import annotations

import numpy as np
import pytest

from kb.search.analysis import fold_devanagari, stem_hindi, stems
from kb.search.query import meaning_text, romanised_readings
from kb.search.romanised import best_readings, closeness, devanagari_key, hindi_keys, latin_key, latin_keys
from kb.search.termindex import SegmentTermsBuilder, TermView, analyse_document
from kb.services import catalog


def vocabulary_of(*bodies: str) -> TermView:
    builder = SegmentTermsBuilder()
    for body in bodies:
        builder.add(analyse_document({"body": body}))
    return TermView([(builder.finish(), 0)], len(bodies), np.ones(len(bodies), dtype=bool))


def found(q: str) -> list[str]:
    return [case.public_id for case in catalog.search_cases(q).items]


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


@pytest.mark.parametrize("typed, written", [
    ("janm", "जन्म"), ("nakad", "नकद"), ("zamin", "ज़मीन"), ("jameen", "जमीन"), ("ration", "राशन"),
    ("sewa", "सेवा"), ("vidhansabha", "विधानसभा"), ("rozgaar", "रोज़गार"), ("phal", "फल"), ("dukaan", "दुकान"),
    ("kheti", "खेती"), ("bhumi", "भूमि"), ("sampatti", "सम्पत्ति"),
])
def test_schwa_deletion_vowel_length_and_common_spellings_read_close(typed, written):
    word = fold_devanagari(written)
    assert closeness(typed, word, stem_hindi(word)) <= 0.6


def test_of_the_hindi_words_sharing_a_key_the_one_that_sounds_like_the_typing_is_read():
    assert [w for w, _ in best_readings("dukaan", {"दुकान": 1, "देखना": 9, "दिखने": 5}, 3)] == ["दुकान"]
    assert [w for w, _ in best_readings("lok", {"लोक": 1, "लाख": 9, "लेखा": 5}, 3)] == ["लोक"]
    assert best_readings("lok", {}, 3) == []


def test_inflected_words_are_keyed_by_their_stems_on_both_sides():
    assert latin_key("chalan") in hindi_keys(["चालानों"])  # the library has only the plural
    assert latin_key("seva") in latin_keys("sevaon") and latin_key("dava") in latin_keys("davaon")


def test_two_romanised_words_read_as_the_hindi_compound_they_spell():
    view = vocabulary_of("जन्म प्रमाणपत्र ऑनलाइन मिलता है", "पत्र लिखना")
    readings = romanised_readings("janm praman patra", view)
    assert ("प्रमाणपत्र", 0.8) in readings["praman"] and ("प्रमाणपत्र", 0.8) in readings["patra"]


def test_the_meaning_side_reads_a_romanised_search_in_devanagari_and_an_english_one_as_typed():
    view = vocabulary_of("राशन की दुकान से अनाज", "शुरू में रोजगार", "wages are paid on time")
    text = "rashan ki dukaan"
    assert meaning_text(text, view, romanised_readings(text, view)) == "राशन की दुकान"
    view = vocabulary_of("राशन की दुकान से अनाज", "ration cards")
    text = "ration ki dukaan"  # a word the library has in English stays English
    assert meaning_text(text, view, romanised_readings(text, view)) == "ration की दुकान"
    text = "make sure wages are paid"  # "sure" reads as शुरू, but the search is not Hindi
    assert meaning_text(text, view, romanised_readings(text, view)) == text


def test_an_english_word_of_the_library_is_not_read_as_a_hindi_word_it_only_resembles():
    view = vocabulary_of("kiosk in every block", "खिसक गया")
    assert romanised_readings("kiosk", view) == {}


def test_a_romanised_compound_and_an_inflection_find_the_hindi_case(make_case):
    make_case(901, title="जन्म प्रमाणपत्र घर बैठे", summary="नगर निगम ऑनलाइन पंजीकरण करता है।", language="hi")
    make_case(902, title="ट्रैफ़िक चालानों का ऑनलाइन निपटारा", summary="वर्चुअल न्यायालय।", language="hi")
    make_case(903, title="पैदल चलने के रास्ते", summary="शहर की सड़कें।", language="hi")
    assert found("janm praman patra")[0] == "KB-0901"
    assert found("chalan")[0] == "KB-0902"
