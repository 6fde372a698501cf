"""The whole plan: every follow-up ahead, each one advised by the engine on the day it falls.

There is no timing logic here. The plan is a simulation that asks ``Rules.advise`` again and
again, each time on the situation as it would then be:

- the advice is to **follow up**: that is a step. It is taken on its window's first day, by
  its channel, and gets no answer; the next advice is asked for the day after, on the
  situation with that step done (a follow-up appended to ``follow_ups``, or for a thank-you
  the interview marked ``thanked``: that is how the rules read them);
- the advice is to **wait until X**: the next advice is asked for day X;
- the advice is to **stop**: the plan ends there, with the rule that says so (three contacts
  in Denmark, one follow-up in Sweden, one unanswered message after a Danish interview, ...).

It also ends at a horizon, when the rules give no day to act, or when they would only repeat
the step just taken the next day: a rule whose window does not count from your last message
(a competing offer, the Norwegian call before applying) says the same again every day, and a
plan that sent the same message daily would be pestering, not following the articles.

Simulated situations are built from the ``Situation`` record with ``dataclasses.replace``,
never by writing and re-parsing text, so each step is exactly ``advise`` on a situation a
file could hold: ``tests/api/test_plan.py`` rebuilds every one and checks it, day by day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from followup.base.records import to_json_data
from followup.api import Decision, Rules, as_day, check_lang
from followup.base.errors import InputError, InputErrors, Location
from followup.engine.advice import FiredRule
from followup.load.situation import COUNTRY_TIME_ZONES, FollowUp, Situation
from followup.render.text import Texts, verdict
from followup.render.words import day as day_words, say

#: The name of a follow-up's date, in the situation file and in the ``FollowUp`` record. The
#: schema may rename it (YAML 1.1 reads a bare ``on`` as a boolean): then this line changes.
FOLLOW_UP_DATE = "date"

#: At most this many steps in one plan; the articles' limits stop well before it.
MAX_STEPS = 12
#: Without a horizon, a plan looks no further ahead than this many days.
MAX_DAYS = 366

#: How a plan can end; each says so in words at ``plan.end.KIND`` in ``render/messages/*.yaml``.
END_KINDS = ("stop", "horizon", "no_date", "repeats", "no_channel", "limit")

#: The plan document's texts are the rules' own and English, whatever ``lang``: a tool reads the
#: same document in every language (``followup plan --format json`` has never changed with it).
ON_ANSWER = say("en", "plan.on_answer")

#: An end without the advice that set it, in words: the end's kind, or this key for it.
_BARE_END = {"horizon": "horizon_reached", "limit": "limit_reached"}


@dataclass(frozen=True)
class PlanStep:
    """One follow-up ahead: the engine's own advice on the situation as it would be that day."""

    number: int
    situation: Situation  #: the simulated situation: the steps before done, today = this step's first day
    decision: Decision  #: ``advise(situation)``, nothing else
    phrased: str  #: the verdict phrased from the plan's today ("between 2 and 3 December", not "today")

    @property
    def first(self) -> date:
        """The window's first day (the day the simulation takes the step)."""
        return self.decision.timing.earliest  # type: ignore[return-value]

    @property
    def last(self) -> date | None:
        """The window's last day, or None if the rules give it no end."""
        return self.decision.timing.latest

    @property
    def records(self) -> str:
        """What taking this step adds to the situation: ``thanked`` or a ``follow_up``."""
        return "thanked" if self.decision.purpose == "thank_you" else "follow_up"

    @property
    def slot(self) -> str:
        """Which contact this is, stable across ``followup done``: ``thank-you`` or ``follow-up-N``."""
        if self.records == "thanked":
            return "thank-you"
        return f"follow-up-{len(self.situation.follow_ups) + 1}"

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON data."""
        d = self.decision
        out: dict[str, Any] = {
            "number": self.number, "slot": self.slot, "records": self.records,
            "advised_for": self.situation.today.isoformat(),
            "action": d.action, "channel": d.channel, "alternatives": list(d.alternatives), "purpose": d.purpose,
            "window": {"first": _iso(self.first), "last": _iso(self.last)},
            "verdict": d.verdict, "phrased": self.phrased,
            "say": [p.text for p in d.say], "avoid": [p.text for p in d.avoid],
            "cautions": [p.text for p in d.cautions],
            "rules": [rule_json(r) for r in deciding_rules(d)],
            "fired": [entry.id for entry in d.advice.trace],
        }
        # The draft alone: the whole advice document (verdict, record, JSON of every field) only
        # to read its ``draft`` would be made again for every step of every file of an agenda.
        draft = d.draft()
        if draft is not None:
            out["draft"] = to_json_data(draft)
        return out


@dataclass(frozen=True)
class PlanEnd:
    """Why the plan ends, from which day, and the advice there (if the engine gave one)."""

    kind: str
    day: date
    decision: Decision | None

    @property
    def message(self) -> str:
        """The end in one sentence, as the plan document has it (``phrase("en")``)."""
        return self.phrase("en")

    def phrase(self, lang: str) -> str:
        """The end in one sentence in ``lang``; a stop is the advice's own verdict (in the advice's language)."""
        if self.kind in ("stop", "no_date") and self.decision is not None:
            return self.decision.verdict
        if self.kind in ("horizon", "limit") and self.decision is not None and self.decision.timing.earliest:
            return say(lang, f"plan.end.{self.kind}", next=day_words(self.decision.timing.earliest, None, lang),
                       day=day_words(self.day, None, lang))
        return say(lang, f"plan.end.{_BARE_END.get(self.kind, self.kind)}")

    def to_dict(self) -> dict[str, Any]:
        """The end as JSON data."""
        rules = deciding_rules(self.decision) if self.decision is not None and self.kind == "stop" else ()
        return {"kind": self.kind, "day": self.day.isoformat(), "message": self.message,
                "rules": [rule_json(r) for r in rules]}


@dataclass(frozen=True)
class Plan:
    """The steps ahead from ``situation.today`` and how the plan ends."""

    situation: Situation
    horizon: date | None
    steps: tuple[PlanStep, ...]
    end: PlanEnd
    lang: str = "en"  #: the reader's language: the steps' verdicts are in it, and ``reader_dict``'s texts

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON data: the same situation, rules and day give the same document."""
        s = self.situation
        return {
            "today": s.today.isoformat(), "horizon": _iso(self.horizon), "country": s.country,
            "time_zone": COUNTRY_TIME_ZONES.get(s.country, "UTC"),
            "application": application_identity(s),
            "contact": s.contact.name, "source": s.source,
            "recorded": {"follow_ups": len(s.follow_ups), "thanked": bool(s.interview and s.interview.thanked)},
            "steps": [step.to_dict() for step in self.steps],
            "end": self.end.to_dict(), "on_answer": ON_ANSWER,
        }

    def reader_dict(self) -> dict[str, Any]:
        """``to_dict`` with what people read in the plan's ``lang`` (the rules' titles and reasons,
        the cautions, how the plan ends), and ``lang`` itself: what the text and calendar render.

        In English it is ``to_dict`` plus ``lang``. A text with no translation stays English, and
        ``untranslated`` names its rules (the text says so once, as ``followup advise`` does).
        """
        out = {**self.to_dict(), "lang": self.lang}
        if self.lang == "en":
            return out
        missing: set[str] = set()
        for step, data in zip(self.steps, out["steps"]):
            texts = Texts(step.decision.advice, self.lang)
            data["cautions"] = [texts.point(p, "caution") for p in step.decision.cautions]
            _translate_rules(texts, data["rules"], deciding_rules(step.decision))
            missing |= texts.missing
        end = self.end
        if end.decision is not None and end.kind == "stop":
            texts = Texts(end.decision.advice, self.lang)
            _translate_rules(texts, out["end"]["rules"], deciding_rules(end.decision))
            missing |= texts.missing
        out["end"]["message"] = end.phrase(self.lang)
        out["on_answer"] = say(self.lang, "plan.on_answer")
        out["untranslated"] = sorted(missing)
        return out


def _translate_rules(texts: Texts, rules: list[dict[str, Any]], entries: tuple[FiredRule, ...]) -> None:
    """``rule_json``'s title and reason in the texts' language, in place."""
    for rule, entry in zip(rules, entries):
        rule["title"], rule["because"] = texts.title(entry), texts.because(entry)


def make_plan(rules: Rules, situation: Situation, *, horizon: date | None = None, lang: str = "en",
              max_steps: int = MAX_STEPS) -> Plan:
    """The plan for ``situation`` from its ``today``: each step is ``rules.advise`` on the day it falls."""
    check_lang(lang)
    limit = horizon or situation.today + timedelta(days=MAX_DAYS)
    steps: list[PlanStep] = []
    current = situation
    immediate = False  # the current day follows a step directly, with no wait in between
    while True:
        decision = rules.advise(current, lang=lang)
        end = _end_of(decision, current, limit, horizon, steps, immediate)
        if end is not None:
            return Plan(situation, horizon, tuple(steps), end, lang)
        if decision.action == "wait":
            current, immediate = replace(current, today=decision.timing.earliest), False
            continue
        steps.append(PlanStep(len(steps) + 1, current, decision, _phrased(decision, situation.today)))
        if decision.channel is None and steps[-1].records == "follow_up":
            return Plan(situation, horizon, tuple(steps), PlanEnd("no_channel", current.today, None), lang)
        if len(steps) >= max_steps:
            return Plan(situation, horizon, tuple(steps), PlanEnd("limit", current.today, None), lang)
        current, immediate = step_taken(current, decision), True


def _end_of(decision: Decision, current: Situation, limit: date, horizon: date | None,
            steps: list[PlanStep], immediate: bool) -> PlanEnd | None:
    """How the plan ends at this advice, or None if it goes on."""
    day = current.today
    if decision.action == "stop":
        return PlanEnd("stop", day, decision)
    opens = decision.timing.earliest
    if decision.action == "wait" and (opens is None or opens <= day):
        return PlanEnd("no_date", day, decision)
    if opens is not None and opens > limit:
        return PlanEnd("horizon" if horizon else "limit", limit, decision)
    if decision.action == "follow_up" and immediate and steps and _same(steps[-1].decision, decision):
        return PlanEnd("repeats", day, decision)
    return None


def _same(before: Decision, now: Decision) -> bool:
    """Whether ``now`` advises what ``before`` did: same purpose, channel, and windows from the same rules."""
    def timing(d: Decision) -> tuple[Any, ...]:
        return d.purpose, d.channel, d.timing.latest, _window_rules(d)
    return timing(before) == timing(now)


def _window_rules(decision: Decision) -> tuple[str, ...]:
    """The rules whose windows set the advice's dates (a window set aside is beaten on its timing)."""
    beaten = {e.id for e in decision.advice.trace if any(o.part in ("timing", "earliest", "latest")
                                                        for o in e.overridden_by)}
    return tuple(w.rule for w in decision.timing.windows if w.rule not in beaten)


def step_taken(situation: Situation, decision: Decision) -> Situation:
    """The situation the day after a step, taken on its first day by its channel, unanswered."""
    day = decision.timing.earliest or situation.today
    if decision.purpose == "thank_you" and situation.interview is not None:
        done = situation.with_latest_interview(replace(situation.interview, thanked=True))
    else:
        entry = FollowUp(**{FOLLOW_UP_DATE: day, "via": decision.channel, "answered": False})
        done = replace(situation, follow_ups=(*situation.follow_ups, entry))
    return replace(done, today=day + timedelta(days=1))


def deciding_rules(decision: Decision) -> tuple[FiredRule, ...]:
    """The fired rules that set the advice, none of it beaten, in the order a reader asks "why".

    For a stop: the rules that say stop or, if none did (every channel was ruled out), the
    rules that ruled them out. Otherwise: the rules that set the action and purpose, then the
    windows, then the channel; each group by priority, then the rules' order.
    """
    trace = decision.advice.trace
    if decision.action == "stop":
        stops = [e for e in trace if e.effect.get("action") == "stop" and not _beaten(e, "action stop")]
        return _ranked(stops or [e for e in trace if e.effect.get("forbid")])
    windows = set(_window_rules(decision))
    groups: tuple[list[FiredRule], list[FiredRule], list[FiredRule]] = ([], [], [])
    for entry in trace:
        effect = entry.effect
        if (("action" in effect and not _beaten(entry, f"action {effect['action']}"))
                or (effect.get("purpose") and effect["purpose"] == decision.purpose
                    and not _beaten(entry, f"purpose {effect['purpose']}"))):
            groups[0].append(entry)
        elif entry.id in windows:
            groups[1].append(entry)
        elif decision.channel in effect.get("prefer", ()) and not _beaten(entry, f"prefer {decision.channel}"):
            groups[2].append(entry)
    return tuple(e for group in groups for e in _ranked(group))


def _beaten(entry: FiredRule, part: str) -> bool:
    return any(o.part == part for o in entry.overridden_by)


def _ranked(entries: list[FiredRule]) -> tuple[FiredRule, ...]:
    return tuple(sorted(entries, key=lambda e: -e.priority))  # stable: equal priorities keep rule order


def rule_json(entry: FiredRule) -> dict[str, Any]:
    """A deciding rule as the plan shows it: id, layer, title, reason and source."""
    return {"id": entry.id, "layer": entry.layer, "title": entry.title, "because": entry.because,
            "source": to_json_data(entry.source), "cites": str(entry.source)}


def application_identity(situation: Situation) -> dict[str, Any]:
    """What names the application, whatever the day or the file: it keeps calendar UIDs stable.

    The country, employer, position and the application's date (the interview's if there is
    no application date); never the file's path or today.
    """
    s = situation
    dated = s.application.sent_on or (s.interview.day if s.interview else None)
    fields = {"country": s.country, "employer": s.employer.name, "position": s.position, "date": _iso(dated)}
    key = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return {**fields, "id": hashlib.sha256(key).hexdigest()[:20]}


def horizon_day(value: str | None, today: date) -> date | None:
    """``--horizon``: a date (YYYY-MM-DD) or a number of days from ``today``; None for none."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit():
        days = int(text)
        if days > MAX_DAYS * 5:
            raise InputErrors([InputError(f"{days} days is too far ahead; at most {MAX_DAYS * 5}",
                                          Location(None, None, "horizon"))])
        return today + timedelta(days=days)
    if not text.isascii() or not text[:4].isdigit() or "-" not in text:  # neither a count of days nor a date
        raise InputErrors([InputError(f"'{text[:40]}' is not a horizon: give a number of days (e.g. 90) or a "
                                      "date as YYYY-MM-DD (e.g. 2027-03-01)", Location(None, None, "horizon"))])
    day = as_day(text, "horizon")
    if day is not None and day < today:
        raise InputErrors([InputError(f"{day.isoformat()} is before today ({today.isoformat()})",
                                      Location(None, None, "horizon"))])
    return day


def _phrased(decision: Decision, today: date) -> str:
    """The step's verdict as the engine renders it, with its dates phrased from the plan's today."""
    return verdict(replace(decision.advice, today=today), decision.lang)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


__all__ = ["FOLLOW_UP_DATE", "Plan", "PlanEnd", "PlanStep", "deciding_rules", "horizon_day", "make_plan",
           "step_taken"]
