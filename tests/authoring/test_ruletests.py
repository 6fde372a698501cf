"""The shipped rule tests (rulesets/tests/*.yaml) all pass; the runner reports differences.

The shipped cases run once per test session (``shipped_suite`` in conftest.py); each case is
reported here as a test of its own, and the other tests about them read the same run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import followup
from conftest import write
from followup.authoring.ruletest import SuiteReport, advice_diff, case_files, load_cases, run_case
from followup.base.paths import rulesets_dir

SHIPPED = [case for path in case_files(rulesets_dir()) for case in load_cases(path)]


@pytest.mark.parametrize("case", SHIPPED, ids=[f"{Path(c.file).stem}:{c.line}" for c in SHIPPED])
def test_shipped_case(shipped_suite: SuiteReport, case) -> None:
    (result,) = [r for r in shipped_suite.results if (r.case.file, r.case.line) == (case.file, case.line)]
    assert result.passed, "\n".join(result.failures)


def test_runner_reports_each_difference(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", """
        cases:
          - name: wrong on purpose
            example: dk-applied-email
            expect: {action: stop, channel: phone, fired: [no-such-rule, email-if-you-have-the-address],
                     not_fired: [in-person-only-if-handed-in]}
        """)
    (result,) = [run_case(c, followup.rules()) for c in load_cases(path)]
    assert set(result.failures) == {
        'action: expected "stop", got "follow_up"', 'channel: expected "phone", got "email"',
        f"rule no-such-rule is not in ruleset {result.ruleset}",
        "rule in-person-only-if-handed-in fired but should not"}
    assert advice_diff(result) == [
        "--- expected", "+++ got", "@@ -1,7 +1,5 @@",
        "-action: stop", "-channel: phone", "+action: follow_up", "+channel: email",
        " fired:", "-  - no-such-rule", "   - email-if-you-have-the-address",
        "-not_fired:", "-  - in-person-only-if-handed-in", "+not_fired: []"]


def test_a_misspelt_rule_in_not_fired_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", """
        cases:
          - name: typo
            example: dk-applied-email
            expect: {not_fired: [in-person-only-if-handed-inn]}
        """)
    (result,) = [run_case(c, followup.rules()) for c in load_cases(path)]
    assert not result.passed
    assert result.failures[0].startswith("rule in-person-only-if-handed-inn is not in ruleset base@")


def test_runner_checks_points_and_beaten_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", """
        cases:
          - name: points and beaten rules, wrong on purpose
            example: se-competing-offer
            expect:
              say: ["Say it openly: you have another offer", "Mention your salary expectations"]
              avoid: ["no such advice"]
              beaten: [competing-offer-follow-up-now, wait-for-the-date-promised-at-the-interview]
        """)
    (result,) = [run_case(c, followup.rules()) for c in load_cases(path)]
    assert set(result.failures) == {
        'say: no point contains "Mention your salary expectations"', 'avoid: no point contains "no such advice"',
        "rule competing-offer-follow-up-now was not beaten: nothing of its effect was set aside"}
