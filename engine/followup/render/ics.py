"""Calendar reminders for a plan (RFC 5545, written with the ``icalendar`` package).

One all-day event per step of the plan document (``followup.plan.Plan.to_dict``):

- ``DTSTART`` is the window's first day and ``DTEND`` the day after its last (DTEND is
  exclusive); a window with no end given is one day long, and its description says so;
- a ``VALARM`` at 09:00 on the first day in the country's time zone (Europe/Copenhagen,
  Stockholm, Oslo; ``COUNTRY_TIME_ZONES``). An all-day event has no time zone of its own, so a
  trigger relative to its start would ring at 09:00 wherever the device happens to be; the
  trigger is therefore the absolute instant, in UTC as RFC 5545 requires, and the calendar
  names the zone (``X-WR-TIMEZONE`` and a ``VTIMEZONE``);
- a ``SUMMARY`` to read at a glance ("Follow up: e-mail Mette Jensen about Administrativ
  afdelingsleder") and a ``DESCRIPTION`` with the verdict, the rules that set it and their
  sources, and the draft where the advice has one;
- a ``UID`` made of the application's identity (country, employer, position, the application
  or interview date: never the file's path or today) and the step's slot (``thank-you``,
  ``follow-up-2``: the second follow-up stays the second after the first is recorded), so
  importing a recomputed plan updates its events instead of adding copies.

The words are in the document's ``lang`` (``Plan.reader_dict``; English without it), from the
message files (``render/words.py``), as the plan's text is.

Nothing in the file depends on the clock: ``DTSTAMP`` is midnight of the plan's ``today`` in
the country's zone (the day the plan was made for), ``SEQUENCE`` the number of contacts
already recorded (it grows with each ``followup done``, so a calendar takes the update). The
same situation, rules and today give the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from followup import __version__
from followup.render.plan import draft_text
from followup.render.words import say

if TYPE_CHECKING:
    from icalendar import Calendar, Event

#: The hour of the morning the reminder rings, in the country's time zone.
REMINDER_HOUR = 9

#: The channels and purposes the message files name in a summary; any other is "none"'s words.
_VERBS = ("email", "phone", "linkedin", "in_person", "letter", "insider")
_TITLES = ("thank_you", "status", "competing_offer", "process_question")


def plan_calendar(document: dict[str, Any]) -> bytes:
    """The plan's steps as an iCalendar file (CRLF lines, UTF-8)."""
    from icalendar import Timezone  # imported when a calendar is written: `advise` alone never pays for it

    zone = document["time_zone"]
    today = date.fromisoformat(document["today"])
    calendar = _calendar(say(_lang(document), "calendar.name", subject=_subject(document)))
    calendar.add("x-wr-timezone", zone)
    last = max([today, *(_days(step)[1] for step in document["steps"])])
    # The zone's rules from the plan's year to a year past its last step: enough for every alarm.
    calendar.add_component(Timezone.from_tzid(zone, first_date=date(today.year, 1, 1),
                                              last_date=date(last.year + 1, 12, 31)))
    for step in document["steps"]:
        calendar.add_component(step_event(document, step))
    return calendar.to_ical()


def _calendar(name: str) -> "Calendar":
    """An empty calendar called ``name``, with the header every followup calendar has (one
    place for it: a plan's calendar and the agenda's must stay alike, as their events do)."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//followup//followup {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def step_event(document: dict[str, Any], step: dict[str, Any]) -> "Event":
    """One step as an all-day event with its morning reminder."""
    from icalendar import Alarm, Event

    zone = ZoneInfo(document["time_zone"])
    first, end = _days(step)
    summary = step_summary(document, step)
    event = Event()
    event.add("uid", step_uid(document, step))
    event.add("dtstamp", _utc(date.fromisoformat(document["today"]), time(0), zone))
    event.add("sequence", document["recorded"]["follow_ups"] + int(document["recorded"]["thanked"]))
    event.add("dtstart", first)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", step_description(document, step))
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", _utc(first, time(REMINDER_HOUR), zone), parameters={"VALUE": "DATE-TIME"})
    event.add_component(alarm)
    return event


def step_uid(document: dict[str, Any], step: dict[str, Any]) -> str:
    """The same for the same application and contact slot, whatever the day or the file."""
    return f"{document['application']['id']}-{step['slot']}@followup"


def step_summary(document: dict[str, Any], step: dict[str, Any]) -> str:
    """``Follow up: e-mail Mette Jensen about Administrativ afdelingsleder``."""
    lang, app = _lang(document), document["application"]
    who = document.get("contact") or app.get("employer") or say(lang, "calendar.the_employer")
    channel = step["channel"] if step["channel"] in _VERBS else "none"
    verb = say(lang, f"calendar.verb.{channel}", who=who,
               employer=app.get("employer") or say(lang, "verdict.the_company"))
    title = say(lang, f"calendar.title.{step['purpose'] if step['purpose'] in _TITLES else 'none'}")
    return say(lang, "calendar.summary", title=title, verb=verb,
               what=app.get("position") or say(lang, "plan.your_application"))


def step_description(document: dict[str, Any], step: dict[str, Any]) -> str:
    """The verdict, the rules that set it with their sources, the draft, and what to do after."""
    lang = _lang(document)
    lines = [step["phrased"]]
    if not step["window"]["last"]:
        lines.append(say(lang, "calendar.no_end"))
    lines += ["", f"{say(lang, 'calendar.why')}:"]
    source = say(lang, "calendar.source")
    lines += [f"- {rule['title']} [{rule['id']}, {rule['layer']}]: {rule['because']} {source}: {rule['cites']}"
              for rule in step["rules"]]
    if "draft" in step:
        lines += ["", f"{say(lang, 'plan.draft')}:", draft_text(step["draft"], lang)]
    lines += ["", say(lang, "calendar.done"), document["on_answer"]]
    return "\n".join(lines)


def _lang(document: dict[str, Any]) -> str:
    """The reader's language of a plan document: ``reader_dict`` gives it; a bare ``to_dict`` is English."""
    return document.get("lang", "en")


def _subject(document: dict[str, Any]) -> str:
    app = document["application"]
    what = app.get("position") or say(_lang(document), "plan.your_application")
    return f"{what}, {app['employer']}" if app.get("employer") else what


def _days(step: dict[str, Any]) -> tuple[date, date]:
    """The event's DTSTART and its exclusive DTEND."""
    first = date.fromisoformat(step["window"]["first"])
    last = date.fromisoformat(step["window"]["last"]) if step["window"]["last"] else first
    return first, last + timedelta(days=1)


def _utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant ``at`` on ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def agenda_calendar(documents: list[dict[str, Any]], today: date) -> bytes:
    """Every plan's steps in one iCalendar file: the events ``plan_calendar`` makes, UIDs and all.

    Each event keeps its plan's UID (the application and the contact slot), so importing the
    agenda's calendar and a single plan's updates the same events. One ``VTIMEZONE`` per
    country zone present; ``X-WR-TIMEZONE`` only when there is one zone, as it names one.
    """
    from icalendar import Timezone

    calendar = _calendar("Follow-ups: all applications")
    zones = sorted({d["time_zone"] for d in documents})
    if len(zones) == 1:
        calendar.add("x-wr-timezone", zones[0])
    days = [date.fromisoformat(d["today"]) for d in documents] + [today]
    last = max([*days, *(_days(step)[1] for d in documents for step in d["steps"])])
    for zone in zones:
        calendar.add_component(Timezone.from_tzid(zone, first_date=date(min(days).year, 1, 1),
                                                  last_date=date(last.year + 1, 12, 31)))
    for document in documents:
        for step in document["steps"]:
            calendar.add_component(step_event(document, step))
    return calendar.to_ical()
