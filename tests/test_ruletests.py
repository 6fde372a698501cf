"""The shipped rule tests (rulesets/tests/*.yaml) all pass; the runner reports differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, write
from followup.ruletest import case_files, load_cases, run_case

SHIPPED = [case for path in case_files(ROOT / "rulesets") for case in load_cases(path)]


@pytest.mark.parametrize("case", SHIPPED, ids=[f"{Path(c.file).stem}:{c.line}" for c in SHIPPED])
def test_shipped_case(engine, case) -> None:
    result = run_case(case, engine)
    assert result.passed, "\n".join(result.failures)


def test_runner_reports_each_difference(engine, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", """
        cases:
          - name: wrong on purpose
            example: dk-applied-email
            expect: {action: stop, channel: phone, fired: [no-such-rule], not_fired: [in-person-only-if-handed-in]}
        """)
    (result,) = [run_case(c, engine) for c in load_cases(path)]
    assert set(result.failures) == {
        'action: expected "stop", got "follow_up"', 'channel: expected "phone", got "email"',
        "rule no-such-rule did not fire", "rule in-person-only-if-handed-in fired but should not"}
