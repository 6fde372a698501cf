"""Advice for people (text) and for tools (JSON), in the reader's language.

Text output fits a screen: the verdict in one sentence ("E-mail Mette Jensen between 24 and
28 November."), the dates, the draft to send, the few rules that decided whether, how and
when (each with its source), the main points to say and avoid, and a pointer to
``followup explain`` for every rule. JSON output is ``advice_document``: ``Advice.to_json``
with the verdict, the draft, its decision record and full trace, sorted keys, so the same
advice is the same bytes but for the record's per-run id and timestamp.

``lang`` (en, da, sv, nb) is the reader's language: the fixed words come from
``render/messages/``, the rules' texts from the catalogues beside each layer
(``rulesets/base.da.yaml``); a text with no translation stays English and the advice says so
once. The trace stays in the rules' own words. The draft is in the language the situation
writes to the employer in, whatever the reader's.
"""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Any

from followup.base import fastjson
from followup.base.records import to_json_data
from followup.base.words import visible
from followup.engine.advice import Advice, Assumption, FiredRule, Point
from followup.audit.record import DecisionRecord, new_record
from followup.audit.explain import basis_of, explain
from followup.audit.compact import TRACES, compact_trace
from followup.load.situation import Situation
from followup.render.draft import Draft, make_draft, weekday_date
from followup.render.words import channel_name, day, day_number, language_name, say
from followup.rules.catalogue import RuleText
from followup.rules.rule import Rule

#: How many points of each kind the screen shows (``followup explain`` has them all).
MAX_SAY = 3
MAX_AVOID = 2
MAX_CAUTIONS = 2


def span(earliest: date | None, latest: date | None, today: date, lang: str = "en") -> str:
    """``between 24 and 28 November``, ``from 24 November``, ``today``, ``by 28 November``."""
    if earliest and latest:
        if earliest == latest:
            return say(lang, "span.today") if earliest == today else say(lang, "span.on_day", day=day(earliest, today, lang))
        if (earliest.month, earliest.year) == (latest.month, latest.year):
            return say(lang, "span.between_in_month", first=day_number(earliest, lang), last=day(latest, today, lang))
        return say(lang, "span.between", first=day(earliest, today, lang), last=day(latest, today, lang))
    if earliest:
        return say(lang, "span.from_today") if earliest <= today else say(lang, "span.from", day=day(earliest, today, lang))
    if latest:
        return say(lang, "span.by", day=day(latest, today, lang))
    return ""


def verdict(advice: Advice, lang: str = "en") -> str:
    """The advice in one sentence, rendered from its structured fields and the situation."""
    situation = basis_of(advice).situation
    if advice.action == "stop":
        reason = _stop_reason(advice, lang)
        return say(lang, "verdict.stop_because", reason=reason) if reason else say(lang, "verdict.stop")
    who = situation.contact.name or situation.employer.name or say(lang, "verdict.someone")
    how = _how(advice.channel, situation, who, lang)
    purpose = f" {say(lang, 'verdict.purpose.' + advice.purpose)}" if advice.purpose else ""
    when = span(advice.timing.earliest, advice.timing.latest, advice.today, lang)
    if advice.action == "wait":
        if advice.timing.earliest and advice.timing.earliest > advice.today:
            return say(lang, "verdict.wait_until", how=how, purpose=purpose, when=when)
        if situation.stage == "considering":
            return say(lang, "verdict.nothing_yet")
        return say(lang, "verdict.wait_now", who=who)
    return say(lang, "verdict.follow_up", how=how, purpose=purpose, when=when).replace("  ", " ")


def _how(channel: str | None, situation: Situation, who: str, lang: str) -> str:
    """"Call Mette Jensen", or, with no work number for her, through the switchboard (C12)."""
    employer = situation.employer.name or say(lang, "verdict.the_company")
    if channel == "phone" and (situation.contact.phone is None or situation.contact.phone_kind in ("private", "main")):
        person = situation.contact.name or say(lang, "verdict.the_person_hiring")
        key = "verdict.main_number" if situation.employer.name else "verdict.main_number_unnamed"
        return say(lang, key, employer=situation.employer.name, person=person)
    verbs = say(lang, "verdict.channel")
    return verbs.get(channel or "", verbs["none"]).format(who=who, employer=employer)


def _stop_reason(advice: Advice, lang: str = "en") -> str:
    texts = Texts(advice, lang)
    rule = advice.stopped_by()
    if rule is not None:
        title = texts.title(rule)
        return title[0].lower() + title[1:]
    for conflict in advice.conflicts:
        if conflict.kind == "all_channels_forbidden":
            return say(lang, "verdict.all_forbidden")
    return ""


class Texts:
    """The rules' texts of one advice in the reader's language, and which had no translation."""

    def __init__(self, advice: Advice, lang: str) -> None:
        self.lang = lang
        basis = advice.basis
        self.merged = basis.merged if basis is not None else None
        table = self.merged.translations.get(lang, {}) if self.merged is not None and lang != "en" else {}
        self.table: dict[str, RuleText] = table
        self.missing: set[str] = set()

    def _entry(self, rule_id: str) -> RuleText | None:
        if self.lang == "en" or self.merged is None:
            return None
        found = self.table.get(rule_id)
        return found

    def _or_english(self, rule_id: str, translated: str | None, english: str) -> str:
        if self.lang == "en":
            return english
        if translated is None:
            self.missing.add(rule_id)
            return english
        return translated

    def title(self, entry: FiredRule | Rule) -> str:
        found = self._entry(entry.id)
        return self._or_english(entry.id, found.title if found else None, entry.title)

    def because(self, entry: FiredRule) -> str:
        found = self._entry(entry.id)
        return self._or_english(entry.id, found.because if found else None, entry.because)

    def point(self, point: Point, kind: str) -> str:
        """A say/avoid/caution point (``kind``: say, avoid, caution)."""
        if self.lang == "en" or self.merged is None:
            return point.text
        found = self._entry(point.rule)
        rule = next((r for r in self.merged.rules if r.id == point.rule), None)
        points = getattr(found, kind) if found else None
        english = getattr(rule.then, kind) if rule else ()
        translated = points[english.index(point.text)] if points and point.text in english else None
        return self._or_english(point.rule, translated, point.text)

    def warning(self, rules: bool = True) -> str | None:
        """The one warning that some texts are English (naming their rules, unless ``rules=False``), or None."""
        if not self.missing:
            return None
        if not rules:
            return say(self.lang, "text.untranslated_short", language=language_name(self.lang, self.lang),
                       count=len(self.missing))
        return say(self.lang, "text.untranslated", language=language_name(self.lang, self.lang),
                   rules=", ".join(sorted(self.missing)))


def advice_document(advice: Advice, record: DecisionRecord | None = None, *, explanation: bool = True,
                    trace: str | None = None, lang: str = "en") -> dict[str, Any]:
    """The JSON document for one advice: what ``advise --format json`` prints, and each batch line.

    It is ``Advice.to_json()`` plus
    - ``verdict``, and ``draft``: the message to send for an advice to follow up, else null;
    - ``decision``: the decision record (``audit/record.py``): ``record``, or a new one with a
      fresh id and timestamp, the only two fields that differ between runs on the same input;
    - the trace, as ``trace`` says (``audit/compact.py`` ``TRACES``): ``full`` (the default),
      ``trace``, the fired rules with the facts each saw, and ``explanation``, every rule,
      fired or not, condition by condition (``explain.py``); ``compact``,
      ``compact_explanation``, only what this situation decided, which ``compact.expand``
      turns back into the full one; ``none``, no trace at all. ``explanation=False`` is ``none``.
    Pass the same ``record`` to print a decision and log it under one id. An advice made by
    hand rather than by the engine has neither part. With ``lang`` other than en, the verdict
    and the say/avoid/caution points are in that language (the trace stays as the rules say).
    """
    document, fired = document_without_fired(advice, record, explanation=explanation, trace=trace, lang=lang)
    if fired:
        document["trace"] = [to_json_data(entry) for entry in advice.trace]
    return document


def document_without_fired(advice: Advice, record: DecisionRecord | None = None, *, explanation: bool = True,
                           trace: str | None = None, lang: str = "en") -> tuple[dict[str, Any], bool]:
    """``advice_document`` but for its ``trace`` (the fired rules), and whether it has one.

    For encoders that write the fired rules' text their own way (``render/encode.py``: it is
    most of a document, and the same for every advice of a ruleset).
    """
    form = trace or ("full" if explanation else "none")
    # Only the full form lists the fired rules: compact names them (their text is the
    # ruleset's), none has no trace. An advice made by hand has nothing else to show.
    fired = form == "full" or advice.basis is None
    document = advice.to_json(trace=False)
    if advice.basis is not None:
        document["verdict"] = verdict(advice, lang)
        if lang != "en":
            texts = Texts(advice, lang)
            for key, kind in (("say", "say"), ("avoid", "avoid"), ("cautions", "caution")):
                for item, point in zip(document[key], getattr(advice, key)):
                    item["text"] = texts.point(point, kind)
            _collect(texts, advice)
            if texts.warning():
                document["warnings"] = [*document["warnings"], texts.warning()]
        draft = make_draft(advice)
        document["draft"] = to_json_data(draft) if draft else None
        document["decision"] = to_json_data(record or new_record(advice))
        if form == "full":
            document["explanation"] = explain(advice).to_json()
        elif form == "compact":
            document["compact_explanation"] = compact_trace(explain(advice))
        elif form != "none":
            raise ValueError(f"trace is one of {', '.join(TRACES)}, not {form!r}")
    return document, fired


def _collect(texts: Texts, advice: Advice) -> None:
    """Look up every rule text the advice shows, so ``texts.missing`` names those left in English."""
    for key, kind in (("say", "say"), ("avoid", "avoid"), ("cautions", "caution")):
        for point in getattr(advice, key):
            texts.point(point, kind)
    for entry in deciding(advice):
        texts.title(entry)
        texts.because(entry)
    stopping = advice.stopped_by() if advice.action == "stop" else None
    if stopping is not None:
        texts.title(stopping)


def audit_document(advice: Advice, record: DecisionRecord) -> dict[str, Any]:
    """One audit log entry: the advice document with the compact trace and the normalised situation.

    The log stores the ruleset the compact trace names once (``audit/stored.py``), so the full
    trace comes back from the log alone (``DecisionLog.full_document``).
    """
    return {**advice_document(advice, record, trace="compact"), "situation": basis_of(advice).situation.to_dict()}


def to_json_line(data: Any) -> str:
    """Canonical JSON on one line (RFC 8785: sorted keys, no spaces): for logs and batch output."""
    return fastjson.line(data)


def to_json_text(data: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, UTF-8 characters kept."""
    return fastjson.text(data)


def deciding(advice: Advice) -> list[FiredRule]:
    """The few rules that decided whether (the action), how (the channel) and when (the dates)."""
    trace = advice.trace
    beaten = {entry.id: {o.part for o in entry.overridden_by} for entry in trace}
    chosen: list[FiredRule] = []

    def top(entries: list[FiredRule]) -> None:
        if entries:
            best = max(entries, key=lambda e: e.priority)
            if best not in chosen:
                chosen.append(best)

    top([e for e in trace if e.effect.get("action") == advice.action and f"action {advice.action}" not in beaten[e.id]])
    if advice.action != "stop" and advice.channel:
        top([e for e in trace if advice.channel in e.effect.get("prefer", ())
             and f"prefer {advice.channel}" not in beaten[e.id]])
    if advice.action != "stop":
        timing = advice.timing
        bounds = {w.rule for w in timing.windows if (timing.earliest and w.earliest == timing.earliest)
                  or (timing.latest and w.latest == timing.latest)}
        for entry in trace:
            if entry.id in bounds and entry not in chosen and "timing" not in beaten[entry.id]:
                chosen.append(entry)
    return chosen[:3]


def render_text(advice: Advice, width: int = 88, lang: str = "en", draft: Draft | None = None,
                file: str | None = None) -> str:
    """The advice for people, on one screen: verdict, dates, draft, why, what to say and avoid."""
    texts = Texts(advice, lang)
    # Warnings come first: advice from the base rules alone (no rules for the country), or
    # from a layer that replaces a shipped one, must say so before it is read.
    lines = warning_lines(advice, width, lang) + [verdict(advice, lang)] + assumption_lines(advice, width, lang)
    if advice.action != "stop":
        extra = [_window(advice, lang)]
        if advice.alternatives:
            extra.append(f"{say(lang, 'text.also_possible')}: "
                         + ", ".join(channel_name(c, lang) for c in advice.alternatives) + ".")
        if advice.forbidden:
            extra.append(f"{say(lang, 'text.not_by')}: " + ", ".join(channel_name(c, lang) for c in advice.forbidden) + ".")
        lines += [""] + [line for item in extra if item for line in textwrap.wrap(item, width, break_on_hyphens=False)]
    draft = draft if draft is not None else make_draft(advice)
    if draft is not None:
        lines += ["", say(lang, "text.draft", channel=channel_name(draft.channel, lang),
                          language=language_name(draft.language, lang))]
        lines += [f"  {line}" if line else "" for line in draft.text().splitlines()]
        if draft.placeholders:
            lines += textwrap.wrap(f"{say(lang, 'text.fill_in')}: {', '.join(draft.placeholders)}", width, break_on_hyphens=False)
    reasons = deciding(advice)
    if reasons:
        lines += ["", f"{say(lang, 'text.why')}:"]
        for entry in reasons:
            source = f"seed {entry.source.seed}, {', '.join(entry.source.items)}"
            lines += textwrap.wrap(f"{texts.title(entry)} ({source})", width,
                                   initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
    for key, kind, title, most in (("say", "say", "text.say", MAX_SAY), ("avoid", "avoid", "text.avoid", MAX_AVOID),
                                   ("cautions", "caution", "text.careful", MAX_CAUTIONS)):
        points = main_points(advice, getattr(advice, key))
        lines += _points(say(lang, title), [texts.point(p, kind) for p in points], most, width, lang)
    lines += _points(say(lang, "text.conflicts"), [c.message for c in advice.conflicts], 3, width, lang)
    untranslated = [texts.warning(rules=False)] if texts.warning() else []
    lines += _points(say(lang, "text.warnings"), untranslated, 3, width, lang)
    lines += ["", say(lang, "text.explain", file=file or _source(advice))]
    # Situations are refused with control characters in them; this is for those made otherwise.
    return visible("\n".join(line.rstrip() for line in lines).strip() + "\n")


def warning_lines(advice: Advice, width: int = 88, lang: str = "en") -> list[str]:
    """The heading and each of the advice's warnings, then a blank line; nothing without warnings."""
    if not advice.warnings:
        return []
    out = [f"{say(lang, 'text.warnings')}:"]
    for item in advice.warnings:
        out += textwrap.wrap(item, width, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
    return out + [""]


def assumption_lines(advice: Advice, width: int = 88, lang: str = "en") -> list[str]:
    """What the advice assumed, in sentences under the verdict ("You did not say when you
    applied; this assumes you applied today, 21 November."); nothing if it assumed nothing."""
    said = [_assumed(a, advice.today, lang) for a in advice.assumptions]
    return textwrap.wrap(" ".join(s for s in said if s), width, break_on_hyphens=False) if said else []


def _assumed(assumption: Assumption, today: date, lang: str) -> str:
    value = assumption.value
    if assumption.field == "application.sent_on" and value:
        return say(lang, "assumed.sent_on", day=day(date.fromisoformat(value), today, lang))
    if assumption.field == "contact.name":
        return say(lang, "assumed.contact", at=say(lang, "assumed.contact_at", employer=value) if value else "")
    key = _NONE_GIVEN.get(assumption.field)
    return say(lang, f"assumed.{key}") if key else ""


#: Dates the file did not give, assumed to be none, and the message that says so.
_NONE_GIVEN = {"application.deadline": "deadline", "posting.answer_expected_by": "answer_expected_by",
               "interview.answer_promised_by": "answer_promised_by"}


def main_points(advice: Advice, points: tuple[Point, ...]) -> list[Point]:
    """Points, the most specific first: those for this channel, then for fewer purposes, then the rest.

    Each group keeps the resolver's order (priority, then listing); the generic points every
    message gets ("keep it short") come last, so a screen that shows a few shows the ones
    about this situation.
    """
    effects = {entry.id: entry.effect for entry in advice.trace}

    def specificity(point: Point) -> tuple[int, int]:
        effect = effects.get(point.rule, {})
        return (0 if effect.get("if_channel") else 1, len(effect.get("if_purpose", ())) or 9)

    return sorted(points, key=specificity)


def _source(advice: Advice) -> str:
    source = advice.basis.situation.source if advice.basis is not None else ""
    return source if source and not source.startswith("<") else "FILE"


def _points(title: str, items: list[str], most: int, width: int, lang: str) -> list[str]:
    if not items:
        return []
    heading = title if len(items) <= most else say(lang, "text.some", title=title, shown=most, count=len(items))
    out = ["", f"{heading}:"]
    for item in items[:most]:
        out += textwrap.wrap(item, width, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
    return out


def _window(advice: Advice, lang: str) -> str:
    """``When: Saturday 21 November to Wednesday 25 November.``: the days, with their weekdays."""
    timing = advice.timing
    first, last = timing.earliest, timing.latest
    if first is None and last is None:
        return ""
    if first and last and first != last:
        days = say(lang, "text.from_to", first=weekday_date(first, lang), last=weekday_date(last, lang))
    else:
        days = weekday_date(first or last, lang)  # type: ignore[arg-type]
        if first is None:
            days = say(lang, "span.by", day=days)
        elif last is None:
            days = say(lang, "span.from", day=days)
    return f"{say(lang, 'text.when')}: {days}."
