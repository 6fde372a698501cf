"""The SQLite decision log: many writers at once lose nothing; a bad database is exit 2, by name."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from followup.api import Rules
from followup.audit import sqlite_log
from followup.audit.log import JsonLinesLog, open_log
from followup.audit.sqlite_log import SqliteLog
from followup.base.errors import InputError

WRITER = """
import sys
from followup.audit.log import open_log
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_log(path, append=True, sync=False) as log:
    for n in range(count):
        log.append({"decision": {"id": f"{tag}-{n}", "today": "2026-11-21"}, "country": "DK", "action": "wait",
                    "writer": tag, "n": n})
"""


def test_the_log_is_chosen_by_suffix_or_url(tmp_path: Path) -> None:
    for name in ("a.sqlite", "b.db", "C.DB"):
        with open_log(tmp_path / name, append=True) as log:
            assert isinstance(log, SqliteLog)
    with open_log(f"sqlite:{tmp_path / 'plain-name'}", append=True) as log:
        assert isinstance(log, SqliteLog)
    with open_log(tmp_path / "c.jsonl", append=True) as log:
        assert isinstance(log, JsonLinesLog)
    assert stat.S_IMODE(os.stat(tmp_path / "a.sqlite").st_mode) == 0o600


def test_eight_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    with open_log(path, append=True):
        pass  # created once, so that no two writers race to set WAL up on an empty file
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{i}", "500"]) for i in range(8)]
    assert all(w.wait(timeout=120) == 0 for w in writers)
    with open_log(path) as log:
        entries = list(log)
    assert all(e.error is None for e in entries)
    ids = [e.id for e in entries]
    assert len(ids) == 4000 and set(ids) == {f"w{i}-{n}" for i in range(8) for n in range(500)}
    for i in range(8):  # each writer's decisions in the order it made them
        assert [e.data["n"] for e in entries if e.data["writer"] == f"w{i}"] == list(range(500))


def test_filters_give_the_same_decisions_from_either_kind_of_log(tmp_path: Path) -> None:
    rules = Rules()
    with open_log(tmp_path / "a.sqlite", append=True) as db, open_log(tmp_path / "a.jsonl", append=True) as lines:
        for path in sorted(EXAMPLES.glob("*.yaml")):
            decision = rules.advise(path)
            db.append(decision.audit_document(), decision.advice.basis.merged)
            lines.append(decision.audit_document(), decision.advice.basis.merged)
    filters = [{}, {"country": "SE"}, {"action": "stop"}, {"since": "2026-11-20"},
               {"rule": "status-follow-up-after-applying"}, {"country": "DK", "action": "follow_up"}]
    with open_log(tmp_path / "a.sqlite") as db, open_log(tmp_path / "a.jsonl") as lines:
        for given in filters:
            assert [e.id for e in db.query(**given)] == [e.id for e in lines.query(**given)], given
        some = next(iter(lines)).id
        assert db.find(some).data == lines.find(some).data


def test_log_list_show_export(run, tmp_path: Path) -> None:
    log = tmp_path / "decisions.db"
    for name in ("dk-applied-email.yaml", "se-applied-deadline.yaml", "dk-rejected.yaml"):
        assert run("advise", str(EXAMPLES / name), "--audit-log", str(log)).code == 0
    listed = run("log", "list", str(log), "--country", "DK", "--format", "json")
    rows = [json.loads(line) for line in listed.out.splitlines()]
    assert listed.code == 0 and [r["country"] for r in rows] == ["DK", "DK"]
    assert len(run("log", "list", str(log), "--action", "stop").out.splitlines()) == 1
    shown = run("log", "show", str(log), rows[0]["id"])
    assert shown.code == 0 and json.loads(shown.out)["decision"]["id"] == rows[0]["id"]
    exported = run("log", "export", str(log), "--since", "2026-01-01")
    lines = [json.loads(line) for line in exported.out.splitlines()]
    # A log of its own: each stored ruleset (DK's, SE's) just before the first decision naming it.
    assert ["decision" in line for line in lines] == [False, True, False, True, True]
    assert [line["decision"]["id"] for line in lines if "decision" in line][:1] == [rows[0]["id"]]
    copy = tmp_path / "copy.jsonl"
    copy.write_text(exported.out, encoding="utf-8")
    again = run("log", "show", str(copy), rows[0]["id"])
    assert again.code == 0 and json.loads(again.out) == json.loads(shown.out)
    missing = run("log", "show", str(log), "no-such-id")
    assert missing.code == 2 and "no decision with id 'no-such-id'" in missing.err


def test_a_tampered_row_is_named_and_exit_2(run, tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    for _ in range(2):
        assert run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log)).code == 0
    with sqlite3.connect(log) as db:
        db.execute("UPDATE decisions SET document = '{\"decision\": ' WHERE row = 2")
    listed = run("log", "list", str(log))
    assert listed.code == 2 and f"{log}:2: not a JSON decision record" in listed.err
    assert len(listed.out.splitlines()) == 1


def test_a_file_that_is_not_a_database_is_exit_2(run, tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"these are my notes, not a database\n" * 50)
    bad.chmod(0o600)
    for args in (("log", "list", str(bad)), ("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(bad))):
        result = run(*args)
        assert result.code == 2 and "not an SQLite database" in result.err and "Traceback" not in result.err


def test_a_read_only_log_is_exit_2(run, tmp_path: Path) -> None:
    log = tmp_path / "ro.sqlite"
    with open_log(log, append=True):
        pass
    log.chmod(0o400)
    if os.access(log, os.W_OK):
        pytest.skip("running as a user who may write any file (root)")
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    assert result.code == 2 and "read-only" in result.err


def test_a_locked_log_is_exit_2_after_the_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "locked.sqlite"
    with open_log(log, append=True):
        pass
    holder = sqlite3.connect(log, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(sqlite_log, "BUSY_SECONDS", 0.2)
    try:
        with pytest.raises(InputError, match="locked"):
            with open_log(log, append=True) as opened:
                opened.append({"decision": {"id": "x"}})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
