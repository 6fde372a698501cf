"""Strict JSON refuses the same texts, with the same words, whether or not the walk is skipped.

``yamlio.loads_json`` walks every parsed value for the limits (depth, count, lone
surrogates, infinite numbers) only where the text could break one (``_may_break_a_limit``).
On arbitrary JSON texts, near every limit, the answer must be the walk's.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import COMMON, examples
from followup.base.errors import InputError
from followup.load import yamlio
from followup.load.yamlio import MAX_DEPTH, MAX_NODES, loads_json

TEXT = st.text(st.characters(), max_size=8)  # lone surrogates and astral characters included
NUMBERS = st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    ["1e999", "-1E400", "1" * 310 + ".5", "2.5e3", "1" * 320])
SCALARS = st.none() | st.booleans() | TEXT | NUMBERS
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=12)


def _text(value: Any) -> str:
    """JSON text; numbers given as strings of digits are written as the bare numbers they spell."""
    if isinstance(value, str) and value and value.lstrip("-")[:1].isdigit():
        return value
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_text(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=True)


def _nest(depth: int) -> str:
    return "[" * depth + "]" * depth


def _outcome(text: str) -> tuple[str, Any]:
    try:
        return "ok", json.dumps(loads_json(text, "in.jsonl", 3), sort_keys=True)
    except InputError as exc:
        return "refused", (exc.message, exc.location.line, exc.location.field)


def _walked(text: str) -> tuple[str, Any]:
    always = yamlio._may_break_a_limit
    yamlio._may_break_a_limit = lambda _: True
    try:
        return _outcome(text)
    finally:
        yamlio._may_break_a_limit = always


def _same(text: str) -> None:
    assert _outcome(text) == _walked(text)


@settings(max_examples=examples(2000), **COMMON)
@given(DATA, st.booleans())
def test_any_json_text_is_judged_as_the_walk_judges_it(data: Any, raw: bool) -> None:
    text = _text(data)
    _same(text)
    if raw:  # the same text with its escapes written out: raw astral characters and surrogates
        try:
            _same(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass


def test_each_limit_at_its_edge_is_judged_as_the_walk_judges_it() -> None:
    for depth in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1):
        _same(_nest(depth))
        _same('{"a":' * depth + "1" + "}" * depth)
    for count in (MAX_NODES - 1, MAX_NODES, MAX_NODES + 1):
        _same("[" + ",".join(["0"] * count) + "]")
    for text in ('{"a":"\\ud800"}', '{"\\uDC00":1}', '{"a":"\\\\ud800"}', '{"a":1e999}', '{"a":1.5e2}',
                 '{"a":' + "9" * 400 + ".0}", '{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'):
        _same(text)
    assert _outcome(_nest(MAX_DEPTH + 1))[0] == "refused"
    assert _outcome('{"a":"\\ud800"}')[0] == "refused"
    assert _outcome('{"a":1e999}')[0] == "refused"


def test_a_situation_line_skips_the_walk() -> None:
    line = json.dumps({"country": "DK", "stage": "applied", "contact": {"name": "Mette Jensen", "email": "mj@example.dk"},
                       "application": {"sent_on": "2026-11-11"}}, ensure_ascii=False)
    assert not yamlio._may_break_a_limit(line)
