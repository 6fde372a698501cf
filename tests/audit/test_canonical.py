"""Digests in decision records are reproducible by other tools: RFC 8785 canonical JSON."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.base.canonical import canonical, digest_of

# RFC 8785, Appendix B: IEEE 754 doubles (as hex) and how JCS writes them.
NUMBERS = {
    "0000000000000000": "0", "8000000000000000": "0", "0000000000000001": "5e-324",
    "8000000000000001": "-5e-324", "7fefffffffffffff": "1.7976931348623157e+308",
    "ffefffffffffffff": "-1.7976931348623157e+308", "4340000000000000": "9007199254740992",
    "c340000000000000": "-9007199254740992", "4430000000000000": "295147905179352830000",
    "44b52d02c7e14af5": "9.999999999999997e+22", "44b52d02c7e14af6": "1e+23",
    "44b52d02c7e14af7": "1.0000000000000001e+23", "444b1ae4d6e2ef4e": "999999999999999700000",
    "444b1ae4d6e2ef4f": "999999999999999900000", "444b1ae4d6e2ef50": "1e+21",
    "3eb0c6f7a0b5ed8c": "9.999999999999997e-7", "3eb0c6f7a0b5ed8d": "0.000001",
    "41b3de4355555553": "333333333.3333332", "41b3de4355555554": "333333333.33333325",
    "41b3de4355555555": "333333333.3333333", "41b3de4355555556": "333333333.3333334",
    "41b3de4355555557": "333333333.33333343", "becbf647612f3696": "-0.0000033333333333333333",
    "43143ff3c1cb0959": "1424953923781206.2",
}


@pytest.mark.parametrize("bits, text", NUMBERS.items())
def test_numbers_are_written_as_rfc_8785_says(bits: str, text: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical(value) == text


def test_keys_sort_by_utf16_code_units() -> None:
    # RFC 8785 3.2.3's example: "\ud83d\ude00" (an emoji) sorts before "\ufb33" in UTF-16.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001F600", "\u0080", "\u00f6"]
    text = canonical({key: i for i, key in enumerate(keys)})
    assert list(json.loads(text)) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"]


def test_strings_have_the_fewest_escapes() -> None:
    assert canonical({"a": "æøå \u2028 \"\\\n\t\u001f"}) == '{"a":"æøå \u2028 \\"\\\\\\n\\t\\u001f"}'


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=20)


@given(JSON)
def test_without_floats_it_is_python_s_sorted_compact_json(data: object) -> None:
    # What decision logs written before JCS hold: the same text, so old digests still verify.
    expected = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if all(ord(c) < 0x10000 for c in expected):  # beyond the BMP the two key orders differ
        assert canonical(data) == expected
    assert json.loads(canonical(data)) == data


def test_digest_names_the_algorithm_and_ignores_key_order() -> None:
    assert digest_of({"b": 1, "a": [1, 2]}) == digest_of({"a": [1, 2], "b": 1})
    assert digest_of({"a": 1}).startswith("sha256:") and len(digest_of({})) == 7 + 64
    assert digest_of({"a": 1}) != digest_of({"a": 2})
