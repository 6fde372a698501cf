"""The plan for people: each step with its window and why, then how the plan ends.

It renders the plan document (``followup.plan.Plan.to_dict``, what ``followup plan --format
json`` prints), not the records behind it: the document is the one form of a plan, and the
text and the calendar (``render/ics.py``) are two views of it. The text is in the document's
``lang`` (``Plan.reader_dict`` adds it, with the rules' texts in that language; English without
it): the framing words are the message files' (``render/words.py``), the dates Babel's.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date
from typing import Any

from followup.render.text import to_json_text
from followup.render.words import day, day_number, language_name, say

WIDTH = 88


def plan_text(document: dict[str, Any], width: int = WIDTH) -> str:
    """The plan as text: a heading, the numbered steps, the end, what to do when they answer."""
    today = date.fromisoformat(document["today"])
    lang = document.get("lang", "en")
    lines = [_heading(document, today, lang), ""]
    for step in document["steps"]:
        lines += _step_lines(step, today, width, lang)
        lines.append("")
    lines += _end_lines(document, today, width, lang)
    if document["steps"]:
        lines += ["", *textwrap.wrap(say(lang, "plan.on_the_day"), width)]
    lines += ["", *textwrap.wrap(document["on_answer"], width)]
    if document.get("untranslated"):
        lines += ["", *textwrap.wrap(say(lang, "text.untranslated", language=language_name(lang, lang),
                                         rules=", ".join(document["untranslated"])), width, break_on_hyphens=False)]
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


def plan_json(document: dict[str, Any]) -> str:
    """The plan document as JSON text: ``to_json_text``'s (sorted keys, two-space indent, UTF-8 kept)."""
    return to_json_text(document) + "\n"


def window_words(window: dict[str, str | None], today: date, lang: str = "en") -> str:
    """``2-3 December``, ``from 5 December``, ``19 November``: a step's window at a glance."""
    first = date.fromisoformat(window["first"])  # type: ignore[arg-type]
    last = date.fromisoformat(window["last"]) if window["last"] else None
    if last is None:
        return say(lang, "span.from", day=day(first, today, lang))
    if last == first:
        return day(first, today, lang)
    if (first.month, first.year) == (last.month, last.year):
        return f"{day_number(first, lang)}-{day(last, today, lang)}"
    return f"{day(first, today, lang)} - {day(last, today, lang)}"


def _heading(document: dict[str, Any], today: date, lang: str) -> str:
    app = document["application"]
    count = len(document["steps"])
    steps = (say(lang, "plan.no_steps") if count == 0 else say(lang, "plan.one_step") if count == 1
             else say(lang, "plan.steps", count=count))
    horizon = document.get("horizon")
    return say(lang, "plan.heading", what=app.get("position") or say(lang, "plan.your_application"),
               where=say(lang, "plan.at", employer=app["employer"]) if app.get("employer") else "",
               country=document["country"], today=day(today, today, lang), steps=steps,
               horizon=say(lang, "plan.up_to", day=day(date.fromisoformat(horizon), today, lang)) if horizon else "")


def _step_lines(step: dict[str, Any], today: date, width: int, lang: str) -> list[str]:
    head = f"{step['number']}. {window_words(step['window'], today, lang)}: {step['phrased']}"
    out = textwrap.wrap(head, width, subsequent_indent="   ")
    careful = say(lang, "text.careful")
    for item in step["cautions"]:  # what to say and avoid is for the day itself: `followup advise` gives it
        out += textwrap.wrap(f"{careful}: {item}", width, initial_indent="   ", subsequent_indent="     ")
    if "draft" in step:
        out += [f"   {say(lang, 'plan.draft')}:",
                *[f"     {line}" for line in draft_text(step["draft"], lang).splitlines()]]
    out += _why(step["rules"], width, lang)
    return out


def _end_lines(document: dict[str, Any], today: date, width: int, lang: str) -> list[str]:
    end = document["end"]
    when = (say(lang, "plan.from", day=day(date.fromisoformat(end["day"]), today, lang)) + ": "
            if end["kind"] in ("stop", "repeats", "no_date") else "")
    out = textwrap.wrap(f"{when}{end['message']}", width, subsequent_indent="   ")
    return out + _why(end["rules"], width, lang)


def _why(rules: list[dict[str, Any]], width: int, lang: str) -> list[str]:
    out: list[str] = []
    lead = f"   {say(lang, 'text.why')}: "
    for i, rule in enumerate(rules):
        source = rule["source"]
        cites = f"seed {source['seed']}, {', '.join(source['items'])}"
        # The rules line up under the first, their second lines two further in, whatever the word's length.
        out += textwrap.wrap(f"{lead if i == 0 else ' ' * len(lead)}[{rule['id']}] ({rule['layer']}) {rule['title']} "
                             f"({cites})", width, subsequent_indent=" " * (len(lead) + 2))
    return out


def draft_text(draft: Any, lang: str = "en") -> str:
    """A draft as text, whatever its form: a string, or a mapping with a subject and a body (its label in ``lang``)."""
    if isinstance(draft, str):
        return draft
    if isinstance(draft, dict):
        parts = []
        if draft.get("subject"):
            parts.append(f"{say(lang, 'draft.subject')}: {draft['subject']}")
        if draft.get("body"):
            parts.append(str(draft["body"]))
        if parts:
            return "\n\n".join(parts)
    return json.dumps(draft, ensure_ascii=False, sort_keys=True)
