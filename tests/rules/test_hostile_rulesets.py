"""Rulesets written by strangers: refused with exit 2 and a clear message, before durable_rules.

A ruleset that would make durable_rules' registration never return is the worst case; those
run ``followup advise`` in a subprocess with a timeout, so a regression fails instead of
hanging the test run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES, cpu_seconds
from followup.rules import ruleset as R
from conftest import rule, write_layer

SITUATION = str(EXAMPLES / "dk-applied-email.yaml")
#: CPU seconds, of the test process and the ``followup`` it starts (measured: at most 0.3 s,
#: a new interpreter included). Wall-clock time would count the machine's other work too.
CPU_BOUND = 5.0


def overlay(folder: Path, rules: list[dict[str, Any]]) -> Path:
    """A Danish overlay of the shipped rules with ``rules`` added."""
    return write_layer(folder, rules, name="mine", extends="dk", country="DK")


def advise_in_subprocess(rules: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "followup", "advise", SITUATION, "--rules", str(rules)],
                          capture_output=True, text=True, timeout=timeout)


def test_a_python_tag_in_a_ruleset_runs_nothing(run, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = overlay(tmp_path, [rule("tagged", {"fact": "stage", "equals": "applied"})])
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Rule tagged", f"title: !!python/object/apply:os.system ['touch {marker}']"), encoding="utf-8")
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and "is not allowed; only plain data is read" in result.err
    assert f"{path}:" in result.err and not marker.exists()


def test_an_alias_bomb_in_a_ruleset_is_refused_quickly(run, tmp_path: Path) -> None:
    lines = ["ruleset: mine", "version: '1'", "extends: dk", "description: &d0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"title: &d{i} [" + ", ".join([f"*d{i - 1}"] * 10) + "]" if i == 1 else
              f"x{i}: &d{i} [" + ", ".join([f"*d{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "mine.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with cpu_seconds() as spent:
        result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and "values (an alias bomb, or far too big)" in result.err
    assert spent() < CPU_BOUND


@pytest.mark.parametrize("encoding, message", [("utf-16", "UTF-16 text; save it as UTF-8"),
                                               ("latin-1", "not valid UTF-8 (byte 0xf8)")])
def test_a_ruleset_in_another_encoding_is_refused(run, tmp_path: Path, encoding: str, message: str) -> None:
    path = overlay(tmp_path, [rule("dansk", {"fact": "stage", "equals": "applied"}, {"say": ["Sig tak, søde ven"]})])
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and message in result.err and str(path) in result.err


def test_a_regular_expression_operator_is_refused(run, tmp_path: Path) -> None:
    path = overlay(tmp_path, [rule("regex", {"fact": "contact.email", "matches": ".*@gmail\\.com"})])
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and f"{path}:" in result.err and "rules[0].when" in result.err


def test_a_regular_expression_operator_is_named_in_the_message(run, tmp_path: Path) -> None:
    overlay(tmp_path, [rule("regex", {"fact": "contact.email", "matches": ".*@gmail\\.com"})])
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and "unknown field 'matches'" in result.err


def test_a_deeply_nested_condition_is_refused(run, tmp_path: Path) -> None:
    condition: dict[str, Any] = {"fact": "stage", "equals": "applied"}
    for _ in range(40):
        condition = {"not": condition}
    overlay(tmp_path, [rule("nested", condition)])
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and "nested deeper than the limit of 32 levels" in result.err


@pytest.mark.parametrize("when, message", [
    ({"fact": "contact.shoe_size", "greater_than": 40}, "no fact 'contact.shoe_size'"),
    ({"fact": "stage", "greater_than": 3}, "'greater_than' compares numbers, but stage is"),
    ({"fact": "days_since.sent", "equals": "7"}, "durable_rules would coerce it silently"),
])
def test_a_condition_on_a_fact_that_does_not_exist_or_has_another_type_is_refused(
        run, tmp_path: Path, when: dict[str, Any], message: str) -> None:
    path = overlay(tmp_path, [rule("odd", when)])
    advice = run("advise", SITUATION, "--rules", str(tmp_path))
    assert advice.code == 2 and message in advice.err and f"{path}:" in advice.err and advice.out == ""
    lint = run("rules", "lint", str(tmp_path))
    assert lint.code != 0 and message in lint.out + lint.err


def _beyond_the_stack(folder: Path) -> Path:
    return overlay(folder, [rule(f"r{i}", {"fact": "days_since.sent", "greater_than": -i})
                            for i in range(R.MAX_STACK + 5)])


def _beyond_the_width(folder: Path) -> Path:
    return overlay(folder, [rule(f"r{i}", {"fact": "position", "in": [f"p{i}-{j}" for j in range(50)]})
                            for i in range(11)])


@pytest.mark.parametrize("build, message", [
    (_beyond_the_stack, "conditions that can hold at once along one path"),
    (_beyond_the_width, "different conditions under one condition"),
])
def test_a_ruleset_durable_rules_cannot_take_is_refused_before_it_gets_there(tmp_path: Path, build, message: str) -> None:
    path = build(tmp_path)
    with cpu_seconds() as spent:
        done = advise_in_subprocess(tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and str(path) in done.stderr and "Traceback" not in done.stderr
    assert spent() < CPU_BOUND


def test_rulesets_of_another_kind_of_yaml_are_refused(run, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump([{"id": "x"}]), encoding="utf-8")
    result = run("advise", SITUATION, "--rules", str(tmp_path))
    assert result.code == 2 and "a ruleset must be a mapping" in result.err
