"""The audit log: where decisions are kept, behind one interface.

``DecisionLog`` is what ``advise --audit-log`` appends to and ``replay`` reads: ``append`` a
decision document, ``find`` one by its id, iterate over every entry. ``open_log(path)`` picks
the implementation for a path and refuses one that cannot be used, before anything is
advised: ``JsonLinesLog`` here, or ``SqliteLog`` (``sqlite_log.py``) for a path ending in
``.sqlite`` or ``.db`` or a ``sqlite:`` URL. The interface itself is ``entry.py``.

**JSON Lines** (``JsonLinesLog``): one decision per line, the document as canonical JSON
(sorted keys, no spaces, UTF-8). Many processes may append at once: each line is written with
a single ``O_APPEND`` write (repeated only for what a short write left) while an exclusive
``flock`` is held, so lines never interleave and none is lost; a line left incomplete by a
writer that crashed is never glued to the next one. Each line is ``fsync``ed before
``append`` returns.

A decision line carries the compact trace; the ruleset it names is stored once, on a line of
its own (``stored.py``; it starts ``{"digest":"sha256:...``), written in the same locked write
as the first decision that needs it. Whether the log has it already is looked up under that
lock (once per process and ruleset: then remembered), so concurrent appenders never lose it
and never write it twice. A ruleset line is not an entry: iteration passes it by, and
``stored`` finds it by its digest.

The log holds people's job searches, so it is kept readable by its owner only: a new log is
created with mode 0600; an existing one whose mode lets others read or write it is refused
(we will not add to a file others can read; ``chmod 600`` it), and so is a symbolic link
(it could send the decisions anywhere; name the file itself), a FIFO, a device (``/dev/null``,
``/dev/full``) or a folder. For reading (``replay``) any regular file will do, links followed.

Reading is bounded: a line is at most ``MAX_BYTES`` (the limit of a situation file); a longer
one is reported and skipped as it is read, never held. A line that is not a JSON object,
not UTF-8, nested deeper than ``MAX_DEPTH`` or holding a lone UTF-16 surrogate is an entry
with an ``error`` (file and line), and iteration goes on with the next line.
"""

from __future__ import annotations

import io
import mmap
import os
import stat
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from followup.audit.entry import MAX_DEPTH, DecisionLog, LogEntry, checked_decision, parse_entry  # noqa: F401 - the interface, here too
from followup.audit.sqlite_log import SqliteLog, is_sqlite
from followup.audit.stored import is_stored_ruleset, stored_ruleset
from followup.base.canonical import canonical
from followup.base.errors import InputError, Location
from followup.load.lines import read_lines
from followup.load.yamlio import MAX_BYTES
from followup.rules.ruleset import MergedRuleset

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so no safe shared log
    fcntl = None  # type: ignore[assignment]

def open_log(path: str | Path, *, append: bool = False, sync: bool = True) -> DecisionLog:
    """The decision log at ``path``, to read (``replay``) or, with ``append``, to add to.

    Refuses a path that cannot be used with an ``InputError`` (exit 2) at once, before any
    advice is computed. ``sync=False`` skips the ``fsync`` after each line (for tests).
    """
    if is_sqlite(str(path)):
        return SqliteLog(str(path), append=append, sync=sync)
    return JsonLinesLog(str(path), append=append, sync=sync)


class JsonLinesLog(DecisionLog):
    """A decision log in a JSON Lines file (see the module docstring)."""

    def __init__(self, path: str, *, append: bool = False, sync: bool = True) -> None:
        self.name = path
        self._append = append
        self._sync = sync
        self._fd = _open_for_append(path) if append else _open_for_reading(path)
        #: Digests this process has seen stored in the file (a line is never taken back).
        self._stored: set[str] = set()
        # flock excludes other open files, not threads sharing this one (the web server's):
        # without this, two threads could both find a ruleset missing and both store it.
        self._writing = threading.Lock()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def append(self, document: Mapping[str, Any], ruleset: MergedRuleset | None = None) -> None:
        checked_decision(document, self._append)
        if "compact_explanation" in document and ruleset is None:
            raise ValueError("a document with the compact trace needs its ruleset")
        # Canonical JSON (RFC 8785), as every JSON line followup writes: a newline in text is
        # escaped, so the line is one line whatever the document holds.
        line = self._line(document, "decision")
        before = None
        if ruleset is not None and ruleset.digest not in self._stored:
            digest, stored = ruleset.digest, self._line(stored_ruleset(ruleset), "ruleset")
            before = lambda: b"" if _ruleset_line(self._fd, digest, numbered=False) else stored  # noqa: E731 - asked under the lock
        with self._writing:
            _append_bytes(self._fd, line + b"\n", self.name, self._sync, before)
            if ruleset is not None:
                self._stored.add(ruleset.digest)

    def _line(self, data: Mapping[str, Any], what: str) -> bytes:
        line = canonical(dict(data)).encode("utf-8")
        if len(line) > MAX_BYTES:  # what we write, we must be able to read back
            raise InputError(f"this {what} takes {len(line):,} bytes, more than the {MAX_BYTES:,} bytes a log line "
                             "may have", Location(self.name))
        return line

    def stored(self, digest: str) -> LogEntry | None:
        found = _ruleset_line(self._fd, digest)
        return parse_entry(self.name, *found) if found else None

    def __iter__(self) -> Iterator[LogEntry]:
        fd = os.dup(self._fd)  # an iteration of its own: its own offset, closed with it
        with io.BufferedReader(_Until(fd, _snapshot_end(fd))) as stream:  # type: ignore[arg-type]
            for number, raw in read_lines(stream, MAX_BYTES):
                if raw.startswith(RULESET_START):
                    entry = parse_entry(self.name, number, raw)
                    if entry.data is not None and is_stored_ruleset(entry.data):
                        continue  # a ruleset, read by ``stored`` when a decision names it
                    yield entry
                elif raw.strip():
                    yield parse_entry(self.name, number, raw)


# --- the file --------------------------------------------------------------------------------


def _open_for_append(path: str) -> int:
    if fcntl is None:  # pragma: no cover
        raise InputError("audit logs need file locking (flock), which this system lacks", Location(path))
    # O_NOFOLLOW: a link is refused, not followed; O_NONBLOCK: a FIFO cannot hang the open.
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if os.path.islink(path):
            raise InputError("the audit log is a symbolic link; name the log file itself", Location(path)) from None
        raise InputError(f"cannot open the audit log: {exc.strerror}", Location(path)) from None
    try:
        mode = os.fstat(fd).st_mode
        _regular_file(mode, path)
        if stat.S_IMODE(mode) & 0o077:
            raise InputError(f"the audit log may be read or written by others (mode {stat.S_IMODE(mode):04o}); "
                             "it holds people's job searches: make it owner-only (chmod 600) or log elsewhere",
                             Location(path))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_for_reading(path: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot read the audit log: {exc.strerror}", Location(path)) from None
    try:
        _regular_file(os.fstat(fd).st_mode, path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _regular_file(mode: int, path: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError("the audit log is a folder, not a file", Location(path))
    if not stat.S_ISREG(mode):
        raise InputError("the audit log must be a regular file (not a device, FIFO or socket)", Location(path))


#: How a stored ruleset's line starts (canonical JSON: its keys sorted, ``digest`` first).
RULESET_START = b'{"digest":'


def _ruleset_line(fd: int, digest: str, numbered: bool = True) -> tuple[int, bytes] | None:
    """The number (0 unless ``numbered``) and bytes of the first whole line storing ruleset
    ``digest``, or None.

    A line cut short by a writer that died (no newline after it) is not a stored ruleset.
    """
    needle = b"\n" + RULESET_START + b'"' + digest.encode("ascii", "replace") + b'",'
    size = os.fstat(fd).st_size
    if not size:
        return None
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as view:
        start = 0 if view[: len(needle) - 1] == needle[1:] else view.find(needle)
        while start >= 0:
            begin = start + 1 if view[start:start + 1] == b"\n" else start
            end = view.find(b"\n", begin)
            if end >= 0:
                return (_lines_before(view, begin) + 1 if numbered else 0), view[begin:end]
            start = view.find(needle, begin)
    return None


def _lines_before(view: mmap.mmap, offset: int, chunk: int = 1 << 20) -> int:
    """How many lines end before ``offset``, a piece at a time (a log may be far larger than memory)."""
    return sum(view[at:min(at + chunk, offset)].count(b"\n") for at in range(0, offset, chunk))


def _append_bytes(fd: int, data: bytes, name: str, sync: bool, before: Callable[[], bytes] | None = None) -> None:
    """Append ``data`` whole under an exclusive lock; on failure cut the file back as it was.

    ``before``, asked once the lock is held, gives what must precede ``data`` in the same write
    (a ruleset line the log does not have yet, or nothing).
    """
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        size = os.fstat(fd).st_size
        if before is not None:
            first = before()
            data = first + b"\n" + data if first else data
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # the last writer died mid-line: keep its fragment on a line of its own
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, size)
            raise InputError(f"cannot write to the audit log: {exc.strerror}", Location(name)) from None
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _snapshot_end(fd: int) -> int:
    """The log's size now, taken under a shared lock so that no writer is mid-line: a replay
    reads what was there when it started, and lines appended meanwhile wait for the next."""
    if fcntl is None:  # pragma: no cover
        return os.fstat(fd).st_size
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        return os.fstat(fd).st_size
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class _Until(io.RawIOBase):
    """The bytes of a file descriptor from its start up to ``end``, as a raw stream."""

    def __init__(self, fd: int, end: int) -> None:
        self._fd, self._left = fd, end
        os.lseek(fd, 0, os.SEEK_SET)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer).cast("B")[: self._left]
        count = os.readv(self._fd, [view])
        self._left -= count
        return count

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()
