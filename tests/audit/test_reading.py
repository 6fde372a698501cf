"""The trace's table (``condition.Reading``) gives exactly ``Condition.explain``'s results.

``tests/audit/test_explain_agrees.py`` shows the table's verdicts agree with durable_rules; these
show that everything else it hands out (each condition's result tree, its JSON form, the trace
entries of fired rules) is what reading every rule's condition on its own gives.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import EXAMPLES
from followup.rules.condition import Group, Leaf, Reading
from followup.engine.engine import Engine
from followup.audit.explain import explain
from followup.engine.facts import build_facts
from followup.rules.condition import lookup
from followup.load.situation import load_situation

ENGINE = Engine()
CASES = [(path, country) for path in sorted(EXAMPLES.glob("*.yaml")) for country in ("DK", "SE", "NO", "DE")]


@pytest.mark.parametrize("path,country", CASES, ids=[f"{p.stem}-{c}" for p, c in CASES])
def test_every_rule_reads_as_its_own_condition_does(path: Path, country: str) -> None:
    situation = replace(load_situation(path), country=country)
    advice = ENGINE.advise(situation)
    facts = build_facts(situation)
    explanation = explain(advice)
    document = explanation.to_json()["rules"]
    for rule, trace, entry in zip(explanation.merged.rules, explanation.rules, document):
        alone = rule.when.explain(facts)
        assert trace.result == alone, rule.id
        assert entry["when"] == alone.to_dict(), rule.id
        assert json.dumps(entry["when"], sort_keys=True) == json.dumps(alone.to_dict(), sort_keys=True), rule.id
    for fired in advice.trace:  # the facts each fired rule saw, in the order its condition names them
        rule = next(r for r in explanation.merged.rules if r.id == fired.id)
        paths = list(dict.fromkeys(leaf.fact for leaf in rule.when.leaves()))
        assert [path for path, _ in fired.facts] == paths
        for path, seen in fired.facts:
            present, value = lookup(facts, path)
            assert seen == (value if present else "missing")


def test_equal_values_of_different_types_are_kept_apart() -> None:
    # 1, 1.0 and true are equal in Python; each condition must still show its own value.
    conditions = [Leaf("contacts.total", "equals", 1), Leaf("contacts.total", "equals", 1.0),
                  Leaf("contacts.total", "equals", True), Leaf("contacts.total", "in", (1, 2)),
                  Leaf("contacts.total", "in", (1.0, 2)), Group("not", (Leaf("contacts.total", "equals", True),))]
    reading = Reading(conditions)
    facts = {"contacts": {"total": 1}}
    verdicts = reading.judge(facts)
    nodes = reading.node_dicts(verdicts)
    results = reading.results(verdicts)
    for condition, root in zip(conditions, reading.roots):
        alone = condition.explain(facts)
        assert results[root] == alone
        assert json.dumps(nodes[root]) == json.dumps(alone.to_dict())


def test_shared_conditions_are_judged_once_and_missing_facts_read_as_missing() -> None:
    shared = Leaf("stage", "equals", "applied")
    conditions = [Group("all", (shared, Leaf("interview.date", "exists", True))),
                  Group("all", (Leaf("stage", "equals", "applied"), Leaf("interview.date", "exists", True))),
                  Group("any", (Leaf("days_since.sent", "at_least", 7), Group("not", (shared,))))]
    reading = Reading(conditions)
    assert reading.roots[0] == reading.roots[1]
    assert len(reading.leaf_nodes) == 3
    facts = {"stage": "applied"}
    verdicts = reading.judge(facts)
    for condition, root in zip(conditions, reading.roots):
        assert reading.results(verdicts)[root] == condition.explain(facts)
    assert reading.node_dicts(verdicts)[reading.roots[2]] == {
        "any": [{"fact": "days_since.sent", "operator": "at_least", "expected": 7, "actual": "missing", "held": False},
                {"not": [{"fact": "stage", "operator": "equals", "expected": "applied", "actual": "applied",
                          "held": True}], "held": False}],
        "held": False}
