"""Hostile values for property-based tests (Hypothesis): what a fuzzer, a broken client or an attacker
sends in place of a field. Shared by the API and form tests; each asserts no 5xx and an unchanged canary."""
from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per endpoint: enough to meet every kind of value below several times, small enough for CI.
EXAMPLES = 30
HOSTILE_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY_TEXT = st.sampled_from([
    "\x00", "a\x00b", "\ud800", "x\udfffy", "²", "١٢٣", "٣", "9" * 40, "-1", "1e400", "NaN", "Infinity",
    "KB-99999999999999999999", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "\u202e",
    "land records", " ", "", "x" * 100_001, "🙂" * 50, "\r\n\r\n", "%00", "{{7*7}}",
])
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=40), st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
NUMBERS = st.one_of(st.sampled_from([2**63, -2**63 - 1, 10**30, 2**31, -1, 0]), st.integers(),
                    st.floats(allow_nan=False, allow_infinity=False))
JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
                          lambda children: st.lists(children, max_size=3)
                          | st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=6)
# Anything at all in a JSON field: text, numbers beyond 64 bits, lists, objects, null, booleans.
HOSTILE = st.one_of(TEXT, NUMBERS, JSON_VALUE, st.just(["a", "b"]), st.just({"a": 1}))
# What a query string or a form field can carry: text only, and text that is UTF-8 (a lone surrogate
# cannot travel in a URL or a form; its bytes arrive as invalid UTF-8, which Werkzeug replaces).
HOSTILE_TEXT = st.one_of(NASTY_TEXT.filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text)),
                         st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
                         st.sampled_from([str(2**64), str(10**30), "²", "%ED%A0%80"]))


def deeply_nested(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth
