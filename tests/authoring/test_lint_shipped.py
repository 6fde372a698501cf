"""The shipped rulesets lint clean, and their rule tests pass and fire every rule (100% coverage)."""

from __future__ import annotations

from followup.authoring.lint import lint
from followup.authoring.ruletest import SuiteReport


def test_shipped_rulesets_lint_clean() -> None:
    report = lint()
    assert not report.errors, "\n".join(f.text() for f in report.errors)
    assert not report.warnings, "\n".join(f.text() for f in report.warnings)


def test_shipped_rule_tests_fire_every_rule(shipped_suite: SuiteReport) -> None:
    suite = shipped_suite  # the shipped cases, run once per session (conftest.py)
    assert not suite.failed, "\n".join(f"{r.case.file}:{r.case.line}: {r.failures}" for r in suite.failed)
    uncovered = [f"{c.file}:{line}: {rule}" for c in suite.coverage for rule, line in c.uncovered]
    assert suite.percent == 100.0, "rules no shipped case fires:\n" + "\n".join(uncovered)
