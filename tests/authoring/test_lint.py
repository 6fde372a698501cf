"""``followup rules lint``: each kind of error, at its line, in a seeded faulty ruleset folder.

The files in tests/data/lint/faulty mark every line lint must flag with ``# lint: <kinds>``;
lint must report exactly those (kind, file, line), nothing more and nothing less.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write
from followup.authoring.lint import lint
from followup.engine.vocabulary import REFUSED_AT_LOAD

FAULTY = ROOT / "tests" / "data" / "lint" / "faulty"
MARK = re.compile(r"#\s*lint:\s*([a-z, -]+)$")


def marked(folder: Path) -> set[tuple[str, int, str]]:
    """``(file, line, kind)`` for every ``# lint: kind, kind`` comment in the folder's layers."""
    out = set()
    for path in sorted(folder.glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARK.search(line)
            if match:
                out |= {(str(path), number, kind.strip()) for kind in match.group(1).split(",")}
    return out


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` containing ``text``."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def report():
    return lint([FAULTY])


def test_every_seeded_fault_is_found_at_its_line_and_nothing_else(report) -> None:
    expected = marked(FAULTY)
    assert {kind for _, _, kind in expected} >= {
        "schema", "no-source", "duplicate-id", "unknown-id", "layer", "unknown-fact", "type", "enum", "anchor",
        "never-holds", "conflict", "untested"}
    assert {(f.file, f.line, f.kind) for f in report.findings} == expected


def test_findings_name_the_rule_and_say_what_is_wrong(report) -> None:
    by_rule = {(f.rule, f.kind): f for f in report.findings}
    assert "did you mean 'contact.email'?" in by_rule[("xa-typo-fact", "unknown-fact")].message
    assert "'fax' is not a value application.via can have" in by_rule[("xa-outside-enum", "enum")].message
    assert "interview.date" in by_rule[("xa-unsure-anchor", "anchor")].message
    assert "less than 3 and days_since.sent is more than 5" in by_rule[("xa-impossible-range", "never-holds")].message
    assert "'xa-go' says follow_up, 'xa-hold' says wait" in by_rule[("xa-hold", "conflict")].message
    assert "'xa-call' prefers phone" in by_rule[("xa-no-call-at-large-firms", "conflict")].message
    assert by_rule[("broken-no-source", "no-source")].severity == "error"
    assert by_rule[("xa-typo-fact", "untested")].severity == "warning"


def test_conflicts_come_with_a_situation_on_which_the_engine_fires_both(run, report, tmp_path: Path) -> None:
    # Only the sound overlay, less the rules advise refuses to load (unknown facts, mistyped
    # values); the example must fire both rules.
    rules = tmp_path / "rules"
    rules.mkdir()
    refused = {f.rule for f in report.findings if f.kind in REFUSED_AT_LOAD}
    assert refused, "the faulty overlay should hold rules advise refuses"
    data = yaml.safe_load((FAULTY / "xa.yaml").read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] not in refused]
    (rules / "xa.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    conflicts = [f for f in report.findings if f.kind == "conflict"]
    assert len(conflicts) == 2
    for finding in conflicts:
        other = re.search(r"with '([a-z-]+)'", finding.message).group(1)
        situation = tmp_path / f"{finding.rule}.json"
        situation.write_text(json.dumps(finding.example), encoding="utf-8")
        result = run("advise", str(situation), "--rules", str(rules), "--format", "json")
        assert result.code == 0, result.err
        fired = {entry["id"] for entry in result.json()["trace"]}
        assert {finding.rule, other} <= fired


def test_cli_text_format_and_exit_code(run) -> None:
    result = run("rules", "lint", str(FAULTY))
    assert result.code == 1
    xa = FAULTY / "xa.yaml"
    assert f"{xa}:{line_of(xa, 'contcat.email')}: xa-typo-fact: no fact 'contcat.email'" in result.out
    assert f"{xa}:{line_of(xa, 'id: xa-typo-fact')}: xa-typo-fact: warning: no rule test fires this rule" in result.out
    assert f"{FAULTY / 'orphan.yaml'}:3: extends 'nowhere', which no rules folder defines" in result.out
    assert "\n    example: {" in result.out
    assert result.out.splitlines()[-1].startswith("15 errors, 5 warnings in ")


def test_cli_json_format(run) -> None:
    result = run("rules", "lint", str(FAULTY), "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["ok"] is False and data["errors"] == 15 and data["warnings"] == 5
    hold = next(f for f in data["findings"] if f["rule"] == "xa-hold")
    assert hold["kind"] == "conflict" and hold["severity"] == "error"
    assert hold["line"] == line_of(FAULTY / "xa.yaml", "id: xa-hold")
    assert hold["example"]["stage"] == "applied"


def test_warnings_alone_exit_0(run, tmp_path: Path) -> None:
    write(tmp_path, "xb.yaml", """
        ruleset: xb
        version: "1"
        extends: base
        country: XB
        rules:
          - id: xb-untested
            title: Nothing tests me
            when: {fact: stage, equals: considering}
            then: {caution: [x]}
            because: test
            source: {seed: "000", items: [G5], quote: "q"}
        """)
    result = run("rules", "lint", str(tmp_path))
    assert result.code == 0, result.out
    assert f"{tmp_path / 'xb.yaml'}:6: xb-untested: warning: no rule test fires this rule (there are no rule tests)" in result.out


def test_missing_folder_is_bad_input(run, tmp_path: Path) -> None:
    result = run("rules", "lint", str(tmp_path / "nope"))
    assert result.code == 2 and "rules folder not found" in result.err


def test_overrides_are_linted_where_they_are_written(tmp_path: Path) -> None:
    path = write(tmp_path, "xc.yaml", """
        ruleset: xc
        version: "1"
        extends: base
        country: XC
        override:
          - id: email-if-you-have-the-address
            when: {fact: contact.emial, exists: true}
            because: test
            source: {seed: "000", items: [C2], quote: "q"}
        """)
    findings = [f for f in lint([tmp_path]).findings if f.severity == "error"]
    assert [(f.file, f.line, f.rule, f.kind) for f in findings] == [
        (str(path), 7, "email-if-you-have-the-address", "unknown-fact")]


def test_a_ruleset_beyond_the_engine_s_limits_is_a_finding(tmp_path: Path) -> None:
    leaves = ", ".join(f"{{fact: days_since.sent, not_equals: {n}}}" for n in range(41))
    path = write(tmp_path, "xd.yaml", f"""
        ruleset: xd
        version: "1"
        extends: base
        country: XD
        rules:
          - id: xd-too-many-conditions
            title: Forty-one conditions
            when: {{all: [{leaves}]}}
            then: {{caution: [x]}}
            because: test
            source: {{seed: "000", items: [T2], quote: "q"}}
        """)
    (finding,) = [f for f in lint([tmp_path]).findings if f.severity == "error"]
    assert (finding.file, finding.rule, finding.kind) == (str(path), "xd-too-many-conditions", "limits")
    assert "at most 40" in finding.message
