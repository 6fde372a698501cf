"""Messages in plain words, each naming the file, the line and the field (issue 11, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import holidays
import pytest

from conftest import GOOD_SITUATION as GOOD, write
from followup.base.countries import COUNTRIES, ISO_3166_CODES

CASES = {
    "lower-case country": (GOOD.replace("DK", "dk"), 1, "country: ",
                           "write the country as a two-letter code in capital letters: 'DK', not 'dk'"),
    "country name": (GOOD.replace("DK", "Denmark"), 1, "country: ",
                     "write the country as a two-letter code in capital letters, e.g. DK"),
    "no such country": (GOOD.replace("DK", "ZZ"), 1, "country: ", "ZZ is not a country"),
    "UK for GB": (GOOD.replace("DK", "UK"), 1, "country: ", "UK is not a country; write GB"),
    "day/month/year": (GOOD.replace("2026-11-11", "21/11/2026"), 5, "application.sent_on: ",
                       "'21/11/2026' is not a valid date: write dates as YYYY-MM-DD, e.g. 2026-11-21"),
    "interview time": (GOOD.replace("stage: applied", "stage: interviewed")
                       + "interview:\n  date: 20.11.2026 10:00\n", 8, "interview.date: ",
                       "write a date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM"),
    "indentation": (GOOD.replace("  via:", " via:"), 6, "",
                    "check the indentation of this line and the one before (YAML uses spaces to nest)"),
    "deeper indentation": (GOOD.replace("  via:", "    via:"), 6, "",
                           "check the indentation of this line and the one before (YAML uses spaces to nest)"),
    "a tab": (GOOD.replace("  via:", "\tvia:"), 6, "", "YAML indents with spaces, not tabs"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_mistake_gets_words_a_person_can_act_on(run, tmp_path: Path, case: str) -> None:
    text, line, field, words = CASES[case]
    path = write(tmp_path, "me.yaml", text)
    result = run("advise", str(path))
    assert result.code == 2 and result.out == ""
    assert f"error: {path}:{line}: {field}" in result.err, result.err
    assert words in result.err, result.err
    assert "Invalid isoformat" not in result.err and "does not match '^" not in result.err


def test_a_real_country_without_rules_is_advised_with_the_warning_first(run, tmp_path: Path) -> None:
    result = run("advise", str(write(tmp_path, "me.yaml", GOOD.replace("DK", "FR"))))
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "Warnings:" and "no rules for country FR" in lines[1], result.out
    explained = run("explain", str(write(tmp_path, "me.yaml", GOOD.replace("DK", "FR"))))
    assert explained.out.startswith("Warnings:\n  - no rules for country FR")


@pytest.mark.parametrize("country, holiday", [("FR", True), ("DE", False)])
def test_a_country_without_rules_gets_its_own_holidays(run, tmp_path: Path, country: str, holiday: bool) -> None:
    # 14 July 2026, a Tuesday, is France's national day and a working day in Germany.
    text = f"country: {country}\ntoday: 2026-07-14\nstage: applied\napplication: {{sent_on: 2026-07-01}}\n"
    result = run("advise", str(write(tmp_path, "me.yaml", text)), "--format", "json")
    assert result.code == 0
    fired = {entry["id"] for entry in result.json()["trace"]}
    assert ("no-calls-on-days-off" in fired) is holiday


def test_every_country_with_a_holiday_calendar_is_one_the_tool_knows() -> None:
    assert len(ISO_3166_CODES) == 249 and {"DK", "SE", "NO", "FR", "GB", "XK"} <= COUNTRIES
    # Our contract, on any holidays release allowed: no country it has a calendar for is refused.
    # (UK is holidays' alias of GB; the tool asks for GB by name, a test above.)
    assert {code for code in holidays.list_supported_countries() if len(code) == 2} - {"UK"} <= COUNTRIES
    assert "ZZ" not in COUNTRIES and "XA" in COUNTRIES  # XA-XZ: ISO's codes for users, for rules of one's own


def test_batch_refuses_a_country_that_is_none(run, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"country": "ZZ", "stage": "applied"}) + "\n", encoding="utf-8")
    result = run("batch", str(path))
    assert result.code == 2
    assert json.loads(result.out)["error"]["messages"][0]["message"].startswith("ZZ is not a country")
