"""One date grammar: YYYY-MM-DD, and YYYY-MM-DDTHH:MM for interview.date; what advise accepts,
replay reads back, and the schema says the same."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import write, write_yaml
from followup.load.dates import (DATE_OR_LOCAL_DATETIME_PATTERN, DATE_PATTERN, parse_date,
                                 parse_date_or_local_datetime)
from followup.authoring.ruletest import load_cases
from followup.base.errors import InputError
from followup.load.schema import load_schema
from followup.rules.ruleset import digest_of

INTERVIEWED = {"country": "DK", "today": "2026-11-21", "stage": "interviewed",
               "application": {"sent_on": "2026-11-11"}, "interview": {"date": "2026-11-18T10:00"}}

REFUSED = {
    "an offset": ("interview", "date", "2026-11-18T10:00+01"),
    "an offset with minutes": ("interview", "date", "2026-11-18T10:00+01:00"),
    "Z": ("interview", "date", "2026-11-18T10:00Z"),
    "seconds": ("interview", "date", "2026-11-18T10:00:00"),
    "a week date-time": ("interview", "date", "2026-W47-3T10:00"),
    "a week date": ("application", "sent_on", "2026-W46-3"),
    "an ordinal date": ("application", "sent_on", "2026-315"),
    "basic format": ("application", "sent_on", "20261111"),
    "other digits": ("application", "sent_on", "２０２６-11-11"),
    "a space for T": ("interview", "date", "2026-11-18 10:00"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_advise_refuses_every_other_form(run, tmp_path: Path, case: str) -> None:
    section, field, value = REFUSED[case]
    data = json.loads(json.dumps(INTERVIEWED))
    data[section][field] = value
    result = run("advise", str(write_yaml(tmp_path, "me.yaml", data)))
    assert result.code == 2 and result.out == ""
    assert f"{section}.{field}: {value!r}" in result.err, result.err


def test_a_week_date_for_today_is_refused(run, tmp_path: Path) -> None:
    result = run("advise", str(write_yaml(tmp_path, "me.yaml", {**INTERVIEWED, "today": "2026-W47-6"})))
    assert result.code == 2 and "today: '2026-W47-6'" in result.err


@pytest.mark.parametrize("value", ["2026-11-18", "2026-11-18T10:00", "2026-11-18T00:00"])
def test_the_grammar_advise_accepts(run, tmp_path: Path, value: str) -> None:
    data = {**INTERVIEWED, "interview": {"date": value}}
    assert run("advise", str(write_yaml(tmp_path, "me.yaml", data))).code == 0


def test_the_parsers() -> None:
    assert parse_date("2026-11-20") == date(2026, 11, 20)
    assert parse_date_or_local_datetime("2026-11-20") == datetime(2026, 11, 20)
    assert parse_date_or_local_datetime("2026-11-20T10:05") == datetime(2026, 11, 20, 10, 5)
    for bad in ("2026-W47-6", "2026-11-20\n", "2026-02-30", "2026-11-20T10:00", " 2026-11-20"):
        with pytest.raises(ValueError):
            parse_date(bad)
    for bad in ("2026-11-20T10:00+01", "2026-11-20T10:00:00", "2026-11-20T10:00\n", "2026-11-20T25:00"):
        with pytest.raises(ValueError):
            parse_date_or_local_datetime(bad)


def test_the_schemas_state_the_same_grammar() -> None:
    # Every date field of the input schemas carries the pattern of load/dates.py, so a tool
    # validating with the schema alone refuses what followup refuses.
    found = []

    def walk(node: object, schema: str) -> None:
        if isinstance(node, dict):
            if node.get("format") in ("date", "date-or-local-datetime"):
                expected = DATE_PATTERN if node["format"] == "date" else DATE_OR_LOCAL_DATETIME_PATTERN
                found.append((schema, node["format"], node.get("pattern") == expected))
            for value in node.values():
                walk(value, schema)
        elif isinstance(node, list):
            for value in node:
                walk(value, schema)

    for schema in ("situation", "ruletest"):
        walk(load_schema(schema), schema)
    assert all(ok for _, _, ok in found), [f for f in found if not f[2]]
    assert sum(1 for s, _, _ in found if s == "situation") == 8
    assert "YYYY-MM-DDTHH:MM" in load_schema("situation")["description"]


def test_replay_refuses_a_logged_offset_and_replays_the_rest(run, tmp_path: Path) -> None:
    # A log written before the grammar was one: advise took the offset, the log kept it.
    log = tmp_path / "audit.jsonl"
    for name in ("a", "b"):
        assert run("advise", str(write_yaml(tmp_path, f"{name}.yaml", INTERVIEWED)), "--audit-log", str(log)).code == 0
    ruleset, first, second = log.read_text(encoding="utf-8").splitlines()  # the ruleset is stored once, first
    old = json.loads(first)
    old["situation"]["interviews"][0]["date"] = "2026-11-18T10:00+01:00"
    old["decision"]["situation_digest"] = digest_of(old["situation"])
    log.write_text(ruleset + "\n" + json.dumps(old) + "\n" + second + "\n", encoding="utf-8")
    result = run("replay", str(log))
    assert result.code == 2
    assert f"error: {log}:2: situation.interviews[0].date: '2026-11-18T10:00+01:00'" in result.err
    assert result.out.splitlines() == [f"{log}:3 {json.loads(second)['decision']['id']}: same",
                                       "1 decision replayed: 1 same, 0 different. 1 line refused: not a decision record."]


def test_a_rule_test_with_a_week_date_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.yaml", """
        cases:
          - name: a week date
            example: dk-applied-email
            today: 2026-W47-6
            expect: {action: follow_up}
        """)
    with pytest.raises(InputError) as refused:
        load_cases(path)
    assert "today: '2026-W47-6' is not a valid date: write dates as YYYY-MM-DD" in refused.value.format_message()


@pytest.mark.parametrize("args", [("advise", "examples/dk-applied-email.yaml", "--today"),
                                  ("log", "list", "decisions.jsonl", "--since")])
@pytest.mark.parametrize("value, words", [("2026-02-30", "is not a day of the calendar"),
                                          ("2026-W47-3", "is not a date: write it as YYYY-MM-DD"),
                                          ("٢٠٢٦-11-11", "is not a date: write it as YYYY-MM-DD")])
def test_a_date_option_is_read_with_the_same_grammar_and_words(run, args: tuple[str, ...], value: str,
                                                                words: str) -> None:
    result = run(*args, value)
    assert result.code == 2 and words in result.err and "Traceback" not in result.err
