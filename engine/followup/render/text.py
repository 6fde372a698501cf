"""Advice for people (text) and for tools (JSON).

Text output leads with the verdict in one sentence ("E-mail Mette Jensen between 24 and
28 November."), then what to say and avoid, then why, rule by rule. JSON output is
``advice_document``: ``Advice.to_json`` with its decision record and full trace, sorted keys,
so the same advice is the same bytes but for the record's per-run id and timestamp.
"""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Any

from followup.base import fastjson
from followup.base.names import channel_name, day
from followup.base.words import visible
from followup.engine.advice import Advice, FiredRule
from followup.audit.record import DecisionRecord, new_record
from followup.audit.explain import basis_of, explain
from followup.audit.compact import TRACES, compact_trace
from followup.load.situation import Situation

_CHANNEL_VERB = {
    "email": "E-mail {who}",
    "phone": "Call {who}",
    "linkedin": "Send {who} a LinkedIn message",
    "in_person": "Visit {who} in person",
    "letter": "Send {who} a letter",
    "insider": "Ask your contact inside {employer} to put in a word with {who}",
}

_PURPOSE = {"thank_you": "to thank them for the interview", "status": "to ask about the status of your application",
            "process_question": "to ask about the job and how hiring will proceed",
            "competing_offer": "to tell them about your other offer"}


def span(earliest: date | None, latest: date | None, today: date) -> str:
    """``between 24 and 28 November``, ``from 24 November``, ``today``, ``by 28 November``."""
    if earliest and latest:
        if earliest == latest:
            return "today" if earliest == today else f"on {day(earliest, today)}"
        if (earliest.month, earliest.year) == (latest.month, latest.year):
            return f"between {earliest.day} and {day(latest, today)}"
        return f"between {day(earliest, today)} and {day(latest, today)}"
    if earliest:
        return "from today" if earliest <= today else f"from {day(earliest, today)}"
    if latest:
        return f"by {day(latest, today)}"
    return ""


def verdict(advice: Advice) -> str:
    """The advice in one sentence, rendered from its structured fields and the situation."""
    situation = basis_of(advice).situation
    if advice.action == "stop":
        reason = _stop_reason(advice)
        return f"Do not follow up{': ' + reason if reason else ''}."
    who = situation.contact.name or situation.employer.name or "the hiring manager"
    how = _how(advice.channel, situation, who)
    purpose = f" {_PURPOSE[advice.purpose]}" if advice.purpose else ""
    when = span(advice.timing.earliest, advice.timing.latest, advice.today)
    if advice.action == "wait":
        if advice.timing.earliest and advice.timing.earliest > advice.today:
            return f"Wait. {how}{purpose} {span(advice.timing.earliest, advice.timing.latest, advice.today)}, not before."
        if situation.stage == "considering":
            return "Nothing to follow up on yet: send your application first."
        return f"Wait for now; do not contact {who} yet."
    return f"{how}{purpose} {when}.".replace("  ", " ")


def _how(channel: str | None, situation: Situation, who: str) -> str:
    """"Call Mette Jensen", or, with no work number for her, through the switchboard (C12)."""
    employer = situation.employer.name or "the company"
    if channel == "phone" and (situation.contact.phone is None or situation.contact.phone_kind in ("private", "main")):
        person = situation.contact.name or "the person handling the hiring"
        owner = f"{employer}'s" if situation.employer.name else "the company's"
        return f"Call {owner} main number and ask for {person}"
    return _CHANNEL_VERB.get(channel or "", "Follow up with {who}").format(who=who, employer=employer)


def _stop_reason(advice: Advice) -> str:
    for entry in advice.trace:
        if entry.effect.get("action") == "stop" and not entry.overridden_by:
            return entry.title[0].lower() + entry.title[1:]
    for conflict in advice.conflicts:
        if conflict.kind == "all_channels_forbidden":
            return "every way of contacting them is ruled out"
    return ""


def advice_document(advice: Advice, record: DecisionRecord | None = None, *, explanation: bool = True,
                    trace: str | None = None) -> dict[str, Any]:
    """The JSON document for one advice: what ``advise --format json`` prints, and each batch line.

    It is ``Advice.to_json()`` plus
    - ``decision``: the decision record (``audit/record.py``): ``record``, or a new one with a
      fresh id and timestamp, the only two fields that differ between runs on the same input;
    - the trace, as ``trace`` says (``audit/compact.py`` ``TRACES``): ``full`` (the default),
      ``explanation``, every rule, fired or not, condition by condition (``explain.py``);
      ``compact``, ``compact_explanation``, only what this situation decided, which
      ``compact.expand`` turns back into the full one; ``none``. ``explanation=False`` is ``none``.
    Pass the same ``record`` to print a decision and log it under one id. An advice made by
    hand rather than by the engine has neither part.
    """
    form = trace or ("full" if explanation else "none")
    # A compact document has no ``trace`` either: the fired rules' text is the ruleset's.
    document = advice.to_json(trace=form != "compact" or advice.basis is None)
    if advice.basis is not None:
        document["verdict"] = verdict(advice)
        document["decision"] = (record or new_record(advice)).to_json()
        if form == "full":
            document["explanation"] = explain(advice).to_json()
        elif form == "compact":
            document["compact_explanation"] = compact_trace(explain(advice))
        elif form != "none":
            raise ValueError(f"trace is one of {', '.join(TRACES)}, not {form!r}")
    return document


def audit_document(advice: Advice, record: DecisionRecord) -> dict[str, Any]:
    """One audit log entry: the advice document with the normalised situation it was made for."""
    return {**advice_document(advice, record), "situation": basis_of(advice).situation.to_dict()}


def to_json_line(data: Any) -> str:
    """Canonical JSON on one line (RFC 8785: sorted keys, no spaces): for logs and batch output."""
    return fastjson.line(data)


def to_json_text(data: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, UTF-8 characters kept."""
    return fastjson.text(data)


def render_text(advice: Advice, width: int = 88) -> str:
    """The advice for people: warnings, verdict, then what to say, then why, rule by rule.

    Warnings come first: advice from the base rules alone (no rules for the country), or
    from a layer that replaces a shipped one, must say so before it is read.
    """
    lines = warning_lines(advice, width) + [verdict(advice), ""]
    if advice.alternatives:
        lines.append("Also possible: " + ", ".join(channel_name(c) for c in advice.alternatives) + ".")
    if advice.forbidden and advice.action != "stop":
        lines.append("Not by: " + ", ".join(channel_name(c) for c in advice.forbidden) + ".")
    lines += _section("Say", [p.text for p in advice.say], width)
    lines += _section("Avoid", [p.text for p in advice.avoid], width)
    lines += _section("Be careful", [p.text for p in advice.cautions], width)
    lines += _section("Conflicts between rules", [c.message for c in advice.conflicts], width)
    lines += ["", "Why:"]
    for entry in advice.trace:
        lines += _why(entry, width)
    lines += ["", f"Rules: {advice.ruleset.version} ({advice.ruleset.digest[:19]}), advised for {advice.today.isoformat()}."]
    # Situations are refused with control characters in them; this is for those made otherwise.
    return visible("\n".join(line.rstrip() for line in lines).strip() + "\n")


def warning_lines(advice: Advice, width: int = 88) -> list[str]:
    """``Warnings:`` and each warning, then a blank line; nothing without warnings. Output leads with them."""
    return _section("Warnings", list(advice.warnings), width)[1:] + [""] if advice.warnings else []


def _section(title: str, items: list[str], width: int) -> list[str]:
    if not items:
        return []
    out = ["", f"{title}:"]
    for item in items:
        out += textwrap.wrap(item, width, initial_indent="  - ", subsequent_indent="    ")
    return out


def _why(entry: FiredRule, width: int) -> list[str]:
    layer = entry.layer if entry.layer == entry.defined_in else f"{entry.layer}, overriding {entry.defined_in}"
    head = f"  [{entry.id}] ({layer}) {entry.title}"
    facts = ", ".join(f"{k} = {_value(v)}" for k, v in entry.facts)
    out = textwrap.wrap(head, width, subsequent_indent="      ")
    out += textwrap.wrap(entry.because, width, initial_indent="      ", subsequent_indent="      ")
    if facts:
        out += textwrap.wrap(f"saw: {facts}", width, initial_indent="      ", subsequent_indent="        ")
    out += textwrap.wrap(f"source: {entry.source}", width, initial_indent="      ", subsequent_indent="        ")
    for o in entry.overridden_by:
        out += textwrap.wrap(f"not followed: {o.part} (beaten by {o.by}: {o.why})", width,
                             initial_indent="      ", subsequent_indent="        ")
    return out


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
