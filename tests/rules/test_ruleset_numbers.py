"""Numbers in rulesets reach durable_rules as the numbers written, or are refused at load.

durable_rules' JSON reader takes ``1.0e-05`` but not ``1e-05`` (an exponent needs a fraction
before it: error 204 for the whole ruleset), and reads whole numbers with ``atol``, which
saturates beyond 64 bits. Python's ``json`` writes ``1e-05`` for ``0.00001``, so a ruleset with
``at_least: 0.00001`` passed lint and then made every ``advise`` fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from followup.authoring.lint import lint
from followup.engine.engine import Engine
from followup.engine.evaluate import default_evaluator
from followup.engine.facts import build_facts
from followup.rules.compiler import definition_json
from followup.load.situation import load_situation
from conftest import rule, write_layer

SITUATION = EXAMPLES / "dk-applied-email.yaml"


def overlay(folder: Path, when: dict[str, Any]) -> Path:
    return write_layer(folder, [rule("numeric", when, {"say": ["the numeric rule fired"]})],
                       name="mine", extends="dk", country="DK")


@pytest.mark.parametrize("value", [0.00001, 1.0e16, -1e-7, 5e-324, 1e300, 2.5e-3, 1e15, -0.0])
@pytest.mark.parametrize("op", ["at_least", "less_than"])
def test_a_number_python_writes_with_an_exponent_reaches_durable_rules(run, tmp_path: Path, value: float,
                                                                      op: str) -> None:
    overlay(tmp_path, {"fact": "days_since.sent", op: value})
    result = run("advise", str(SITUATION), "--rules", str(tmp_path), "--format", "json")
    assert result.code == 0, result.err
    sent = build_facts(load_situation(SITUATION))["days_since"]["sent"]
    expected = sent >= value if op == "at_least" else sent < value
    assert ("numeric" in {e["id"] for e in result.json()["trace"]}) == expected


def test_every_float_of_a_definition_has_a_fraction_before_its_exponent(tmp_path: Path) -> None:
    overlay(tmp_path, {"any": [{"fact": "days_since.sent", "at_least": 1e-05},
                               {"fact": "days_since.sent", "at_most": 1e16}]})
    merged = Engine([tmp_path]).library.merged("DK")
    text = definition_json(merged)
    assert '"days_since.sent": 1.0e-05' in text and '"days_since.sent": 1.0e+16' in text
    assert json.loads(text)  # still JSON


@pytest.mark.parametrize("value", [2**63, -2**63 - 1, 10**30])
@pytest.mark.parametrize("op", ["at_least", "equals", "in"])
def test_a_whole_number_beyond_64_bits_is_refused_at_load_and_by_lint(run, tmp_path: Path, value: int,
                                                                     op: str) -> None:
    path = overlay(tmp_path, {"fact": "days_since.sent", op: [value] if op == "in" else value})
    result = run("advise", str(SITUATION), "--rules", str(tmp_path))
    assert result.code == 2, result.err
    assert f"{path}:" in result.err and "rule 'numeric'" in result.err and "64-bit" in result.err
    findings = [f for f in lint([tmp_path]).findings if f.severity == "error"]
    assert [(f.rule, f.kind) for f in findings] == [("numeric", "type")] and "64-bit" in findings[0].message


def test_the_edges_of_64_bits_are_taken(run, tmp_path: Path) -> None:
    overlay(tmp_path, {"any": [{"fact": "days_since.sent", "at_most": 2**63 - 1},
                               {"fact": "days_since.sent", "less_than": -2**63}]})
    result = run("advise", str(SITUATION), "--rules", str(tmp_path), "--format", "json")
    assert result.code == 0, result.err
    assert "numeric" in {e["id"] for e in result.json()["trace"]}


def test_a_batch_with_such_a_number_advises_every_line(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    overlay(rules, {"fact": "days_since.sent", "at_least": 0.00001})
    lines = tmp_path / "in.jsonl"
    data = load_situation(SITUATION)
    lines.write_text(json.dumps({"country": "DK", "today": data.today.isoformat(), "stage": "applied",
                                 "application": {"sent_on": "2026-01-05", "via": "email"}}) + "\n", encoding="utf-8")
    result = run("batch", str(lines), "--rules", str(rules))
    assert result.code == 0, result.err
    assert "error" not in json.loads(result.out.splitlines()[0])


def test_the_evaluator_fires_what_python_reads_for_such_numbers(tmp_path: Path) -> None:
    overlay(tmp_path, {"all": [{"fact": "days_since.sent", "greater_than": 1e-300},
                               {"fact": "days_since.sent", "less_than": 1e16}]})
    merged = Engine([tmp_path]).library.merged("DK")
    facts = build_facts(load_situation(SITUATION))
    fired = set(default_evaluator().fired(merged, facts))
    assert fired == {r.id for r in merged.rules if r.when.explain(facts).held}
