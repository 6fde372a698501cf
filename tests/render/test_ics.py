"""Calendar reminders: they parse back, one all-day event per step, and re-importing updates them."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from conftest import EXAMPLES, situation as make_situation
from followup.api import Rules
from followup.plan import make_plan
from followup.render.ics import REMINDER_HOUR, plan_calendar, step_description

RULES = Rules()


def _calendar(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def _plan_ics(run, source: Path, out: Path, *args: str) -> Calendar:
    result = run("plan", str(source), "--ics", str(out), *args)
    assert result.code == 0, result.err
    return _calendar(out)


@pytest.mark.parametrize("name, zone", [("dk-interview-thank-you.yaml", "Europe/Copenhagen"),
                                        ("dk-applied-email.yaml", "Europe/Copenhagen"),
                                        ("se-applied-deadline.yaml", "Europe/Stockholm"),
                                        ("no-before-applying.yaml", "Europe/Oslo")])
def test_one_all_day_event_per_step_with_a_morning_alarm_in_the_country_zone(run, tmp_path: Path, name: str,
                                                                             zone: str) -> None:
    plan = make_plan(RULES, RULES.situation(EXAMPLES / name))
    calendar = _plan_ics(run, EXAMPLES / name, tmp_path / "plan.ics")
    events = _events(calendar)
    assert len(events) == len(plan.steps) > 0
    assert str(calendar["X-WR-TIMEZONE"]) == zone
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    for event, step in zip(events, plan.steps):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date  # all-day: VALUE=DATE, no time
        assert start == step.first
        assert end == (step.last or step.first) + timedelta(days=1)  # DTEND is exclusive
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and alarm["DESCRIPTION"] == event["SUMMARY"]
        trigger = alarm.decoded("TRIGGER")
        assert isinstance(trigger, datetime) and trigger.utcoffset() == timedelta(0)  # absolute, in UTC (RFC 5545)
        local = trigger.astimezone(ZoneInfo(zone))
        assert (local.date(), local.time()) == (step.first, time(REMINDER_HOUR))
        assert step.decision.verdict.split(" ")[0] in str(event["DESCRIPTION"])


def test_summary_and_description_read_at_a_glance(tmp_path: Path, run) -> None:
    (event, *_rest) = _events(_plan_ics(run, EXAMPLES / "dk-applied-email.yaml", tmp_path / "p.ics"))
    assert event["SUMMARY"] == "Follow up: e-mail Mette Jensen about Administrativ afdelingsleder"
    description = str(event["DESCRIPTION"])
    assert description.startswith("E-mail Mette Jensen to ask about the status of your application between 21 and "
                                  "25 November.")
    # the deciding rules, each with its source, the article's own words included
    assert "[wait-one-to-two-weeks, base]" in description
    assert "seed 000, T2: “Det er normalt bedst at vente en uge eller to" in description
    assert "followup done FILE --answered" in description
    thank_you = _events(_plan_ics(run, EXAMPLES / "dk-interview-thank-you.yaml", tmp_path / "t.ics"))[0]
    assert thank_you["SUMMARY"] == "Thank-you: e-mail Mette Jensen about Administrativ afdelingsleder"


def test_a_draft_goes_into_the_description_when_the_advice_has_one() -> None:
    document = make_plan(RULES, RULES.situation(EXAMPLES / "dk-applied-email.yaml")).to_dict()
    step = {**document["steps"][0], "draft": {"subject": "Ansøgning", "body": "Kære Mette Jensen, ..."}}
    text = step_description(document, step)
    assert "Draft:\nSubject: Ansøgning\n\nKære Mette Jensen, ..." in text
    assert "Draft:\nHej" in step_description(document, {**step, "draft": "Hej"})


def test_the_same_input_gives_the_same_bytes_and_uids(run, tmp_path: Path) -> None:
    source = EXAMPLES / "dk-interview-thank-you.yaml"
    first = tmp_path / "a.ics"
    second = tmp_path / "b.ics"
    _plan_ics(run, source, first)
    _plan_ics(run, source, second)
    assert first.read_bytes() == second.read_bytes()
    # not the file's path, nor today: the UIDs name the application and the contact's slot
    elsewhere = tmp_path / "moved" / "me.yaml"
    elsewhere.parent.mkdir()
    shutil.copy(source, elsewhere)
    uids = [str(e["UID"]) for e in _events(_calendar(first))]
    later = _plan_ics(run, elsewhere, tmp_path / "c.ics", "--today", "2026-11-20")
    assert [str(e["UID"]) for e in _events(later)][-1] == uids[-1]
    assert len(set(uids)) == len(uids) and all(uid.endswith("@followup") for uid in uids)


def test_a_recomputed_plan_updates_the_same_events(run, tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    shutil.copy(EXAMPLES / "dk-applied-email.yaml", path)
    before = _events(_plan_ics(run, path, tmp_path / "before.ics"))
    assert run("done", str(path)).code == 0  # the first follow-up, done today by e-mail
    after = _events(_plan_ics(run, path, tmp_path / "after.ics"))
    assert [str(e["UID"]) for e in after] == [str(e["UID"]) for e in before[1:]]
    assert [e.decoded("DTSTART") for e in after] == [e.decoded("DTSTART") for e in before[1:]]
    assert all(a["SEQUENCE"] > b["SEQUENCE"] for a, b in zip(after, before[1:]))  # calendars take the update


def test_the_alarm_follows_daylight_saving_time() -> None:
    base = dict(country="SE", stage="applied", position="Lagerarbetare", employer={"name": "Lager AB"},
                contact={"name": "Eva", "email": "eva@example.se"})
    winter = make_plan(RULES, make_situation(**base, today="2026-02-10", application={"sent_on": "2026-02-01"}))
    summer = make_plan(RULES, make_situation(**base, today="2026-06-10", application={"sent_on": "2026-06-01"}))
    for plan, utc_hour in ((winter, REMINDER_HOUR - 1), (summer, REMINDER_HOUR - 2)):
        (event,) = _events(Calendar.from_ical(plan_calendar(plan.to_dict())))
        assert event.walk("VALARM")[0].decoded("TRIGGER").hour == utc_hour


def test_advise_ics_writes_the_next_step_alone(run, tmp_path: Path) -> None:
    source = EXAMPLES / "dk-interview-date-passed.yaml"  # the advice today is to wait until 1 December
    result = run("advise", str(source), "--ics", str(tmp_path / "next.ics"))
    assert result.code == 0 and result.out.startswith("Wait.")
    (event,) = _events(_calendar(tmp_path / "next.ics"))
    plan_events = _events(_plan_ics(run, source, tmp_path / "all.ics"))
    assert event.to_ical() == plan_events[0].to_ical()
    assert event.decoded("DTSTART") == date(2026, 12, 1)


def test_a_plan_with_no_step_is_still_a_valid_calendar(run, tmp_path: Path) -> None:
    calendar = _plan_ics(run, EXAMPLES / "dk-rejected.yaml", tmp_path / "none.ics")
    assert _events(calendar) == [] and calendar.walk("VTIMEZONE")  # RFC 5545: at least one component
