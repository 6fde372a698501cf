"""``followup done``: record in the situation file what you did, and nothing else.

What can be recorded (``Record``): a follow-up (appended to ``follow_ups``), the interview's
thank-you (``thanked: true`` on the latest interview round: the rules read a thank-you there, not as a
follow-up; each round gets its own),
or that they answered your last follow-up (its ``answered: true``).

**YAML is edited as text, not re-dumped.** A situation file is written by a person: its
comments, key order, quoting, flow or block style and blank lines are theirs. A round-trip
library (ruamel.yaml) keeps most of that but re-emits every line, and it re-wraps, re-quotes
and re-indents where it differs from the author; here the new lines are inserted where they
belong (after the last follow-up, in the style of that follow-up; a new ``follow_ups`` key at
the end of the mapping) using the positions PyYAML's composer gives, and every other byte is
kept. Setting a flag changes only that value's characters (``false`` → ``true``), or adds one
line. As a safety net the new text is parsed again and must mean exactly the old data plus
the record; if not, nothing is written.

**JSON is re-dumped** with the indentation, key order and final newline it had: JSON has no
comments to lose, and a well-formed JSON file is exactly what ``json.dumps`` writes.

The new file is validated like any situation (schema, dates: not after today, not before the
application, oldest first) before it is written; an invalid result is refused with exit 2 and
the file is left untouched. Writing is atomic (``base/atomic.py``).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from followup.base.output import write_bytes
from followup.base.errors import InputError, InputErrors, Location
from followup.base.names import channel_name, day as day_words
from followup.load.schema import load_schema, local_definition
from followup.load.situation import Situation, situation_from_document
from followup.load.yamlio import Document, decode, parse_text
from followup.plan import FOLLOW_UP_DATE

_BOM = b"\xef\xbb\xbf"


def channels() -> tuple[str, ...]:
    """The channels a follow-up can have, as the situation schema names them."""
    schema = load_schema("situation")
    via = schema["properties"]["follow_ups"]["items"]["properties"]["via"]
    return tuple(local_definition(via, schema)["enum"])


@dataclass(frozen=True)
class Record:
    """What you did: ``follow_up`` (on a day, by a channel, answered or not), ``thanked`` or ``answered``."""

    kind: str
    on: date | None = None
    via: str | None = None
    answered: bool = False

    def describe(self) -> str:
        """The record in words: ``a follow-up on 21 November by e-mail, not answered``."""
        if self.kind == "thanked":
            return "the thank-you after your interview"
        if self.kind == "answered":
            return "that they answered your last follow-up"
        assert self.on is not None and self.via is not None
        return (f"a follow-up on {day_words(self.on)} by {channel_name(self.via)}, "
                f"{'answered' if self.answered else 'not answered yet'}")

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """The situation data with this record added (a copy): what the new file must mean."""
        out = copy.deepcopy(data)
        if self.kind == "follow_up":
            assert self.on is not None
            out.setdefault("follow_ups", []).append(
                {FOLLOW_UP_DATE: self.on.isoformat(), "via": self.via, "answered": self.answered})
        elif self.kind == "thanked":
            latest_round(out)["thanked"] = True
        else:
            out["follow_ups"][-1]["answered"] = True
        return out


def record(path: str | Path, what: Record, today: date | None = None) -> Situation:
    """Add ``what`` to the situation file at ``path``, atomically; the new situation.

    ``today``: the day the record must not lie after (the file's own ``today`` otherwise).
    Raises ``InputError`` (nothing written) if the result would not be a valid situation.
    """
    name = str(path)
    raw = Path(path).read_bytes()
    text = decode(raw, name)
    old = parse_text(text, name)
    if not isinstance(old.data, dict):
        raise InputError("a situation must be a mapping of fields", Location(name, 1))
    _check_applies(what, old.data, name)
    new_text = recorded_text(text, name, what, old.data)
    new, situation = _validated(new_text, name, today)
    if new_text == text:  # already recorded (the thank-you marked, the answer noted): nothing to write
        return situation
    if new.data != what.apply(old.data):  # anchors, merge keys: shared text we must not touch
        raise InputError("cannot add the record here without changing something else (an anchor or merge key "
                         "shares this text); nothing was written: add it by hand", Location(name))
    write_bytes(path, (_BOM if raw.startswith(_BOM) else b"") + new_text.encode("utf-8"), expect=raw)
    return situation


def recorded_text(text: str, name: str, what: Record, data: dict[str, Any]) -> str:
    """The file's new text: JSON re-dumped in its own layout, YAML with the record inserted."""
    if Path(name).suffix.lower() == ".json":
        return _json_text(text, what.apply(data))
    try:
        return _yaml_text(text, what)
    except InputError as exc:  # the text helpers know lines, not the file's name
        raise InputError(exc.message, Location(name, exc.line, exc.field)) from None


def already(what: Record, data: dict[str, Any]) -> bool:
    """Whether the file already says this (a thank-you marked, the last follow-up answered)."""
    if what.kind == "thanked":
        return (latest_round(data) or {}).get("thanked") is True
    if what.kind == "answered":
        return bool(data.get("follow_ups")) and data["follow_ups"][-1].get("answered") is True
    return False


def latest_round(data: dict[str, Any]) -> Any:
    """The latest interview round of situation data: the last of ``interviews``, or ``interview``.
    ``followup done --thanked`` marks this one: each round gets its own thank-you."""
    rounds = data.get("interviews")
    if isinstance(rounds, list):
        return rounds[-1] if rounds else None
    return data.get("interview")


def _check_applies(what: Record, data: dict[str, Any], name: str) -> None:
    if what.kind == "thanked" and not isinstance(latest_round(data), dict):
        raise InputError("there is no interview to thank them for; add 'interview' with its date first",
                         Location(name, None, "interview"))
    if what.kind == "answered" and not data.get("follow_ups"):
        raise InputError("there is no follow-up for them to have answered; record one first "
                         "(followup done FILE --via CHANNEL --answered)", Location(name, None, "follow_ups"))
    if what.kind == "follow_up" and what.via not in channels():
        raise InputError(f"'{str(what.via)[:40]}' is not a channel; choose one of: {', '.join(channels())}",
                         Location(name, None, "via"))


def _validated(new_text: str, name: str, today: date | None) -> tuple[Document, Situation]:
    """The new text parsed, and the situation it describes; its problems named by field (the
    line is not in the file yet). The document is returned so the text is parsed once."""
    try:
        document = parse_text(new_text, name)
        return document, situation_from_document(document, today)
    except InputError as exc:
        raise InputErrors([InputError(f"{e.message}; nothing was written", Location(name, None, e.field))
                           for e in exc.each()]) from None


# --- JSON ---------------------------------------------------------------------------------


def _json_text(text: str, data: dict[str, Any]) -> str:
    """``data`` as JSON laid out like ``text``: its indentation, separators and final newline."""
    indent_match = re.search(r"\n([ \t]+)\S", text)
    indent: str | None = indent_match.group(1) if indent_match else None
    compact = indent is None and '":' in text and '": ' not in text
    ascii_only = "\\u" in text and all(ord(c) < 128 for c in text)
    out = json.dumps(data, indent=indent, ensure_ascii=ascii_only,
                     separators=(",", ":") if compact else ((",", ": ") if indent is not None else None))
    return out + ("\n" if text.endswith("\n") else "")


# --- YAML, edited as text ------------------------------------------------------------------


def _yaml_text(text: str, what: Record) -> str:
    # An alias (*name) is the text of its anchor: a position in it is not where the alias stands.
    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
        raise InputError("the file uses YAML aliases (*name), so the record cannot be inserted safely; "
                         "nothing was written: add it by hand", Location(None, None, "follow_ups"))
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise InputError("a situation must be a mapping of fields", Location(None, 1))
    newline = "\r\n" if "\r\n" in text else "\n"
    if what.kind == "follow_up":
        return _add_follow_up(text, root, what, newline)
    if what.kind == "thanked":
        rounds = _child(root, "interviews")
        latest = rounds.value[-1] if isinstance(rounds, yaml.SequenceNode) and rounds.value else _child(root, "interview")
        return _set_true(text, latest, "thanked", newline)
    follow_ups = _child(root, "follow_ups")
    return _set_true(text, follow_ups.value[-1], "answered", newline)


def _child(mapping: yaml.MappingNode, key: str) -> Any:
    for k, v in mapping.value:
        if k.value == key:
            return v
    return None


def _entry(what: Record) -> dict[str, str]:
    assert what.on is not None and what.via is not None
    return {FOLLOW_UP_DATE: what.on.isoformat(), "via": what.via, "answered": "true" if what.answered else "false"}


def _flow(entry: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}"


def _add_follow_up(text: str, root: yaml.MappingNode, what: Record, newline: str) -> str:
    entry = _entry(what)
    sequence = _child(root, "follow_ups")
    if sequence is None:
        return _add_key(text, root, "follow_ups", entry, newline)
    if not isinstance(sequence, yaml.SequenceNode):
        raise InputError("follow_ups is not a list", Location(None, sequence.start_mark.line + 1, "follow_ups"))
    if sequence.flow_style or not sequence.value:
        return _insert_in_flow(text, sequence, _flow(entry), "[")
    last = sequence.value[-1]
    dash = " " * sequence.start_mark.column
    gap = " " * max(1, last.start_mark.column - sequence.start_mark.column - 1)
    if isinstance(last, yaml.MappingNode) and not last.flow_style:
        inner = " " * last.start_mark.column
        lines = [f"{k}: {v}" for k, v in entry.items()]
        block = f"{dash}-{gap}{lines[0]}{newline}" + "".join(f"{inner}{line}{newline}" for line in lines[1:])
    else:
        block = f"{dash}-{gap}{_flow(entry)}{newline}"
    text, at = _after_line(text, last, newline)
    return text[:at] + block + text[at:]


def _add_key(text: str, root: yaml.MappingNode, key: str, entry: dict[str, str], newline: str) -> str:
    """A new top-level ``follow_ups`` with one entry, at the end of the mapping."""
    if root.flow_style:
        return _insert_in_flow(text, root, f"{key}: [{_flow(entry)}]", "{")
    column = root.value[0][0].start_mark.column if root.value else 0
    step = _indent_step(root)
    block = f"{' ' * column}{key}:{newline}{' ' * (column + step)}- {_flow(entry)}{newline}"
    text, at = _after_line(text, root, newline)
    return text[:at] + block + text[at:]


def _set_true(text: str, mapping: Any, key: str, newline: str) -> str:
    """``key: true`` in ``mapping``: its value's characters replaced, or one key added."""
    value = _child(mapping, key)
    if value is not None:
        return text[:value.start_mark.index] + "true" + text[value.end_mark.index:]
    if mapping.flow_style:
        return _insert_in_flow(text, mapping, f"{key}: true", "{")
    column = mapping.value[0][0].start_mark.column
    text, at = _after_line(text, mapping, newline)
    return text[:at] + f"{' ' * column}{key}: true{newline}" + text[at:]


def _insert_in_flow(text: str, node: Any, item: str, opening: str) -> str:
    """``item`` after the last entry of a flow collection (``[a, b]`` → ``[a, b, item]``)."""
    if node.value:
        last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
        at = _end(last).index
        return text[:at] + ", " + item + text[at:]
    at = node.start_mark.index + 1
    if text[node.start_mark.index] != opening:  # an empty block value (``follow_ups:``) is not a list
        raise InputError("follow_ups is empty but not a list ([])", Location(None, node.start_mark.line + 1))
    return text[:at] + item + text[at:]


def _end(node: Any) -> Any:
    """Where a node's own text ends: a block collection's last leaf (its mark runs on past comments)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node.end_mark


def _after_line(text: str, node: Any, newline: str) -> tuple[str, int]:
    """The index just past the line on which ``node`` ends (a final line break added if the file has none)."""
    end = _end(node)
    if end.column == 0 and end.index > 0 and text[end.index - 1] == "\n":  # a block scalar ends past its line
        return text, end.index
    at = text.find("\n", end.index)
    if at == -1:
        return text + newline, len(text) + len(newline)
    return text, at + 1


def _indent_step(root: yaml.MappingNode) -> int:
    """How far the file indents a nested block mapping or list (2 if it has none)."""
    for key, value in root.value:
        if isinstance(value, (yaml.MappingNode, yaml.SequenceNode)) and not value.flow_style and value.value:
            inner = value.value[0][0] if isinstance(value, yaml.MappingNode) else value
            step = inner.start_mark.column - key.start_mark.column
            if step > 0:
                return step
    return 2


__all__ = ["Record", "already", "channels", "record", "recorded_text"]
