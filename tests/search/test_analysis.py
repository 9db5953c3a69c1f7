"""kb.search.analysis: Hindi words stay whole; English is stemmed."""
import unicodedata

from kb.search.analysis import stem_hindi, text_analyzer, words


def tokens(text):
    return [t.text for t in text_analyzer()(text)]


def test_devanagari_words_with_vowel_signs_virama_and_nukta_stay_whole():
    assert words("भूमि अभिलेखों का डिजिटलीकरण") == ["भूमि", "अभिलेखों", "डिजिटलीकरण"]
    # The nukta is folded away (ज़िला = जिला: everyday typing mixes both), the word stays whole.
    assert words("प्रौद्योगिकी ज़िला") == ["प्रौद्योगिकी", "जिला"]


def test_danda_is_not_glued_to_words():
    assert words("सेवा केंद्र खुले। नागरिक आए॥") == ["सेवा", "केंद्र", "खुले", "नागरिक", "आए"]


def test_zero_width_joiners_stay_inside_words():
    assert words("क्\u200dष") == ["क्\u200dष"]


def test_unicode_forms_are_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "ज़िला")  # nukta as a separate mark
    assert tokens(decomposed) == tokens("ज़िला")


def test_hindi_inflections_share_a_stem():
    assert stem_hindi("अभिलेखों") == stem_hindi("अभिलेख") == "अभिलेख"
    assert tokens("शिकायतों")[0] == tokens("शिकायत")[0]


def test_hindi_stop_words_are_dropped():
    assert tokens("भूमि का अभिलेख और नक्शा") == [tokens("भूमि")[0], "अभिलेख", "नक्श"]


def test_english_is_stemmed_and_stop_words_dropped():
    assert tokens("The grievances of the citizens") == ["grievanc", "citizen"]


def test_mixed_script_text_keeps_both():
    assert words("RTPS काउंटर on time") == ["rtps", "काउंटर", "time"]
