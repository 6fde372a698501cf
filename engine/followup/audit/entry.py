"""What every decision log is: the ``DecisionLog`` interface, its entries, and reading one entry.

``log.py`` has the JSON Lines log and ``open_log``; ``sqlite_log.py`` the SQLite one. Both
read an entry's JSON with ``parse_entry``, so a tampered or truncated entry is reported the
same way, naming the file and line (for SQLite: the row).

A decision entry carries the compact trace, and the log stores each ruleset those name once,
by digest (``stored.py``). ``DecisionLog.full_document`` gives an entry's document with the
full trace, expanded from the stored ruleset; an entry from before (with the full trace
itself) is given as it is.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Iterator, Mapping

from followup.audit.compact import expand_document
from followup.audit.stored import ruleset_from_stored
from followup.base.errors import InputError, Location
from followup.base.words import visible
from followup.load.yamlio import MAX_BYTES
from followup.rules.ruleset import MergedRuleset

#: Nesting of a log line. A trace nests a rule's conditions (at most ``yamlio.MAX_DEPTH``, 32,
#: deep in its file) under a few levels of its own; twice that is room enough, and keeps every
#: reader of an entry (comparison, messages) far from Python's recursion limit.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class LogEntry:
    """One decision read back from a log: where it is, and its document.

    ``data`` is the decision document (a JSON object); for a line that is not one, ``data``
    is None and ``error`` says what is wrong, with the file and line.
    """

    file: str
    line: int
    data: dict[str, Any] | None
    error: InputError | None = None

    @property
    def location(self) -> Location:
        """The file and line of the entry, for messages."""
        return Location(self.file, self.line)

    @property
    def id(self) -> str | None:
        """The decision's id, if the entry has one that is text."""
        decision = self.data.get("decision") if self.data is not None else None
        value = decision.get("id") if isinstance(decision, dict) else None
        return value if isinstance(value, str) else None


class DecisionLog(ABC):
    """Where decisions are kept: append one, find one by id, or read them all in order.

    A log is opened by ``open_log`` and closed by ``close`` (or a ``with`` block).
    """

    #: The log's name in messages (its path, for a file).
    name: str

    @abstractmethod
    def append(self, document: Mapping[str, Any], ruleset: MergedRuleset | None = None) -> None:
        """Add one decision document (it has ``decision.id``), durably, whole or not at all.

        A document with the compact trace needs the ``ruleset`` it names: the log stores it
        (once for all the decisions that use it) before the decision, in the same write.
        Raises ``InputError`` (naming the log) if it cannot be written.
        """

    @abstractmethod
    def __iter__(self) -> Iterator[LogEntry]:
        """Every decision entry, in the order appended; an unreadable one has its ``error`` set.

        Stored rulesets are not entries: ``ruleset`` reads them.
        """

    @abstractmethod
    def stored(self, digest: str) -> LogEntry | None:
        """The stored ruleset record with this digest, as an entry (``data`` or ``error``), or None."""

    def ruleset(self, digest: str, entry: LogEntry) -> MergedRuleset:
        """The ruleset named ``digest``, rebuilt from the log alone and checked against its digest.

        ``entry`` is the decision that names it: a missing ruleset is an ``InputError`` at its
        line; a tampered one, at the ruleset's own line (for SQLite: named by its digest).
        """
        cache: dict[str, MergedRuleset] = self.__dict__.setdefault("_rulesets", {})
        if digest not in cache:
            record = self.stored(digest)
            if record is None:
                raise InputError(f"decision {entry.id}: its ruleset {digest[:80]} is not stored in the log",
                                 entry.location)
            if record.error is not None or record.data is None:
                raise record.error or InputError(f"stored ruleset {digest[:80]} cannot be read", record.location)
            # line 0: an SQLite row, named by the digest in the message instead
            cache[digest] = ruleset_from_stored(record.data, Location(record.file, record.line or None), digest)
        return cache[digest]

    def full_document(self, entry: LogEntry) -> dict[str, Any]:
        """The entry's document with the full trace, expanded from the stored ruleset if compact.

        Raises ``InputError`` naming the entry's line (or the ruleset's) when it cannot be.
        """
        if entry.data is None:
            raise entry.error or InputError("not a decision record", entry.location)
        compact = entry.data.get("compact_explanation")
        if compact is None:
            return entry.data
        digest = compact.get("ruleset") if isinstance(compact, Mapping) else None
        decision = entry.data.get("decision")
        named = decision.get("ruleset") if isinstance(decision, Mapping) else None
        if not isinstance(digest, str) or not isinstance(named, Mapping) or named.get("digest") != digest:
            raise InputError(f"decision {entry.id}: not a decision record (compact_explanation.ruleset must be "
                             "the digest of decision.ruleset)", entry.location)
        merged = self.ruleset(digest, entry)
        try:
            return expand_document(entry.data, merged, f"decision {entry.id}")
        except InputError as exc:
            raise InputError(exc.message + "; the record was changed after it was written", entry.location) from None

    def find(self, decision_id: str) -> LogEntry | None:
        """The first entry whose decision id is ``decision_id``, or None."""
        return next((entry for entry in self if entry.id == decision_id), None)

    def decision(self, wanted: str) -> LogEntry:
        """The entry of the decision whose id is ``wanted`` or, failing that, the one whose id
        begins with it (as ``log list`` shows them, shortened); ``InputError`` if there is no
        such decision, or more than one begins so."""
        found: list[LogEntry] = []
        for entry in self:  # one pass: the exact id wins at once, a prefix must be unique
            if entry.id == wanted:
                return entry
            if len(wanted) >= 4 and entry.id is not None and entry.id.startswith(wanted):
                found.append(entry)
        shown = visible(wanted[:80])
        if len(found) > 1:
            raise InputError(f"{len(found)} decisions have ids beginning {shown!r}: give more of the id",
                             Location(self.name))
        if not found:
            raise InputError(f"no decision with id {shown!r} in the log (followup log list shows the ids)",
                             Location(self.name))
        return found[0]

    def query(self, *, since: str | None = None, country: str | None = None, rule: str | None = None,
              action: str | None = None, decision_id: str | None = None) -> Iterator[LogEntry]:
        """The entries matching every filter given (``since``: advised for that day or later),
        in order; an unreadable entry is always yielded, so that it is reported, never skipped."""
        for entry in self:
            if entry.data is None or matches(entry.data, since=since, country=country, rule=rule, action=action,
                                             decision_id=decision_id):
                yield entry

    def close(self) -> None:
        """Release what the log holds open."""

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


class NotARecord(InputError):
    """A log line that is no decision record at all (not JSON, not an object, a part missing),
    as against a record whose ruleset or situation is wrong: a file of nothing but these is
    probably no log (``followup replay`` says so)."""


def parse_entry(file: str, number: int, raw: bytes) -> LogEntry:
    """Line ``number`` of a log as an entry: its document, or what is wrong with it."""
    def bad(message: str) -> LogEntry:
        return LogEntry(file, number, None, NotARecord(message, Location(file, number)))

    if len(raw) > MAX_BYTES:
        return bad(f"line is longer than the limit of {MAX_BYTES:,} bytes; skipped")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return bad(f"not a JSON decision record (not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
    except RecursionError:
        return bad(f"not a JSON decision record (nested deeper than the limit of {MAX_DEPTH} levels)")
    except ValueError as exc:
        return bad(f"not a JSON decision record ({_short(exc)})")
    if not isinstance(data, dict):
        return bad("not a JSON decision record (expected an object)")
    problem = _shape_problem(data)
    return bad(f"not a JSON decision record ({problem})") if problem else LogEntry(file, number, data)


def _shape_problem(data: Any) -> str | None:
    """What makes parsed JSON unfit to be read on: too deep, or text that is not text."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                return f"nested deeper than the limit of {MAX_DEPTH} levels"
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return "a lone UTF-16 surrogate escape is not text"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                return f"nested deeper than the limit of {MAX_DEPTH} levels"
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _SURROGATE.search(value):
            return "a lone UTF-16 surrogate escape is not text"
    return None


def _short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:120]


def matches(document: Mapping[str, Any], *, since: str | None = None, country: str | None = None,
            rule: str | None = None, action: str | None = None, decision_id: str | None = None) -> bool:
    """Whether a logged document passes every filter given (what ``SqliteLog`` asks in SQL)."""
    decision = document.get("decision") if isinstance(document.get("decision"), Mapping) else {}
    if decision_id is not None and decision.get("id") != decision_id:
        return False
    if since is not None and not (isinstance(decision.get("today"), str) and decision["today"] >= since):
        return False
    if country is not None and document.get("country") != country:
        return False
    if action is not None and document.get("action") != action:
        return False
    return rule is None or rule in fired_ids(document)


def checked_decision(document: Mapping[str, Any], writable: bool) -> Mapping[str, Any]:
    """The ``decision`` of a document about to be appended, after the checks every log makes.

    Kept here, once, so that the JSON Lines and SQLite logs refuse the same documents.
    Raises ``ValueError`` (a caller's mistake, not bad input) if the log was opened for
    reading or the document has no ``decision.id``.
    """
    if not writable:
        raise ValueError("this log was opened for reading")
    decision = document.get("decision")
    if not isinstance(decision, Mapping) or not isinstance(decision.get("id"), str):
        raise ValueError("a logged document needs its decision.id")
    return decision


def fired_ids(document: Mapping[str, Any]) -> list[str]:
    """The ids of the rules that fired, from whichever trace the document has."""
    compact = document.get("compact_explanation")
    if isinstance(compact, Mapping) and isinstance(compact.get("fired"), list):
        return [r for r in compact["fired"] if isinstance(r, str)]
    trace = document.get("trace")
    return [t["id"] for t in trace if isinstance(t, Mapping) and isinstance(t.get("id"), str)] \
        if isinstance(trace, list) else []
