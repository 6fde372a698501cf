"""The plan for people: each step with its window and why, then how the plan ends.

It renders the plan document (``followup.plan.Plan.to_dict``, what ``followup plan --format
json`` prints), not the records behind it: the document is the one form of a plan, and the
text and the calendar (``render/ics.py``) are two views of it.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date
from typing import Any

from followup.base.names import day
from followup.render.text import to_json_text

WIDTH = 88


def plan_text(document: dict[str, Any], width: int = WIDTH) -> str:
    """The plan as text: a heading, the numbered steps, the end, what to do when they answer."""
    today = date.fromisoformat(document["today"])
    lines = [_heading(document, today), ""]
    for step in document["steps"]:
        lines += _step_lines(step, today, width)
        lines.append("")
    lines += _end_lines(document, today, width)
    if document["steps"]:
        lines += ["", *textwrap.wrap("On the day, `followup advise FILE` says what to say and what to avoid; "
                                     "once you have done a step, record it with `followup done FILE`.", width)]
    lines += ["", *textwrap.wrap(document["on_answer"], width)]
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


def plan_json(document: dict[str, Any]) -> str:
    """The plan document as JSON text: ``to_json_text``'s (sorted keys, two-space indent, UTF-8 kept)."""
    return to_json_text(document) + "\n"


def window_words(window: dict[str, str | None], today: date) -> str:
    """``2-3 December``, ``from 5 December``, ``19 November``: a step's window at a glance."""
    first = date.fromisoformat(window["first"])  # type: ignore[arg-type]
    last = date.fromisoformat(window["last"]) if window["last"] else None
    if last is None:
        return f"from {day(first, today)}"
    if last == first:
        return day(first, today)
    if (first.month, first.year) == (last.month, last.year):
        return f"{first.day}-{day(last, today)}"
    return f"{day(first, today)} - {day(last, today)}"


def _heading(document: dict[str, Any], today: date) -> str:
    app = document["application"]
    what = app.get("position") or "your application"
    where = f" at {app['employer']}" if app.get("employer") else ""
    count = len(document["steps"])
    steps = "no follow-up ahead" if count == 0 else f"{count} step{'s' if count > 1 else ''} ahead"
    horizon = f", up to {day(date.fromisoformat(document['horizon']), today)}" if document.get("horizon") else ""
    return f"Plan for {what}{where} ({document['country']}), from {day(today, today)}{horizon}: {steps}."


def _step_lines(step: dict[str, Any], today: date, width: int) -> list[str]:
    head = f"{step['number']}. {window_words(step['window'], today)}: {step['phrased']}"
    out = textwrap.wrap(head, width, subsequent_indent="   ")
    for item in step["cautions"]:  # what to say and avoid is for the day itself: `followup advise` gives it
        out += textwrap.wrap(f"Be careful: {item}", width, initial_indent="   ", subsequent_indent="     ")
    if "draft" in step:
        out += ["   Draft:", *[f"     {line}" for line in draft_text(step["draft"]).splitlines()]]
    out += _why(step["rules"], width)
    return out


def _end_lines(document: dict[str, Any], today: date, width: int) -> list[str]:
    end = document["end"]
    when = f"From {day(date.fromisoformat(end['day']), today)}: " if end["kind"] in ("stop", "repeats", "no_date") else ""
    out = textwrap.wrap(f"{when}{end['message']}", width, subsequent_indent="   ")
    return out + _why(end["rules"], width)


def _why(rules: list[dict[str, Any]], width: int) -> list[str]:
    out: list[str] = []
    for i, rule in enumerate(rules):
        lead = "   Why: " if i == 0 else "        "
        source = rule["source"]
        cites = f"seed {source['seed']}, {', '.join(source['items'])}"
        out += textwrap.wrap(f"{lead}[{rule['id']}] ({rule['layer']}) {rule['title']} ({cites})", width,
                             subsequent_indent="          ")
    return out


def draft_text(draft: Any) -> str:
    """A draft as text, whatever its form: a string, or a mapping with a subject and a body."""
    if isinstance(draft, str):
        return draft
    if isinstance(draft, dict):
        parts = []
        if draft.get("subject"):
            parts.append(f"Subject: {draft['subject']}")
        if draft.get("body"):
            parts.append(str(draft["body"]))
        if parts:
            return "\n\n".join(parts)
    return json.dumps(draft, ensure_ascii=False, sort_keys=True)
