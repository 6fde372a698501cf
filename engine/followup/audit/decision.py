"""The audit log that keeps decision records (the record itself is ``record.py``).

The audit log (``followup advise --audit-log FILE``) is JSON Lines: one line per decision,
holding the advice document and the situation it was made for. Many processes may append
to one log at once: each line is written with a single ``O_APPEND`` write (repeated only
for what a short write left) while holding an exclusive ``flock`` on the file, so lines
never interleave and none is lost. A line left incomplete by a writer that crashed is never
glued to the next one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from followup.base.errors import InputError, InputErrors, Location

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so no safe shared log
    fcntl = None  # type: ignore[assignment]

def append_line(path: str | Path, line: str, sync: bool = True) -> None:
    """Append one line to ``path`` whole, safely beside other processes doing the same.

    ``sync`` also waits for the disk (fsync), so a logged decision survives a power cut.
    On any failure the file is cut back to what it was, and an ``InputError`` names it.
    """
    if "\n" in line:
        raise ValueError("an audit log line must not contain a newline")
    if fcntl is None:  # pragma: no cover
        raise InputError("audit logs need file locking (flock), which this system lacks", Location(str(path)))
    data = (line + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise InputError(f"cannot open the audit log: {exc.strerror}", Location(str(path))) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # the last writer died mid-line: keep its fragment on a line of its own
        try:
            _write_all(fd, data)
            if sync:
                os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, size)
            raise InputError(f"cannot write to the audit log: {exc.strerror}", Location(str(path))) from exc
    finally:
        os.close(fd)  # closing releases the lock


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@dataclass(frozen=True)
class LogLine:
    """One decision read back from an audit log, with where it is."""

    file: str
    line: int
    data: dict[str, Any]

    @property
    def location(self) -> Location:
        return Location(self.file, self.line)


def log_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of each non-blank line of an audit log, read as it goes."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read the audit log: {exc.strerror}", Location(str(path))) from exc
    with handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def parse_line(file: str, number: int, text: bytes) -> LogLine:
    """One audit log line as a JSON object, or an ``InputError`` naming its file and line."""
    try:
        data = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a JSON decision record ({_short(exc)})", Location(file, number)) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON decision record (expected an object)", Location(file, number))
    return LogLine(file, number, data)


def read_log(path: str | Path) -> list[LogLine]:
    """Every decision in an audit log; every line that is not a JSON object is reported."""
    lines: list[LogLine] = []
    errors: list[InputError] = []
    for number, text in log_lines(path):
        try:
            lines.append(parse_line(str(path), number, text))
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)
    return lines


def _short(exc: Exception) -> str:
    return str(exc).split("\n")[0][:120]
