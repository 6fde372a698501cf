"""Bad situation files: exit 2, a message with file, line and field, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GOOD_SITUATION as GOOD, write

CASES = {
    "malformed YAML": ("country: DK\nstage: [applied\n", 3, "malformed YAML"),
    "wrong type": (GOOD + "posting:\n  forbids_calls: 3\n", 8, "posting.forbids_calls: expected boolean, got a number 3"),
    "unknown field": (GOOD + "contcat:\n  name: X\n", 7, "unknown field 'contcat'"),
    "impossible date": (GOOD.replace("2026-11-11", "2026-02-30"), 5, "application.sent_on: '2026-02-30' is not a valid date"),
    "not in enum": (GOOD.replace("online_portal", "carrier_pigeon"), 6, "application.via: 'carrier_pigeon' is not one of"),
    "missing stage": ("country: DK\n", 1, "'stage' is required"),
    "duplicate key": (GOOD + "stage: interviewed\n", 7, "duplicate key 'stage'"),
    "python tag": (GOOD + "position: !!python/object/apply:os.system ['true']\n", 7, "is not allowed"),
    "future follow-up": (GOOD + "follow_ups:\n  - {date: 2026-12-01, via: email}\n", 8, "is after today"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_situation_exits_2_with_line_and_field(run, tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    path = write(tmp_path, "me.yaml", text)
    result = run("advise", str(path))
    assert result.code == 2
    assert result.out == ""
    assert f"{path}:{line}: " in result.err
    assert message in result.err
    assert "Traceback" not in result.err


def test_bad_today_option_is_a_usage_error(run, tmp_path: Path) -> None:
    result = run("advise", str(write(tmp_path, "me.yaml", GOOD)), "--today", "2026-13-01")
    assert result.code == 2 and "--today" in result.err


def test_missing_file(run, tmp_path: Path) -> None:
    result = run("advise", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "no such file" in result.err


def test_json_situation_errors_have_lines_too(run, tmp_path: Path) -> None:
    path = write(tmp_path, "me.json", '{\n  "country": "DK",\n  "stage": "applied",\n  "colour": "blue"\n}\n')
    result = run("advise", str(path))
    assert result.code == 2 and f"{path}:4: colour: unknown field 'colour'" in result.err


def test_validate_reports_every_file(run, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    bad = write(tmp_path, "bad.yaml", GOOD + "colour: blue\n")
    result = run("validate", str(good), str(bad))
    assert result.code == 2
    assert f"{good}: valid situation" in result.out
    assert f"{bad}:7: colour: unknown field 'colour'" in result.err
