"""The spliced encoding writes exactly the bytes of the plain document.

``render/encode.py`` writes each fired rule's constant text once per ruleset and splices in
what one advice decided. Whatever the situation, trace form, reader's language or layout,
``advice_line``/``advice_text`` must give ``document_line``/``document_text`` of
``advice_document``: what batch and ``advise --format json`` printed before, byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import COMMON, EXAMPLES, examples, situations
from conftest import parse_generated as _parse

from followup.api import Rules
from followup.audit.record import new_record
from followup.base import canonical
from followup.base.errors import InputError
from followup.engine.advice import OverriddenBy
from followup.engine.engine import Engine
from followup.render.encode import advice_line, advice_text
from followup.render.text import advice_document

ENGINE = Engine()
TRACES = ("full", "compact", "none")


def _standard_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


def _same_bytes(advice: Any, trace: str, lang: str = "en") -> None:
    record = new_record(advice)
    document = advice_document(advice, record, trace=trace, lang=lang)
    assert advice_line(advice, record, trace=trace, lang=lang) == canonical.canonical(document).encode("utf-8")
    assert advice_text(advice, record, trace=trace, lang=lang) == _standard_text(document).encode("utf-8")


@pytest.mark.parametrize("trace", TRACES)
@pytest.mark.parametrize("lang", ["en", "da"])
def test_the_examples_are_the_plain_documents_bytes(trace: str, lang: str) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        _same_bytes(Rules().advice(path), trace, lang)


@settings(max_examples=examples(400), **COMMON)
@given(situations(), st.sampled_from(TRACES), st.sampled_from(["en", "sv"]))
def test_generated_advice_is_the_plain_documents_bytes(data: dict[str, Any], trace: str, lang: str) -> None:
    try:
        advice = ENGINE.advise(_parse(data))
    except InputError:
        return
    _same_bytes(advice, trace, lang)


def test_what_orjson_may_write_differently_goes_the_standard_way() -> None:
    # A character beyond the Basic Multilingual Plane in what a rule saw, and a rule set aside:
    # the first sends the whole document down the standard path, the second fills the hole.
    advice = Rules().advice(EXAMPLES / "dk-applied-email.yaml")
    first = advice.trace[0]
    odd = replace(first, facts=(*first.facts, ("contact.name", "Mette \U0001F600")),
                  overridden_by=(OverriddenBy("channel", "some-rule", "why"),))
    advice = replace(advice, trace=(odd, *advice.trace[1:]))
    _same_bytes(advice, "full")
    line = json.loads(advice_line(advice, trace="full"))
    assert line["trace"][0]["facts"]["contact.name"] == "Mette \U0001F600"
    assert line["trace"][0]["overridden_by"] == [{"by": "some-rule", "part": "channel", "why": "why"}]


def test_an_advice_made_by_hand_has_no_shared_text_and_still_encodes() -> None:
    advice = Rules().advice(EXAMPLES / "dk-applied-email.yaml")
    advice = replace(advice, trace=tuple(replace(e, static=None) for e in advice.trace))
    _same_bytes(advice, "full")
