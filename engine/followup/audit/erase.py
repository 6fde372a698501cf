"""Erasing a person's decisions from a decision log (GDPR art. 17), in either kind of log.

A decision concerns a person when its situation holds her e-mail address or name, as given
or as the keyed hash ``personal.py`` logs by default; or it is named by its id. SQLite rows
are deleted in one transaction. A JSON Lines log is rewritten whole (``base/output.writing``:
beside it, then renamed over it) under its exclusive lock, keeping every other line byte for
byte, unreadable ones too; stop processes that keep the log open for appending first, as
their next line would go to the file that was replaced.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from followup.audit.entry import parse_entry
from followup.audit.personal import erasure_matches, load_key
from followup.audit.sqlite_log import SqliteLog, is_sqlite
from followup.base.errors import InputError, Location
from followup.base.output import writing
from followup.load.lines import read_lines
from followup.load.yamlio import MAX_BYTES

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so no safe rewrite of a shared log
    fcntl = None  # type: ignore[assignment]


def erase(name: str, *, email: str | None = None, person: str | None = None, decision_id: str | None = None) -> int:
    """Remove every decision of ``name`` that concerns this person or has this id; how many went."""
    key = load_key()

    def concerns(document: Mapping[str, Any]) -> bool:
        return erasure_matches(document, key, email=email, name=person, decision_id=decision_id)

    if is_sqlite(name):
        with SqliteLog(name, append=True) as log:
            return log.erase(concerns)
    return _erase_lines(name, concerns)


def _erase_lines(path: str, concerns: Callable[[Mapping[str, Any]], bool]) -> int:
    if fcntl is None:  # pragma: no cover
        raise InputError("erasing from a JSON Lines log needs file locking (flock), which this system lacks",
                         Location(path))
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot open the audit log: {exc.strerror}", Location(path)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # no writer may add a line while the file is rewritten
        kept: list[bytes] = []
        erased = 0
        with os.fdopen(os.dup(fd), "rb") as stream:
            for number, raw in read_lines(stream, MAX_BYTES):
                entry = parse_entry(path, number, raw)
                if entry.data is not None and concerns(entry.data):
                    erased += 1
                else:
                    kept.append(raw)
        if erased:
            with writing(path) as out:
                for raw in kept:
                    out.write(raw + b"\n")
        return erased
    finally:
        os.close(fd)
