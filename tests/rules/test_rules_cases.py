"""Every rule of every shipped layer is shown to fire and not to fire by a shipped case.

A case counts for a rule when it names the rule in ``fired`` (or ``not_fired``), runs in a
country where that layer's version of the rule is in force, and asserts the advice itself:
its action, channel or dates. A base rule an overlay overrides is therefore tested twice:
the base version where no overlay replaces it, and each overlay's version in its country.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from followup.engine.engine import Engine
from followup.rules.ruleset import Library
from followup.authoring.ruletest import SuiteReport

ASSERTS_ADVICE = ("action", "channel", "earliest", "latest")
COUNTRIES = ("DK", "SE", "NO", "DE")  # DE: a country with no overlay gets the base versions


def rule_versions(library: Library) -> set[tuple[str, str]]:
    """``(rule id, layer of the version in force)`` for every country's merged ruleset."""
    return {(rule.id, rule.layer) for country in COUNTRIES for rule in library.merged(country).rules}


@pytest.fixture(scope="module")
def evidence(shipped_suite: SuiteReport) -> tuple[set[tuple[str, str]], set[tuple[str, str]], list[str]]:
    """The rule versions shown firing, those shown not firing, and cases that assert no advice."""
    engine = Engine()
    fires: set[tuple[str, str]] = set()
    stays_quiet: set[tuple[str, str]] = set()
    vague: list[str] = []
    for result in shipped_suite.results:  # the shipped cases, run once per session
        case, name = result.case, Path(result.case.file).name
        if not any(key in case.expect for key in ASSERTS_ADVICE):
            vague.append(f"{name}:{case.line} {case.name}")
            continue
        assert result.passed, f"{name}:{case.line}: {result.failures}"
        merged = engine.ruleset_for(case.situation["country"])
        in_force = {rule.id: rule.layer for rule in merged.rules}
        fires |= {(r, in_force[r]) for r in case.expect.get("fired", []) if r in in_force}
        stays_quiet |= {(r, in_force[r]) for r in case.expect.get("not_fired", []) if r in in_force}
    return fires, stays_quiet, vague


def test_every_rule_version_has_a_case_where_it_fires(evidence) -> None:
    fires, _, _ = evidence
    missing = sorted(rule_versions(Library.load()) - fires)
    assert not missing, f"no case shows these firing (rule, layer): {missing}"


def test_every_rule_version_has_a_case_where_it_does_not_fire(evidence) -> None:
    _, stays_quiet, _ = evidence
    missing = sorted(rule_versions(Library.load()) - stays_quiet)
    assert not missing, f"no case shows these not firing (rule, layer): {missing}"


def test_every_case_asserts_the_advice(evidence) -> None:
    _, _, vague = evidence
    assert not vague, f"cases that assert neither action, channel nor dates: {vague}"
