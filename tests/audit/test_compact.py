"""The compact trace is the full one with the ruleset's parts left out: expand gives it back, byte for byte.

``compact.expand_document`` is the one way from a compact document to the full one; these
tests prove it gives exactly the document ``--trace full`` would have printed, on generated
situations of every country (thousands with ``FOLLOWUP_LONG=1``), and that a compact line
with the shipped rules stays under 15 KB.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from conftest import EXAMPLES
from conftest import COMMON, examples, situations
from conftest import parse_generated as _parse

from followup.api import Rules
from followup.audit.compact import expand, expand_document
from followup.base.errors import InputError
from followup.engine.engine import Engine
from followup.load.schema import validator
from followup.render.text import advice_document, to_json_line

ENGINE = Engine()
LIMIT = 15 * 1024


def _both(advice):  # type: ignore[no-untyped-def]
    full = advice_document(advice)
    compact = advice_document(advice, trace="compact")
    compact["decision"] = full["decision"]  # one record: ids and timestamps are per run
    return full, compact


@pytest.mark.slow
@settings(max_examples=examples(2000), **COMMON)
@given(situations())
def test_expanding_the_compact_trace_gives_the_full_one(data) -> None:  # type: ignore[no-untyped-def]
    try:
        situation = _parse(data)
    except InputError:
        return
    advice = ENGINE.advise(situation)
    full, compact = _both(advice)
    assert "trace" not in compact and "explanation" not in compact
    assert to_json_line(expand_document(compact, advice.basis.merged)) == to_json_line(full)


def test_the_examples_expand_and_a_compact_line_is_at_most_15_kb() -> None:
    rules = Rules()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        advice = rules.advise(path).advice
        full, compact = _both(advice)
        line = to_json_line(compact).encode("utf-8")
        assert len(line) <= LIMIT, (path.name, len(line))
        assert to_json_line(expand_document(compact, advice.basis.merged)) == to_json_line(full)


def test_a_trace_read_against_other_rules_is_refused_by_name() -> None:
    rules = Rules()
    dk = rules.advise(EXAMPLES / "dk-applied-email.yaml").advice
    compact = advice_document(dk, trace="compact")["compact_explanation"]
    with pytest.raises(InputError, match="made with ruleset"):
        expand(compact, rules.ruleset("SE"), "line 3")
    with pytest.raises(InputError, match="does not fit"):
        expand({**compact, "verdicts": compact["verdicts"][:-1]}, dk.basis.merged, "line 3")
    with pytest.raises(InputError, match="lacks"):
        expand({**compact, "fired": ["no-such-rule"]}, dk.basis.merged, "line 3")


def test_the_api_and_the_cli_take_the_trace_form(run) -> None:  # type: ignore[no-untyped-def]
    decision = Rules().advise(EXAMPLES / "dk-applied-email.yaml")
    assert "compact_explanation" in decision.to_dict(trace="compact")
    assert "explanation" not in decision.to_dict(trace="none")
    with pytest.raises(InputError, match="not a trace form"):
        decision.to_dict(trace="short")
    compact = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "json", "--trace", "compact")
    assert compact.code == 0 and '"compact_explanation"' in compact.out
    none = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "json", "--no-explanation")
    # None is no trace at all: neither the explanation nor the fired rules (compact has neither).
    assert none.code == 0 and '"explanation"' not in none.out and '"trace"' not in none.out
    assert '"verdict"' in none.out and '"draft"' in none.out


TRACE_KEYS = {"full": {"trace", "explanation"}, "compact": {"compact_explanation"}, "none": set()}


@pytest.mark.parametrize("form", sorted(TRACE_KEYS))
def test_each_trace_form_has_its_keys_and_follows_the_schema(form: str) -> None:
    # A tool reading a line knows the form from its keys, and the schema says which they are.
    rules = Rules()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        document = rules.advise(path).to_dict(trace=form)
        assert {"trace", "explanation", "compact_explanation"} & document.keys() == TRACE_KEYS[form], path.name
        errors = list(validator("advice").iter_errors(document))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_the_schema_refuses_a_document_of_two_forms() -> None:
    decision = Rules().advise(EXAMPLES / "dk-applied-email.yaml")
    full, compact = decision.to_dict(trace="full"), decision.to_dict(trace="compact")
    assert list(validator("advice").iter_errors({**full, "compact_explanation": compact["compact_explanation"]}))
    assert list(validator("advice").iter_errors({**compact, "trace": full["trace"]}))
