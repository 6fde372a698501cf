"""The plan is ``advise`` asked again on each day ahead, and it ends where the articles say.

Every step is checked against an independent rebuild of the situation it was advised on
(the steps before it done on their first day, by their channel, unanswered; a thank-you as
``interview.thanked``), and every day between two steps against ``advise`` too: on those
days the advice must be to wait, or the plan would have skipped a day the rules allow.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import EXAMPLES, situation as make_situation
from conftest import situations
from followup.api import Rules
from followup.load.schema import load_schema
from followup.load.situation import FollowUp, Situation, situation_from_data
from followup.plan import FOLLOW_UP_DATE, MAX_DAYS, Plan, PlanStep, horizon_day, make_plan

RULES = Rules()
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _taken(here: Situation, step: PlanStep) -> Situation:
    """The situation the day after ``step``, built here from the step's own fields, not by the plan."""
    if step.decision.purpose == "thank_you":
        done = here.with_latest_interview(replace(here.interview, thanked=True))
    else:
        done = replace(here, follow_ups=(*here.follow_ups, FollowUp(step.first, step.decision.channel, False)))
    return replace(done, today=step.first + timedelta(days=1))


def _days(first: date, until: date):
    day = first
    while day < until:
        yield day
        day += timedelta(days=1)


def _document(decision) -> dict:
    return decision.advice.to_json()


def check_plan(original: Situation, plan: Plan) -> None:
    """Each step equals ``advise`` on its rebuilt situation; every day before it advises waiting."""
    current = original
    for step in plan.steps:
        for day in _days(current.today, step.first):
            assert RULES.advise(replace(current, today=day)).action == "wait", (step.number, day)
        here = replace(current, today=step.first)
        assert step.situation == here
        fresh = RULES.advise(here)
        assert _document(fresh) == _document(step.decision)  # action, channel, dates, purpose, every fired rule
        assert (fresh.action, fresh.channel, fresh.timing.earliest, fresh.verdict) == \
               ("follow_up", step.decision.channel, step.first, step.decision.verdict)
        _check_valid(here)
        current = _taken(here, step)
    end = plan.end
    if end.kind in ("stop", "repeats", "no_date"):
        for day in _days(current.today, end.day):
            assert RULES.advise(replace(current, today=day)).action == "wait", ("end", day)
        fresh = RULES.advise(replace(current, today=end.day))
        assert _document(fresh) == _document(end.decision)
        expected = {"stop": "stop", "repeats": "follow_up", "no_date": "wait"}[end.kind]
        assert fresh.action == expected
    elif end.kind in ("horizon", "limit") and end.decision is not None:
        assert end.decision.timing.earliest > end.day


def _check_valid(simulated: Situation) -> None:
    """A simulated situation is one a file could hold: its normal form reads back to itself."""
    again = situation_from_data(simulated.to_dict(), simulated.source)
    assert again == simulated


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_step_of_every_example_is_what_advise_says_that_day(path: Path) -> None:
    original = RULES.situation(path)
    check_plan(original, make_plan(RULES, original))


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(situations())
def test_every_step_of_generated_situations_is_what_advise_says_that_day(data: dict) -> None:
    original = RULES.situation(data)
    check_plan(original, make_plan(RULES, original, horizon=original.today + timedelta(days=60)))


# --- how plans end, country by country ----------------------------------------------------------


def _plan(name: str, **kw) -> Plan:
    return make_plan(RULES, RULES.situation(EXAMPLES / name), **kw)


def _shape(plan: Plan) -> tuple:
    return ([(s.slot, s.decision.purpose, s.decision.channel, s.first, s.last) for s in plan.steps],
            plan.end.kind, [r["id"] for r in plan.end.to_dict()["rules"]])


def test_denmark_after_applying_three_contacts_then_stop() -> None:
    d = date.fromisoformat
    assert _shape(_plan("dk-applied-email.yaml")) == (
        [("follow-up-1", "status", "email", d("2026-11-21"), d("2026-11-25")),
         ("follow-up-2", "status", "email", d("2026-12-05"), None),  # two weeks after the last (T11)
         ("follow-up-3", "status", "email", d("2026-12-19"), None)],
        "stop", ["no-more-than-three-contacts"])  # L1


def test_denmark_after_an_interview_thank_you_then_one_unanswered_message() -> None:
    d = date.fromisoformat
    plan = _plan("dk-interview-thank-you.yaml")
    assert _shape(plan) == (
        [("thank-you", "thank_you", "email", d("2026-11-19"), d("2026-11-19")),
         ("follow-up-1", "status", "email", d("2026-12-02"), d("2026-12-03"))],  # 4-5 days after the promised date
        "stop", ["one-unanswered-message-after-an-interview"])  # L2
    assert plan.steps[1].situation.interview.thanked is True and plan.steps[1].situation.follow_ups == ()


def test_sweden_one_follow_up_is_enough() -> None:
    for name, window in (("se-applied-deadline.yaml", ("2026-11-15", "2026-11-22")),
                         ("se-interview-date-passed.yaml", ("2026-11-30", "2026-12-01"))):
        steps, kind, rules = _shape(_plan(name))
        assert [(s[3].isoformat(), s[4].isoformat()) for s in steps] == [window], name
        assert (kind, rules) == ("stop", ["one-follow-up-is-enough"]), name  # L6


NORWAY_APPLIED = dict(country="NO", today="2026-11-20", stage="applied", position="Rådgiver",
                      employer={"name": "Fjordkraft AS"}, application={"sent_on": "2026-11-10", "via": "email"},
                      contact={"name": "Kari Nordmann", "email": "kari@example.no"})


def test_norway_after_applying_three_contacts_then_stop() -> None:
    plan = make_plan(RULES, make_situation(**NORWAY_APPLIED))
    steps, kind, rules = _shape(plan)
    assert [s[0] for s in steps] == ["follow-up-1", "follow-up-2", "follow-up-3"]
    assert (kind, rules) == ("stop", ["no-more-than-three-contacts"])  # no stricter Norwegian limit
    check_plan(plan.situation, plan)


def test_norway_after_an_interview_the_thank_you_and_then_until_three_contacts() -> None:
    data = {**NORWAY_APPLIED, "stage": "interviewed", "today": "2026-11-20",
            "interview": {"date": "2026-11-19T10:00", "format": "in_person", "invited_by": "email"}}
    plan = make_plan(RULES, make_situation(**data))
    steps, kind, rules = _shape(plan)
    assert steps[0][:2] == ("thank-you", "thank_you")
    assert [s[0] for s in steps[1:]] == ["follow-up-1", "follow-up-2", "follow-up-3"]
    assert steps[2][3] - steps[1][3] == timedelta(days=3)  # T10: three days to answer, then try again
    assert (kind, rules) == ("stop", ["no-more-than-three-contacts"])
    check_plan(plan.situation, plan)


def test_norway_the_call_before_applying_is_not_repeated_every_day() -> None:
    plan = _plan("no-before-applying.yaml")
    steps, kind, _ = _shape(plan)
    assert [(s[1], s[2]) for s in steps] == [("process_question", "phone")]
    # The rules see the call made (call-before-you-apply reads the contacts): the plan ends in
    # the wait for the application, not in a repetition.
    assert kind == "no_date"


def test_a_competing_offer_is_told_once() -> None:
    steps, kind, _ = _shape(_plan("se-competing-offer.yaml"))
    # Told once: the offer's own message then awaits its answer, and Sweden's one follow-up stands.
    assert [(s[1], s[2]) for s in steps] == [("competing_offer", "email")] and kind == "stop"


def test_a_plan_that_stops_today_has_no_steps() -> None:
    for name, rule in (("dk-rejected.yaml", "rejected-close-politely"),
                       ("dk-three-unanswered.yaml", "no-more-than-three-contacts"),
                       ("se-posting-forbids-contact.yaml", "posting-forbids-calls-and-emails")):
        assert _shape(_plan(name)) == ([], "stop", [rule]), name


def test_before_applying_in_denmark_there_is_no_date_to_plan() -> None:
    plan = make_plan(RULES, make_situation(country="DK", today="2026-11-20", stage="considering"))
    assert (plan.steps, plan.end.kind) == ((), "no_date")
    assert "send your application first" in plan.end.message


def test_the_horizon_cuts_the_plan() -> None:
    full = _plan("dk-applied-email.yaml")
    cut = _plan("dk-applied-email.yaml", horizon=date(2026, 12, 10))
    assert [s.to_dict() for s in cut.steps] == [s.to_dict() for s in full.steps[:2]]
    assert (cut.end.kind, cut.end.day, cut.end.decision.timing.earliest) == ("horizon", date(2026, 12, 10),
                                                                              date(2026, 12, 19))
    assert [s.to_dict() for s in _plan("dk-applied-email.yaml", horizon=date(2026, 11, 21)).steps] == \
           [full.steps[0].to_dict()]


def test_horizon_is_a_date_or_a_number_of_days() -> None:
    today = date(2026, 11, 21)
    assert horizon_day("30", today) == date(2026, 12, 21)
    assert horizon_day("2026-12-01", today) == date(2026, 12, 1)
    assert horizon_day(None, today) is None
    for bad in ("2026-11-20", "soon", "2026-02-30", str(MAX_DAYS * 6)):
        with pytest.raises(Exception) as raised:
            horizon_day(bad, today)
        assert getattr(raised.value, "exit_code", None) == 2, bad


def test_the_date_field_is_the_one_the_schema_names() -> None:
    # One constant names it; if the schema renames it (issue 11), this test says where to change.
    item = load_schema("situation")["properties"]["follow_ups"]["items"]
    assert FOLLOW_UP_DATE in item["required"]
    assert FOLLOW_UP_DATE in FollowUp.__dataclass_fields__


# --- the command ---------------------------------------------------------------------------------


def test_plan_command_text(run) -> None:
    result = run("plan", str(EXAMPLES / "dk-applied-email.yaml"))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Plan for Administrativ afdelingsleder at Nordhavn A/S (DK), from 21 November: 3 steps ahead."
    assert lines[2].startswith("1. 21-25 November: E-mail Mette Jensen to ask about the status")
    assert any(line.startswith("2. from 5 December: E-mail Mette Jensen") for line in lines)
    assert "From 20 December: Do not follow up: you have contacted them three times already." in result.out
    assert "[no-more-than-three-contacts] (base)" in result.out and "seed 000, L1, L7" in result.out
    assert "followup done FILE --answered" in result.out


def test_plan_command_json_is_the_same_bytes_each_run(run) -> None:
    first = run("plan", str(EXAMPLES / "dk-interview-thank-you.yaml"), "--format", "json")
    second = run("plan", str(EXAMPLES / "dk-interview-thank-you.yaml"), "--format", "json")
    assert first.code == 0 and first.out == second.out
    document = json.loads(first.out)
    assert [s["window"] for s in document["steps"]] == [{"first": "2026-11-19", "last": "2026-11-19"},
                                                        {"first": "2026-12-02", "last": "2026-12-03"}]
    step = document["steps"][1]
    assert step["rules"][0]["source"]["seed"] and step["fired"] and step["records"] == "follow_up"
    assert document["end"]["kind"] == "stop"


def test_plan_command_today_horizon_and_lang(run) -> None:
    path = str(EXAMPLES / "dk-applied-email.yaml")
    later = run("plan", path, "--today", "2026-12-01", "--horizon", "10", "--format", "json").json()
    assert later["today"] == "2026-12-01" and later["horizon"] == "2026-12-11" and later["end"]["kind"] == "horizon"
    for args in (("--horizon", "2026-01-01"), ("--horizon", "tomorrow"), ("--lang", "xx")):
        result = run("plan", path, *args)
        assert result.code == 2 and result.err.startswith("error: "), args


def test_plan_command_refuses_a_bad_file(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("country: DK\nstage: applied\nfollow_ups:\n  - {date: 2026-13-01, via: email}\n", encoding="utf-8")
    result = run("plan", str(bad))
    assert result.code == 2 and f"{bad}:4" in result.err


@pytest.mark.parametrize("value, words", [("3x", "give a number of days (e.g. 90) or a date"),
                                          ("２０２６-12-01", "give a number of days (e.g. 90) or a date"),
                                          ("2026-02-30", "is not a date"),
                                          ("2026-11-01", "is before today")])
def test_a_horizon_that_is_neither_days_nor_a_date_ahead_is_refused_saying_which_forms_it_takes(
        run, value: str, words: str) -> None:
    result = run("plan", str(EXAMPLES / "dk-applied-email.yaml"), "--horizon", value)
    assert result.code == 2 and words in result.err and "horizon" in result.err
