"""Old spellings of situation fields, accepted with a note that names the new one.

``follow_ups[].on`` and ``interview.on`` are now called ``date``: YAML 1.1 (PyYAML, many
editors and converters) reads an unquoted ``on`` as the boolean true, so a file that passed
through such a tool arrived as ``true:`` and was refused. followup's own loader still reads
``on`` as text, so files written before the rename keep working; each old spelling becomes
a warning in the advice. Giving both spellings at once is refused: which one was meant?

This runs before the schema, on plain data, so the schema and everything after it know the
new names only.
"""

from __future__ import annotations

from typing import Any

from followup.base.errors import InputError, InputErrors
from followup.load.yamlio import Document, Path_, format_path

OLD, NEW = "on", "date"
#: What a YAML 1.1 tool makes of an unquoted ``on:`` key (our own loader reads it as text).
YAML11_ON = "true"
TRUE_KEY_MESSAGE = "a field name must be text; PyYAML reads an unquoted `on:` as true — write `date:`"


def modernised(document: Document) -> tuple[Document, tuple[str, ...]]:
    """``document`` with every old spelling renamed, and a note for each one renamed."""
    data = document.data
    places = _places(data)
    if not places:
        return document, ()
    problems: list[InputError] = []
    notes: list[str] = []
    lines = dict(document.lines)
    for path, record in places:
        if YAML11_ON in record:
            problems.append(InputError(TRUE_KEY_MESSAGE, document.location(path + (YAML11_ON,))))
        if OLD not in record:
            continue
        if NEW in record:
            problems.append(InputError(f"give the date once: {format_path(path + (NEW,))} or the old spelling "
                                       f"{format_path(path + (OLD,))}, not both", document.location(path + (OLD,))))
            continue
        notes.append(f"{format_path(path + (OLD,))} is now called {NEW}; write {NEW}: {_shown(record[OLD])} "
                     f"(tools that read YAML 1.1 take an unquoted on: for true)")
        _move_lines(lines, path + (OLD,), path + (NEW,))
    if problems:
        raise InputErrors(problems)
    if not notes:
        return document, ()
    return Document(_renamed(data), document.file, lines), tuple(notes)


def _places(data: Any) -> list[tuple[Path_, dict[str, Any]]]:
    """The records that have a date field: the single interview, each round, each follow-up."""
    if not isinstance(data, dict):
        return []
    out: list[tuple[Path_, dict[str, Any]]] = []
    if isinstance(data.get("interview"), dict):
        out.append((("interview",), data["interview"]))
    for name in ("interviews", "follow_ups"):
        items = data.get(name)
        if isinstance(items, list):
            out += [((name, i), item) for i, item in enumerate(items) if isinstance(item, dict)]
    return [(path, record) for path, record in out if OLD in record or YAML11_ON in record]


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("interview"), dict):
        out["interview"] = _record(out["interview"])
    for name in ("interviews", "follow_ups"):
        if isinstance(out.get(name), list):
            out[name] = [_record(item) if isinstance(item, dict) else item for item in out[name]]
    return out


def _record(record: dict[str, Any]) -> dict[str, Any]:
    # Rebuilt in the same key order, so messages about the other fields read as before.
    return {(NEW if key == OLD else key): value for key, value in record.items()}


def _move_lines(lines: dict[Path_, int], old: Path_, new: Path_) -> None:
    if old in lines:
        lines[new] = lines[old]


def _shown(value: Any) -> str:
    return value if isinstance(value, str) and len(value) <= 16 else "YYYY-MM-DD"
