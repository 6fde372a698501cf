"""The facts rules can test: the situation's own fields plus facts derived from them.

Like json-rules-engine's almanac, this is where values are computed once per evaluation:
days since the application deadline, unanswered follow-ups, and so on. ``DERIVED_FACTS``
names each derived fact with its type and meaning; the linter and the authoring guide read
it, so a rule can only name facts that exist.

The result is JSON-normal data with no lists (durable_rules crashes on some list facts) and
nothing but str, int, bool and nested dicts, so durable_rules' silent type coercion never
meets a value the schema did not check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from followup.base.concepts import Channel, values
from followup.engine.workdays import is_working_day, working_days_between
from followup.load.situation import Situation

#: Dates a timing (``earliest``/``latest``) can be counted from, with their meaning.
ANCHORS: dict[str, str] = {
    "today": "the day advised for",
    "application.sent_on": "the day the application was sent",
    "application.deadline": "the posting's application deadline",
    "posting.answer_expected_by": "the date the posting or employer gave for hearing back",
    "interview.date": "the day of the (latest) interview",
    "interview.answer_promised_by": "the date promised at the (latest) interview",
    "competing_offer.answer_by": "the day you must answer the other offer",
    "contacts.last_on": "the day of your last follow-up",
}

_SINCE = {
    "sent": ("application.sent_on", "the application was sent"),
    "deadline": ("application.deadline", "the application deadline"),
    "interview": ("interview.date", "the (latest) interview"),
    "answer_expected": ("posting.answer_expected_by", "the date given for hearing back (negative: still ahead)"),
    "answer_promised": ("interview.answer_promised_by", "the date promised at the interview (negative: still ahead)"),
    "last_follow_up": ("contacts.last_on", "your last follow-up"),
}


@dataclass(frozen=True)
class FactInfo:
    """A derived fact: its JSON type and what it means."""

    type: str
    meaning: str
    enum: tuple[str, ...] = ()


CHANNELS = values(Channel)

DERIVED_FACTS: dict[str, FactInfo] = {
    **{f"days_since.{k}": FactInfo("integer", f"days since {m}") for k, (_, m) in _SINCE.items()},
    **{f"working_days_since.{k}": FactInfo("integer", f"working days since {m}") for k, (_, m) in _SINCE.items()},
    "days_until.competing_answer": FactInfo("integer", "days left before you must answer the competing offer"),
    "contacts.total": FactInfo("integer", "follow-ups you made so far"),
    "contacts.unanswered": FactInfo("integer", "follow-ups in a row, most recent last, that got no answer"),
    "contacts.calls": FactInfo("integer", "follow-up phone calls so far"),
    "contacts.unanswered_calls": FactInfo("integer", "follow-up phone calls that got no answer"),
    "contacts.since_interview": FactInfo("integer", "follow-ups on or after the interview day"),
    "contacts.unanswered_since_interview": FactInfo("integer", "follow-ups since the interview that got no answer"),
    "contacts.last_via": FactInfo("string", "the channel of your last follow-up", CHANNELS),
    "contacts.last_answered": FactInfo("boolean", "whether your last follow-up got an answer"),
    "contacts.last_on": FactInfo("string", "the day of your last follow-up (YYYY-MM-DD)"),
    "interviews.count": FactInfo("integer", "interview rounds so far (interview.* describes the latest)"),
    "interview.round": FactInfo("integer", "which round the latest interview was (1 for the first)"),
    "calendar.today_is_working_day": FactInfo(
        "boolean", "whether the day advised for is a working day in the country (not a weekend or public holiday)"),
}


def build_facts(situation: Situation) -> dict[str, Any]:
    """The fact dict one evaluation asserts: the normalised situation plus derived facts."""
    return facts_from(situation, situation.to_dict())


def facts_from(situation: Situation, normalised: dict[str, Any]) -> dict[str, Any]:
    """``build_facts`` from the situation's ``to_dict()`` already made, which is left as it was
    (the decision record's digest is taken from it too)."""
    facts = dict(normalised)  # only top-level keys change below; the nested ones are replaced, never edited
    facts.pop("follow_ups", None)
    facts.pop("notes", None)
    # No lists among facts: the latest round is ``interview``, the rounds are counted.
    rounds = facts.pop("interviews", [])
    if rounds:
        facts["interview"] = {**rounds[-1], "round": len(rounds)}
        facts["interviews"] = {"count": len(rounds)}
    contacts = _contacts(situation)
    if contacts:
        facts["contacts"] = contacts
    dates = _anchor_dates(situation)
    facts.update(_day_counts(situation, dates))
    facts["calendar"] = {"today_is_working_day": is_working_day(situation.country, situation.today)}
    return facts


def anchor_date(situation: Situation, anchor: str) -> date | None:
    """The date an anchor name stands for in this situation, or None if it has none."""
    return _anchor_dates(situation).get(anchor)


def anchor_dates(situation: Situation) -> dict[str, date]:
    """Every anchor (``ANCHORS``) this situation gives a date for, with that date."""
    return _anchor_dates(situation)


def _anchor_dates(s: Situation) -> dict[str, date]:
    values: dict[str, date | None] = {
        "today": s.today,
        "application.sent_on": s.application.sent_on,
        "application.deadline": s.application.deadline,
        "posting.answer_expected_by": s.posting.answer_expected_by,
        "interview.date": s.interview.day if s.interview else None,
        "interview.answer_promised_by": s.interview.answer_promised_by if s.interview else None,
        "competing_offer.answer_by": s.competing_offer.answer_by if s.competing_offer else None,
        "contacts.last_on": s.follow_ups[-1].date if s.follow_ups else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def _day_counts(s: Situation, dates: dict[str, date]) -> dict[str, dict[str, int]]:
    since: dict[str, int] = {}
    working: dict[str, int] = {}
    anchors = {key: dates[anchor] for key, (anchor, _) in _SINCE.items() if anchor in dates}
    for key, day in anchors.items():
        since[key] = (s.today - day).days
        working[key] = working_days_between(s.country, day, s.today)
    out: dict[str, dict[str, int]] = {}
    if since:
        out["days_since"], out["working_days_since"] = since, working
    if s.competing_offer:
        out["days_until"] = {"competing_answer": (s.competing_offer.answer_by - s.today).days}
    return out


def _contacts(s: Situation) -> dict[str, Any]:
    if not s.follow_ups:
        return {}
    trailing = 0
    for f in reversed(s.follow_ups):
        if f.answered:
            break
        trailing += 1
    after = [f for f in s.follow_ups if s.interview and f.date >= s.interview.day]
    last = s.follow_ups[-1]
    return {
        "total": len(s.follow_ups),
        "unanswered": trailing,
        "calls": sum(f.via == "phone" for f in s.follow_ups),
        "unanswered_calls": sum(f.via == "phone" and not f.answered for f in s.follow_ups),
        "since_interview": len(after),
        "unanswered_since_interview": sum(not f.answered for f in after),
        "last_via": last.via,
        "last_answered": last.answered,
        "last_on": last.date.isoformat(),
    }
