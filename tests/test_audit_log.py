"""``advise --audit-log``: one whole JSON line per decision, even with many writers at once."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES
from followup.audit.decision import append_line, read_log
from followup.base.canonical import digest_of

WRITER = """
import json, sys
from followup.audit.decision import append_line
path, tag, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for n in range(count):
    append_line(path, json.dumps({"writer": tag, "n": n, "pad": tag * size}), sync=False)
"""


def followup_command() -> list[str]:
    """The installed console script (CI), else the module from a source checkout."""
    return [shutil.which("followup")] if shutil.which("followup") else [sys.executable, "-m", "followup"]


def test_advise_appends_the_full_record(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    printed = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "json", "--audit-log", str(log))
    assert printed.code == 0, printed.err
    run("advise", str(EXAMPLES / "se-posting-forbids-contact.yaml"), "--audit-log", str(log))
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["decision"] == printed.json()["decision"], "the log and the output name the same decision"
    assert first["situation"]["contact"]["name"] == "Mette Jensen" and first["situation"]["today"] == "2026-11-21"
    assert digest_of(first["situation"]) == first["decision"]["situation_digest"]
    assert {k: first[k] for k in ("action", "channel", "timing")} == {k: printed.json()[k] for k in ("action", "channel", "timing")}
    assert any(not r["fired"] for r in first["explanation"]["rules"])
    assert json.loads(lines[1])["action"] == "stop"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600, "a log of people's job searches is private by default"


def test_many_processes_appending_at_once_lose_and_mix_nothing(tmp_path: Path) -> None:
    # Lines of 200 kB are written in several pieces by a writer that does not lock: with 8
    # such writers this very check finds about a third of the lines broken.
    log = tmp_path / "audit.jsonl"
    writers, count = "abcdefgh", 40
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(log), tag, str(count), "200000"])
                 for tag in writers]
    assert [p.wait(timeout=120) for p in processes] == [0] * len(writers)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["writer"], r["n"]) for r in records) == sorted((t, n) for t in writers for n in range(count))
    assert all(r["pad"] == r["writer"] * 200000 for r in records)


def test_concurrent_advise_commands_each_log_one_whole_record(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    examples = sorted(EXAMPLES.glob("*.yaml"))[:4]
    processes = [subprocess.Popen([*followup_command(), "advise", str(e), "--audit-log", str(log)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for e in examples]
    assert [p.wait(timeout=120) for p in processes] == [0] * len(examples)
    records = [line.data for line in read_log(log)]
    assert len(records) == len(examples)
    assert len({r["decision"]["id"] for r in records}) == len(examples)
    assert all(digest_of(r["situation"]) == r["decision"]["situation_digest"] for r in records)


def test_a_torn_last_line_stays_on_its_own_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b'{"decision": {"id": "cut off')  # a writer that died mid-line
    append_line(log, json.dumps({"whole": True}))
    assert log.read_text(encoding="utf-8").splitlines() == ['{"decision": {"id": "cut off', '{"whole": true}']


def test_a_log_that_cannot_be_written_is_an_error_and_no_advice_is_printed(run, tmp_path: Path) -> None:
    log = tmp_path / "no-such-folder" / "audit.jsonl"
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    assert result.code == 2
    assert result.out == ""
    assert f"error: {log}: cannot open the audit log" in result.err
    assert not log.parent.exists()


def test_append_refuses_a_line_with_a_newline(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    try:
        append_line(log, '{"a": 1}\n{"b": 2}')
    except ValueError:
        pass
    else:
        raise AssertionError("a record with a newline would become two lines")
    assert not log.exists() or log.read_bytes() == b""


def test_log_lines_are_canonical_json(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    line = log.read_text(encoding="utf-8").rstrip("\n")
    data = json.loads(line)
    assert line == json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert os.linesep not in line
