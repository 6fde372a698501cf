"""The decision log in an SQLite database (the standard library's ``sqlite3``, WAL mode).

Chosen by ``open_log`` for a path ending in ``.sqlite`` or ``.db``, or written as a URL,
``sqlite:PATH``. Each decision is one row: the canonical JSON document, as a JSON Lines log
would hold it, and beside it what an auditor asks about, indexed (``decisions``: id, time,
day, country, action, ruleset digest; ``fired``: each rule that fired). Each ruleset a decision
names is stored once in ``rulesets`` (digest, the record of ``stored.py``), inserted in the
same transaction as the first decision that needs it (``INSERT OR IGNORE``: never twice). Any number of
processes may append at once: each append is one ``BEGIN IMMEDIATE`` transaction, and a
writer waits up to ``BUSY_SECONDS`` for the others (WAL lets readers go on meanwhile).

The same rules as for the file log: the database is created owner-only (0600), a symbolic
link, a file others may read, a file that is not a database, one that is locked for longer
than ``BUSY_SECONDS`` or read-only are each an ``InputError`` naming it (exit 2). A row whose
document is not a decision record (tampered with) is an entry with an ``error`` naming the
database and the row, as a bad line of a JSON Lines log is.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from typing import Any, Callable, Iterator, Mapping

from followup.audit.entry import DecisionLog, LogEntry, checked_decision, fired_ids, parse_entry
from followup.audit.stored import stored_ruleset
from followup.base import fastjson
from followup.base.errors import InputError, Location
from followup.load.yamlio import MAX_BYTES
from followup.rules.ruleset import MergedRuleset

#: How long an append waits for other writers before it gives up (exit 2).
BUSY_SECONDS = 30.0
SCHEME = "sqlite:"
SUFFIXES = (".sqlite", ".db")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    timestamp TEXT, today TEXT, country TEXT, action TEXT, ruleset TEXT,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_id ON decisions (id);
CREATE INDEX IF NOT EXISTS decisions_today ON decisions (today);
CREATE TABLE IF NOT EXISTS fired (row INTEGER NOT NULL, rule TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fired_rule ON fired (rule, row);
CREATE TABLE IF NOT EXISTS rulesets (digest TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


def is_sqlite(name: str) -> bool:
    """Whether ``open_log`` should open ``name`` as an SQLite log."""
    return name.startswith(SCHEME) or name.lower().endswith(SUFFIXES)


def _path(name: str) -> str:
    return name[len(SCHEME):].removeprefix("//") if name.startswith(SCHEME) else name


class SqliteLog(DecisionLog):
    """A decision log in an SQLite database (see the module docstring)."""

    def __init__(self, name: str, *, append: bool = False, sync: bool = True) -> None:
        self.name = name
        self.path = _path(name)
        self._append = append
        self._stored: set[str] = set()
        _check_file(self.path, append)
        try:
            uri = f"file:{self.path}?mode={'rwc' if append else 'ro'}"
            self._db = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None,
                                       check_same_thread=False)
            if append:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(f"PRAGMA synchronous={'FULL' if sync else 'OFF'}")
                self._db.executescript(_SCHEMA)
            else:
                self._db.execute("SELECT count(*) FROM decisions").fetchone()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> InputError:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            message = "the audit log is not an SQLite database (or is damaged)"
        elif "locked" in text or "busy" in text:
            message = f"the audit log is locked by another program for more than {BUSY_SECONDS:.0f} seconds"
        elif "readonly" in text or "read-only" in text:
            message = "the audit log is read-only"
        elif "no such table" in text:
            message = "the SQLite database is not a followup audit log (it has no decisions table)"
        else:
            message = f"cannot use the audit log: {text}"
        return InputError(message, Location(self.name))

    def close(self) -> None:
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            db.close()

    def append(self, document: Mapping[str, Any], ruleset: MergedRuleset | None = None) -> None:
        decision = checked_decision(document, self._append)
        if "compact_explanation" in document and ruleset is None:
            raise ValueError("a document with the compact trace needs its ruleset")
        text = fastjson.line(dict(document))
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise InputError(f"this decision is more than the {MAX_BYTES:,} bytes a log entry may have",
                             Location(self.name))
        named = decision.get("ruleset") if isinstance(decision.get("ruleset"), Mapping) else {}
        fired = fired_ids(document)
        stored = None if ruleset is None or ruleset.digest in self._stored else fastjson.line(stored_ruleset(ruleset))
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if stored is not None:
                    self._db.execute("INSERT OR IGNORE INTO rulesets (digest, data) VALUES (?, ?)",
                                     (ruleset.digest, stored))  # type: ignore[union-attr] - set with stored
                row = self._db.execute(
                    "INSERT INTO decisions (id, timestamp, today, country, action, ruleset, document) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (decision["id"], decision.get("timestamp"), decision.get("today"), document.get("country"),
                     document.get("action"), named.get("digest"), text)).lastrowid
                self._db.executemany("INSERT INTO fired (row, rule) VALUES (?, ?)", [(row, r) for r in fired])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        if ruleset is not None:
            self._stored.add(ruleset.digest)

    def stored(self, digest: str) -> LogEntry | None:
        """The ruleset row of ``digest``; in messages it is named by its digest, as it has no line."""
        try:
            row = self._db.execute("SELECT data FROM rulesets WHERE digest = ?", (digest,)).fetchone()
        except sqlite3.Error as exc:
            if "no such table" in str(exc):
                return None  # a log from before rulesets were stored
            raise self._error(exc) from None
        if row is None:
            return None
        raw = row[0].encode("utf-8", "surrogatepass") if isinstance(row[0], str) else bytes(row[0] or b"")
        entry = parse_entry(self.name, 0, raw)
        error = entry.error and InputError(f"stored ruleset {digest[:80]}: {entry.error.message}", Location(self.name))
        return LogEntry(self.name, 0, entry.data, error)

    def __iter__(self) -> Iterator[LogEntry]:
        yield from self.query()

    def erase(self, concerns: Callable[[Mapping[str, Any]], bool]) -> int:
        """Delete every decision whose document ``concerns`` says yes to, in one transaction; how many."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = [entry.line for entry in self.query() if entry.data is not None and concerns(entry.data)]
                self._db.executemany("DELETE FROM fired WHERE row = ?", [(r,) for r in rows])
                self._db.executemany("DELETE FROM decisions WHERE row = ?", [(r,) for r in rows])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("VACUUM")  # deleted pages keep their bytes until the file is rebuilt
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        return len(rows)

    def find(self, decision_id: str) -> LogEntry | None:
        return next(iter(self.query(decision_id=decision_id)), None)

    def query(self, *, since: str | None = None, country: str | None = None, rule: str | None = None,
              action: str | None = None, decision_id: str | None = None) -> Iterator[LogEntry]:
        """The entries that match every filter given, in the order appended (the columns are indexed)."""
        where, values = [], []
        for column, value in (("today >= ?", since), ("country = ?", country), ("action = ?", action),
                              ("id = ?", decision_id)):
            if value is not None:
                where.append(column)
                values.append(value)
        if rule is not None:
            where.append("row IN (SELECT row FROM fired WHERE rule = ?)")
            values.append(rule)
        sql = "SELECT row, document FROM decisions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY row"
        try:
            rows = self._db.execute(sql, values).fetchall() if self._db is not None else []
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        for row, document in rows:
            raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else bytes(document or b"")
            yield parse_entry(self.name, row, raw)


def _check_file(path: str, append: bool) -> None:
    """Refuse what a JSON Lines log refuses: a link, not a regular file, others may read it; create it 0600."""
    if os.path.islink(path):
        raise InputError("the audit log is a symbolic link; name the log file itself", Location(path))
    if append and not os.path.exists(path):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise InputError(f"cannot create the audit log: {exc.strerror}", Location(path)) from None
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(f"cannot read the audit log: {exc.strerror}", Location(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError("the audit log is a folder, not a file", Location(path))
    if not stat.S_ISREG(mode):
        raise InputError("the audit log must be a regular file (not a device, FIFO or socket)", Location(path))
    if append and stat.S_IMODE(mode) & 0o077:
        raise InputError(f"the audit log may be read or written by others (mode {stat.S_IMODE(mode):04o}); "
                         "it holds people's job searches: make it owner-only (chmod 600) or log elsewhere",
                         Location(path))
    if append and not os.access(path, os.W_OK):
        raise InputError("the audit log is read-only", Location(path))
