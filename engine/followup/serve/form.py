"""The page's form: its fields, the situation they make, and each schema error beside its field.

A field's name *is* its path in the situation (``contact.email``, ``interviews[1].date``),
the path a schema error names, so an error finds its field without a table; the lists
(interview rounds, follow-ups) are rows of such fields (``Rows``). The one field that is no
path is a round's time, joined to its date as the schema's ``YYYY-MM-DDTHH:MM``. The form is
checked with the situation schema itself (``load.schema.validator``); each error's kind
(a pattern, an enum, a length) gets a message in the page's language. What the engine
checks after the schema (a date in the future, an interview before the application) keeps
the engine's English message, still beside its field.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Any

import yaml

from followup.base.errors import InputError
from followup.load.schema import validator
from followup.load.yamlio import Document, format_path
from followup.serve.words import word

CHANNELS = ("email", "phone", "linkedin", "in_person", "letter", "insider")


@dataclass(frozen=True)
class Field:
    """One input: its situation path, its kind (text, date, time, select, check) and its options."""

    name: str
    kind: str = "text"
    options: tuple[str, ...] = ()
    words: str = ""  #: the prefix of the options' words (``stage`` → ``stage.applied``)
    autocomplete: str = "off"

    def option_words(self, option: str, lang: str) -> str:
        return word(f"{self.words or self.name}.{option}", lang)


def field_id(name: str) -> str:
    """The HTML id of the input named ``name`` (``interviews[1].date`` → ``f-interviews-1-date``)."""
    return "f-" + name.replace(".", "-").replace("[", "-").replace("]", "")


SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("basics", (
        Field("country", "select", ("DK", "SE", "NO")),
        Field("stage", "select", ("considering", "applied", "interviewed")),
        Field("position"),
        Field("employer.name", autocomplete="organization"),
        Field("employer.size", "select", ("small", "medium", "large"), "size"),
        Field("application.sent_on", "date"),
        Field("application.via", "select", ("online_portal", "job_board", "email", "post", "in_person"), "via"),
        Field("application.deadline", "date"),
        Field("outcome", "select", ("pending", "rejected", "hired")),
        Field("applicant.name", autocomplete="name"),
        Field("today", "date"),
        Field("feels_right", "check"),
    )),
    ("contact", (
        Field("contact.name"),
        Field("contact.email", "email"),
        Field("contact.phone", "tel"),
        Field("contact.phone_kind", "select", ("work", "main", "private"), "phone_kind"),
        Field("contact.asked_for", "select", CHANNELS, "channel"),
        Field("contact.linkedin", "check"),
        Field("contact.insider", "check"),
    )),
    ("posting", (
        Field("posting.answer_expected_by", "date"),
        Field("posting.forbids_calls", "check"),
        Field("posting.forbids_emails", "check"),
        Field("posting.shortlisted_only", "check"),
    )),
)
FIELDS = {f.name: f for _, fields in SECTIONS for f in fields}
#: Checked when the form is first shown (the schema's default for it is true).
CHECKED_AT_FIRST = ("feels_right",)


@dataclass(frozen=True)
class Rows:
    """A list of the situation shown as rows to add: ``key[i].field`` inputs, ``start`` empty
    rows at first, one more for each press of its "add" button (``do=add``), up to ``limit``
    (the schema's ``maxItems``). How many are shown travels in the hidden field ``counter``."""

    key: str
    counter: str
    add: str
    start: int
    limit: int
    fields: tuple[Field, ...]
    #: The fields whose value alone makes a row worth sending (a lone unticked box does not).
    marks: tuple[str, ...]

    def name(self, index: int, field: str) -> str:
        """The input's name: its path in the situation (``interviews[1].date``)."""
        return f"{self.key}[{index}].{field}"

    def count(self, values: dict[str, str]) -> int:
        """The rows to show: the counter's number, and at least every row that was filled in."""
        try:
            shown = int(values.get(self.counter, self.start))
        except ValueError:
            shown = self.start
        filled = [i + 1 for i in range(self.limit) if any(values.get(self.name(i, m), "").strip() for m in self.marks)]
        return max(self.start, min(self.limit, max([shown, *filled])))


FOLLOW_UPS = Rows("follow_ups", "rows", "add_row", 2, 50,
                  (Field("date", "date"), Field("via", "select", CHANNELS, "channel"), Field("answered", "check")),
                  ("date", "via"))
#: An interview round's fields are the schema's ``$defs/round``; its date is typed as a date and
#: an optional time, joined into the schema's ``YYYY-MM-DDTHH:MM``.
ROUNDS = Rows("interviews", "rounds", "add_round", 2, 20, (
    Field("date", "date"),
    Field("time", "time"),
    Field("format", "select", ("in_person", "online", "phone"), "format"),
    Field("invited_by", "select", ("phone", "email", "linkedin"), "channel"),
    Field("answer_promised_by", "date"),
    Field("tone", "select", ("warm", "neutral", "cold"), "tone"),
    Field("thanked", "check"),
), ("date", "time", "format", "invited_by", "answer_promised_by", "tone", "thanked"))
ROW_GROUPS = (ROUNDS, FOLLOW_UPS)


def row_counts(values: dict[str, str]) -> dict[str, int]:
    """How many rows of each list to show, one more for the list whose "add" button was pressed."""
    counts = {rows.key: rows.count(values) for rows in ROW_GROUPS}
    for rows in ROW_GROUPS:
        if values.get("do") == rows.add:
            counts[rows.key] = min(counts[rows.key] + 1, rows.limit)
    return counts


def adds_a_row(values: dict[str, str]) -> bool:
    """Whether the form was sent by an "add a row" button (show it again, advise nothing)."""
    return values.get("do") in {rows.add for rows in ROW_GROUPS}


def situation_data(values: dict[str, str]) -> dict[str, Any]:
    """The situation the form's values describe: empty fields left out, checkboxes as booleans."""
    data: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    for name, field in FIELDS.items():
        value = values.get(name, "").strip()
        if field.kind == "check":
            if name == "feels_right":
                put(name, bool(value))  # unchecked means "it does not feel right": the rules read that
            elif value:
                put(name, True)
        elif value:
            put(name, value)
    rounds = [r for r in (_round(values, i) for i in range(ROUNDS.count(values))) if r is not None]
    if rounds:
        data["interviews"] = rounds
    follow_ups = [r for r in (_follow_up(values, i) for i in range(FOLLOW_UPS.count(values))) if r is not None]
    if follow_ups:
        data["follow_ups"] = follow_ups
    return data


def _typed(values: dict[str, str], rows: Rows, index: int) -> dict[str, str]:
    return {f.name: values.get(rows.name(index, f.name), "").strip() for f in rows.fields}


def _round(values: dict[str, str], index: int) -> dict[str, Any] | None:
    """Round ``index`` as the schema has it, or None if nothing of it was typed. A round typed
    without its date (a time alone, say) stays a round, so the schema asks for the date."""
    typed = _typed(values, ROUNDS, index)
    if not any(typed.values()):
        return None
    row: dict[str, Any] = {}
    if typed["date"]:
        row["date"] = f"{typed['date']}T{typed['time']}" if typed["time"] else typed["date"]
    for name in ("format", "invited_by", "answer_promised_by", "tone"):
        if typed[name]:
            row[name] = typed[name]
    if typed["thanked"]:
        row["thanked"] = True
    return row


def _follow_up(values: dict[str, str], index: int) -> dict[str, Any] | None:
    typed = _typed(values, FOLLOW_UPS, index)
    if not (typed["date"] or typed["via"]):
        return None
    row: dict[str, Any] = {name: typed[name] for name in ("date", "via") if typed[name]}
    row["answered"] = bool(typed["answered"])
    return row


def schema_errors(data: Any, lang: str, document: Document | None = None) -> dict[str, list[str]]:
    """Each schema error of ``data`` by the field it is about, in ``lang``; with its line for a pasted file."""
    found: dict[str, list[str]] = {}
    for error in validator("situation").iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
            for name in missing:
                found.setdefault(format_path((*path, name)), []).append(word("err.required", lang))
            continue
        name = format_path(tuple(path)) if path else "situation"
        message = _message(error, name, lang)
        line = document.line_of(tuple(path)) if document is not None else None
        if line is not None:
            message = f"{word('err.line', lang, n=line)}: {name}: {message}"
        found.setdefault(name, []).append(message)
    return found


def _message(error: Any, name: str, lang: str) -> str:
    kind = error.validator
    if kind == "format" and error.validator_value in ("date", "date-or-local-datetime"):
        # The pattern held (a pattern error comes first), so the calendar lacks that day or time.
        key = "err.no_such_day" if error.validator_value == "date" else "err.no_such_time"
        return word(key, lang, value=str(error.instance)[:40])
    if kind in ("pattern", "format"):
        if name.endswith("email"):
            return word("err.email", lang)
        if name.endswith("phone"):
            return word("err.phone", lang)
        return word("err.date", lang) if _is_date(error) else word("err.invalid", lang)
    if kind == "enum":
        return word("err.enum", lang)
    if kind == "maxLength":
        return word("err.too_long", lang, n=error.validator_value)
    if kind == "minLength":
        return word("err.required", lang)
    return word("err.invalid", lang)


def _is_date(error: Any) -> bool:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return str(schema.get("format", "")).startswith("date") or "[0-9]{4}" in str(schema.get("pattern", ""))


def engine_errors(exc: InputError) -> dict[str, list[str]]:
    """The engine's own checks (after the schema), by field; their messages stay the engine's."""
    found: dict[str, list[str]] = {}
    for error in exc.each():
        line = f"line {error.location.line}: " if error.location.line else ""
        found.setdefault(error.location.field or "situation", []).append(line + error.message)
    return found


_ROW = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?")


def field_of_error(name: str) -> str:
    """The input an error is shown beside: the field itself, its row's first field, the stage
    (rounds given at an earlier stage: the stage is what to change), or else the pasted box."""
    if name in FIELDS:
        return name
    row = _ROW.match(name)
    group = next((g for g in ROW_GROUPS if row and g.key == row.group(1)), None)
    if row and group is not None:
        names = [f.name for f in group.fields]
        return group.name(int(row.group(2)), row.group(3) if row.group(3) in names else names[0])
    if name in (ROUNDS.key, "interview"):
        return "stage"
    parent = name.rsplit(".", 1)[0]
    return parent if parent in FIELDS else "situation"


def label_words(name: str, lang: str) -> str:
    """What the error summary calls input ``name``: its label, after its row's legend in a row."""
    row = _ROW.match(name)
    group = next((g for g in ROW_GROUPS if row and g.key == row.group(1)), None)
    if row and group is not None:
        legend = word(f"{group.key}.row", lang, n=int(row.group(2)) + 1)
        return f"{legend}, {word(f'{group.key}.{row.group(3)}.label', lang)}"
    return word(f"{name}.label", lang)


def situation_yaml(data: dict[str, Any]) -> str:
    """The situation as a file for ``followup advise`` (dates quoted by the dumper: they stay text)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
