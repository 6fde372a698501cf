"""orjson writes exactly the bytes the standard code wrote, or the standard code writes them.

``base/fastjson.py`` must never change a byte of output: on the shipped examples, generated
advice documents and arbitrary JSON data (floats, integers beyond 64 bits, lone surrogates,
keys beyond the Basic Multilingual Plane), it gives what ``canonical.canonical`` and
``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`` give, and refuses what they refuse.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from conftest import COMMON, examples, situations
from conftest import parse_generated as _parse

from followup.api import Rules
from followup.base import canonical, fastjson
from followup.base.errors import InputError
from followup.engine.engine import Engine
from followup.render.text import advice_document

TEXT = st.text(st.characters(), max_size=12)  # surrogates and astral characters included
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 2, max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=20)


def _outcome(function: Any, data: Any) -> tuple[str, Any]:
    try:
        return "ok", function(data)
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        return "refused", type(exc).__name__


def _standard_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=examples(1000), **COMMON)
@given(DATA)
def test_any_json_data_encodes_as_the_standard_code_does(data: Any) -> None:
    assert _outcome(fastjson.line, data) == _outcome(canonical.canonical, data)
    assert _outcome(fastjson.text, data) == _outcome(_standard_text, data)


@pytest.mark.parametrize("value", [date(2026, 11, 21), {1: "a"}, {"a": {1, 2}}, object()])
def test_what_the_standard_code_refuses_is_refused(value: Any) -> None:
    assert _outcome(fastjson.line, value) == _outcome(canonical.canonical, value)
    assert _outcome(fastjson.text, value)[0] == _outcome(_standard_text, value)[0]


def test_the_examples_are_the_same_bytes_in_every_trace_form() -> None:
    rules = Rules()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        decision = rules.advise(path)
        for trace in ("full", "compact", "none"):
            document = decision.to_dict(trace=trace)
            assert fastjson.line(document) == canonical.canonical(document)
            assert fastjson.text(document) == _standard_text(document)
            assert fastjson.digest_of(document) == canonical.digest_of(document)


ENGINE = Engine()


@pytest.mark.slow
@settings(max_examples=examples(300), **COMMON)
@given(situations())
def test_generated_advice_documents_are_the_same_bytes(data: dict[str, Any]) -> None:
    try:
        advice = ENGINE.advise(_parse(data))
    except InputError:
        return
    document = advice_document(advice)
    assert fastjson.line(document) == canonical.canonical(document)
    assert fastjson.text(document) == _standard_text(document)


#: The bytes that make or break a float token, and a few others.
FLOAT_BYTES = st.binary(max_size=40).map(lambda b: bytes(b"0123456789.eE-+:,[ ]}\nx\""[c % 23] for c in b))


@settings(max_examples=3000, deadline=None)
@given(FLOAT_BYTES)
def test_the_quick_float_look_finds_exactly_what_the_full_pattern_finds(out: bytes) -> None:
    assert fastjson._holds_float(out) == bool(fastjson._FLOAT.search(out))
