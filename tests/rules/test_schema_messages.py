"""Ruleset schema errors name what the author got wrong, not which oneOf branch failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_yaml

SRC = {"seed": "000", "items": ["G1"], "quote": "q"}


@pytest.mark.parametrize("when, message", [
    ({"fact": "stage", "equal": "applied"}, "rules[0].when.equal: unknown field 'equal'"),
    ({"all": [{"fact": "stage", "equals": "applied"}, {"fact": "contact.email", "matches": ".*"}]},
     "rules[0].when.all[1].matches: unknown field 'matches'"),
    ({"not": {"fact": "stage"}}, "a condition names a fact and exactly one operator"),
    ({"fact": "stage", "equals": "applied", "in": ["x"]}, "found equals, in"),
    ({"any": []}, "rules[0].when.any: [] should be non-empty"),
])
def test_condition_errors_name_the_problem(run, tmp_path: Path, when: dict, message: str) -> None:
    path = write_yaml(tmp_path, "base.yaml", {"ruleset": "base", "version": "1", "rules": [
        {"id": "r1", "title": "t", "when": when, "then": {"action": "wait"}, "because": "b", "source": SRC}]})
    result = run("validate", str(path))
    assert result.code == 2
    assert f"{path}:" in result.err and message in result.err


@pytest.mark.parametrize("when, message", [
    ({"fact": "stage", "greater_than": 2}, "'greater_than' compares numbers, but stage is one of"),
    ({"fact": "contact.shoe_size", "equals": 3}, "no fact 'contact.shoe_size'"),
    ({"fact": "days_since.sent", "equals": "7"}, "durable_rules would coerce it silently"),
])
def test_advise_refuses_conditions_durable_rules_would_read_differently(run, tmp_path: Path, when: dict,
                                                                         message: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    path = write_yaml(rules, "fi.yaml", {"ruleset": "fi", "version": "1", "extends": "base", "country": "FI", "rules": [
        {"id": "odd", "title": "t", "when": when, "then": {"action": "wait"}, "because": "b", "source": SRC}]})
    me = write_yaml(tmp_path, "me.yaml", {"country": "FI", "stage": "applied", "today": "2026-11-21"})
    result = run("advise", str(me), "--rules", str(rules))
    assert result.code == 2 and result.out == ""
    assert f"{path}:" in result.err and "rule 'odd'" in result.err and message in result.err
