"""docs/authoring.md: its example overlay and rule tests work as written, and it names every
fact, anchor, operator and kind of lint finding there is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from followup.rules.condition import OPERATORS
from followup.engine.facts import ANCHORS
from followup.authoring.lint import KINDS
from followup.engine.vocabulary import vocabulary

GUIDE = ROOT / "docs" / "authoring.md"


def examples() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = dict(re.findall(r"<!-- example: (\S+) -->\s*```yaml\n(.*?)```", text, re.S))
    assert {"fi.yaml", "tests/fi.yaml"} <= set(found), "the guide lost its marked example"
    return found


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rules = tmp_path / "my-rules"
    for name, text in examples().items():
        (rules / name).parent.mkdir(parents=True, exist_ok=True)
        (rules / name).write_text(text, encoding="utf-8")
    return rules


def test_the_guide_s_example_lints_clean(run, folder: Path) -> None:
    result = run("rules", "lint", str(folder))
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].startswith("0 errors, 0 warnings"), result.out
    # The guide shows the summary as an author sees it: their own two files counted apart from the shipped ones.
    shown = re.search(r"\$ followup rules lint my-rules\n(.*)\n", GUIDE.read_text(encoding="utf-8")).group(1)
    assert result.out.splitlines()[-1] == shown
    assert shown.startswith(f"0 errors, 0 warnings in {len(examples())} files of yours and ")


def test_the_guide_s_example_passes_its_tests_with_full_coverage(run, folder: Path) -> None:
    result = run("rules", "test", str(folder), "--min-coverage", "100")
    assert result.code == 0, result.out
    assert "fi: 2/2 (100%)" in result.out and "0 failed" in result.out


def test_the_guide_names_every_fact_anchor_operator_and_finding() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    facts = [f for f, t in vocabulary().facts.items() if t.kind != "object"]
    missing = [f"fact {f}" for f in facts if f"`{f}`" not in text]
    missing += [f"anchor {a}" for a in ANCHORS if f"`{a}`" not in text]
    missing += [f"operator {o}" for o in OPERATORS if f"`{o}: " not in text]
    missing += [f"lint kind {k}" for k in KINDS if f"`{k}`" not in text]
    assert not missing, "docs/authoring.md does not mention: " + ", ".join(missing)
