"""The page's form: its fields, the situation they make, and each schema error beside its field.

A field's name *is* its path in the situation (``contact.email``, ``follow_ups[0].date``),
the path a schema error names, so an error finds its field without a table. The form is
checked with the situation schema itself (``load.schema.validator``); each error's kind
(a pattern, an enum, a length) gets a message in the page's language. What the engine
checks after the schema (a date in the future, an interview before the application) keeps
the engine's English message, still beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from followup.base.errors import InputError
from followup.load.schema import validator
from followup.load.yamlio import Document, format_path
from followup.serve.words import word

#: Empty follow-up rows the form shows at first; "add a row" adds one, up to the schema's limit.
START_ROWS = 2
MAX_ROWS = 50

CHANNELS = ("email", "phone", "linkedin", "in_person", "letter", "insider")


@dataclass(frozen=True)
class Field:
    """One input: its situation path, its kind (text, date, time, select, check) and its options."""

    name: str
    kind: str = "text"
    options: tuple[str, ...] = ()
    words: str = ""  #: the prefix of the options' words (``stage`` → ``stage.applied``)
    autocomplete: str = "off"

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("[", "-").replace("]", "")

    def option_words(self, option: str, lang: str) -> str:
        return word(f"{self.words or self.name}.{option}", lang)


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
    ("interview", (
        Field("interview.date", "date"),
        Field("interview.time", "time"),
        Field("interview.format", "select", ("in_person", "online", "phone"), "format"),
        Field("interview.invited_by", "select", ("phone", "email", "linkedin"), "channel"),
        Field("interview.answer_promised_by", "date"),
        Field("interview.tone", "select", ("warm", "neutral", "cold"), "tone"),
        Field("interview.thanked", "check"),
    )),
)
ROW_FIELDS = (Field("date", "date"), Field("via", "select", CHANNELS, "channel"), Field("answered", "check"))
FIELDS = {f.name: f for _, fields in SECTIONS for f in fields}
#: Checked when the form is first shown (the schema's default for it is true).
CHECKED_AT_FIRST = ("feels_right",)


def row_name(index: int, name: str) -> str:
    return f"follow_ups[{index}].{name}"


def row_count(values: dict[str, str]) -> int:
    try:
        return max(START_ROWS, min(MAX_ROWS, int(values.get("rows", START_ROWS))))
    except ValueError:
        return START_ROWS


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
        if name == "interview.time":
            continue
        value = values.get(name, "").strip()
        if field.kind == "check":
            if name == "feels_right":
                put(name, bool(value))  # unchecked means "it does not feel right": the rules read that
            elif value:
                put(name, True)
        elif value:
            if name == "interview.date" and values.get("interview.time", "").strip():
                value = f"{value}T{values['interview.time'].strip()}"
            put(name, value)
    rows = []
    for index in range(row_count(values)):
        day, via = (values.get(row_name(index, n), "").strip() for n in ("date", "via"))
        if day or via:
            row: dict[str, Any] = {}
            if day:
                row["date"] = day
            if via:
                row["via"] = via
            row["answered"] = bool(values.get(row_name(index, "answered")))
            rows.append(row)
    if rows:
        data["follow_ups"] = rows
    return data


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


def field_of_error(name: str) -> str:
    """The input an error is shown beside: the field itself, or the pasted box for anything else."""
    if name in FIELDS or name.startswith("follow_ups["):
        return name
    if name.startswith("interview.date"):
        return "interview.date"
    parent = name.rsplit(".", 1)[0]
    return parent if parent in FIELDS else "situation"


def situation_yaml(data: dict[str, Any]) -> str:
    """The situation as a file for ``followup advise`` (dates quoted by the dumper: they stay text)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
