"""``followup rules coverage``: every catalogue item is cited by a rule, or the command fails."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, write, write_yaml
from followup.authoring.coverage import load_catalogue

CATALOGUE = ROOT / "rulesets" / "catalogue.md"
SRC = {"seed": "000", "items": ["G1"], "quote": "følg ikke op"}


def test_every_catalogue_item_is_cited_by_a_shipped_rule(run) -> None:
    result = run("rules", "coverage")
    assert result.code == 0, result.err
    items = load_catalogue(CATALOGUE)
    assert len(items) == 70 and items[0].id == "G1" and items[-1].id == "M18"
    # Issue 11's new items, each cited by a rule.
    assert {"G6", "T16", "C23", "M16", "M17", "M18"} <= {item.id for item in items}
    lines = result.out.splitlines()
    for item in items:
        line = next(l for l in lines if l.startswith(f"{item.id} "))
        assert "NOT COVERED" not in line
    assert "70 of 70 items are cited by at least one rule" in result.out
    assert "C18  channel  always-email-after-an-interview (se), email-first-even-with-a-competing-offer (se)" in result.out
    assert "T5   timing   wait-until-after-the-date-given (dk, override)" in result.out


def test_json_report(run) -> None:
    result = run("rules", "coverage", "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert (report["total"], report["covered"], report["uncovered"], report["unknown"]) == (70, 70, [], [])
    l1 = next(i for i in report["items"] if i["id"] == "L1")
    assert l1["kind"] == "limit" and l1["seeds"] == ["000"]
    assert {"rule": "no-more-than-three-contacts", "layer": "base", "as": "rule"} in [
        {k: r[k] for k in ("rule", "layer", "as")} for r in l1["rules"]]
    assert [layer["name"] for layer in report["layers"]] == ["base", "dk", "no", "se"]


def test_an_item_no_rule_cites_fails_with_exit_1(run, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(CATALOGUE, rules / "catalogue.md")
    with (rules / "catalogue.md").open("a", encoding="utf-8") as f:
        f.write("| M19 | 003 | content | Say thank you twice. | \"Tack\" |\n")
    result = run("rules", "coverage", "--rules", str(rules), "--format", "json")
    assert result.code == 1
    assert result.json()["uncovered"] == ["M19"]
    assert "1 catalogue item(s) cited by no rule: M19" in result.err
    text = run("rules", "coverage", "--rules", str(rules))
    assert text.code == 1 and "M19  content  NOT COVERED" in text.out


def test_a_rule_citing_an_item_the_catalogue_lacks_fails_with_exit_1(run, tmp_path: Path) -> None:
    write_yaml(tmp_path, "fi.yaml", {
        "ruleset": "fi", "version": "1", "extends": "base", "country": "FI",
        "rules": [{"id": "sauna-first", "title": "t", "when": {"fact": "stage", "equals": "applied"},
                   "then": {"caution": ["x"]}, "because": "b", "source": {**SRC, "items": ["Z9"]}}]})
    result = run("rules", "coverage", "--rules", str(tmp_path))
    assert result.code == 1
    assert "?    Z9 is not in the catalogue, but sauna-first (fi) cites it" in result.out
    assert "rules cite items the catalogue does not have: Z9 by sauna-first (fi)" in result.err


def test_a_malformed_catalogue_row_is_bad_input_with_its_line(run, tmp_path: Path) -> None:
    path = write(tmp_path, "catalogue.md", """
        # A catalogue
        | id | seeds | kind | advice | quote |
        |---|---|---|---|---|
        | G1 | 000 | gate | Do not follow up. | "følg ikke op" |
        | G2 | 001 | mood | Only if it feels right. | "lad være" |
        """)
    result = run("rules", "coverage", "--rules", str(tmp_path))
    assert result.code == 2
    assert f"{path}:5: item G2: kind 'mood' is not one of gate, timing, channel, limit, content" in result.err
