"""``advise --audit-log``: one whole JSON line per decision, even with many writers at once."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from followup.audit.log import DecisionLog, JsonLinesLog, LogEntry, open_log
from followup.base.canonical import digest_of
from followup.base.errors import InputError
from followup.load.yamlio import MAX_BYTES
from followup.render.text import to_json_line

WRITER = """
import sys
from followup.audit.log import open_log
path, tag, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open_log(path, append=True, sync=False) as log:
    for n in range(count):
        log.append({"decision": {"id": f"{tag}-{n}"}, "writer": tag, "n": n, "pad": tag * size})
"""


def read_log(path: Path) -> list[LogEntry]:
    """Every entry of a log, each checked to be whole."""
    with open_log(path) as log:
        entries = list(log)
    assert all(entry.error is None for entry in entries), [e.error for e in entries if e.error]
    return entries


def append(path: Path, document: dict) -> None:
    with open_log(path, append=True) as log:
        log.append(document)


def followup_command() -> list[str]:
    """The installed console script (CI), else the module from a source checkout."""
    return [shutil.which("followup")] if shutil.which("followup") else [sys.executable, "-m", "followup"]


def test_advise_appends_the_full_record(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    printed = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "json", "--audit-log", str(log))
    assert printed.code == 0, printed.err
    run("advise", str(EXAMPLES / "se-posting-forbids-contact.yaml"), "--audit-log", str(log))
    run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    # Each ruleset once, on its own line, before the first decision that names it.
    assert [sorted(line)[:1] for line in lines] == [["digest"], ["action"], ["digest"], ["action"], ["action"]]
    first = lines[1]
    assert lines[0]["digest"] == first["decision"]["ruleset"]["digest"] == first["compact_explanation"]["ruleset"]
    assert digest_of(lines[0]["ruleset"]) == lines[0]["digest"]
    assert first["decision"] == printed.json()["decision"], "the log and the output name the same decision"
    # No personal data by default (audit/personal.py): the name is a keyed hash of its kind.
    assert first["situation"]["contact"]["name"].startswith("name-") and first["situation"]["today"] == "2026-11-21"
    assert digest_of(first["situation"]) == first["personal_data"]["situation_digest"]
    assert {k: first[k] for k in ("action", "channel", "timing")} == {k: printed.json()[k] for k in ("action", "channel", "timing")}
    assert "explanation" not in first and "trace" not in first, "the rules' text is stored once, not per decision"
    with open_log(log) as opened:
        entries = list(opened)
        full = opened.full_document(entries[0])
    assert [e.line for e in entries] == [2, 4, 5], "ruleset lines are not decisions"
    shown = printed.json()  # with the name as given; the log's trace has its hash (audit/personal.py)
    assert [(r["id"], r["fired"], r["title"], r["source"]) for r in full["explanation"]["rules"]] == \
        [(r["id"], r["fired"], r["title"], r["source"]) for r in shown["explanation"]["rules"]]
    assert [r["effect"] for r in full["trace"]] == [r["effect"] for r in shown["trace"]]
    assert lines[3]["action"] == "stop"
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
    assert all(digest_of(r["situation"]) == r["personal_data"]["situation_digest"] for r in records)


def test_a_torn_last_line_stays_on_its_own_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b'{"decision": {"id": "cut off')  # a writer that died mid-line
    log.chmod(0o600)
    append(log, {"decision": {"id": "whole"}})
    assert log.read_text(encoding="utf-8").splitlines() == ['{"decision": {"id": "cut off', '{"decision":{"id":"whole"}}']


def test_a_log_that_cannot_be_written_is_an_error_and_no_advice_is_printed(run, tmp_path: Path) -> None:
    log = tmp_path / "no-such-folder" / "audit.jsonl"
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    assert result.code == 2
    assert result.out == ""
    assert f"error: {log}: cannot open the audit log" in result.err
    assert not log.parent.exists()


def test_a_document_with_newlines_in_its_text_is_still_one_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    append(log, {"decision": {"id": "a"}, "note": "one\ntwo\r\nthree\u2028"})
    assert log.read_bytes().count(b"\n") == 1
    assert [entry.data["note"] for entry in read_log(log)] == ["one\ntwo\r\nthree\u2028"]


def test_append_needs_a_decision_id(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with open_log(log, append=True) as opened:
        with pytest.raises(ValueError):
            opened.append({"no": "decision"})
    assert log.read_bytes() == b""


def test_log_lines_are_canonical_json(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))
    lines = log.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert len(lines) == 2, "the ruleset, then the decision"
    for line in lines:
        assert line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- the DecisionLog interface ---------------------------------------------------------------


def test_the_json_lines_log_is_a_decision_log_with_find_and_line_numbers(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    ids = [run("advise", str(example), "--format", "json", "--audit-log", str(log)).json()["decision"]["id"]
           for example in sorted(EXAMPLES.glob("*.yaml"))[:3]]
    with open_log(log) as opened:
        assert isinstance(opened, DecisionLog) and isinstance(opened, JsonLinesLog)
        # Three DK decisions: line 1 stores their ruleset, once.
        assert [(entry.line, entry.id) for entry in opened] == list(enumerate(ids, start=2))
        found = opened.find(ids[1])
        assert found is not None and found.line == 3 and found.data["decision"]["id"] == ids[1]
        assert opened.find("no-such-id") is None


def test_a_logged_line_is_byte_for_byte_the_canonical_json_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    document = {"decision": {"id": "x", "today": "2026-11-21"}, "situation": {"contact": {"name": "Søren"}}, "a": [1.5, None]}
    append(log, document)
    assert log.read_bytes() == (to_json_line(document) + "\n").encode("utf-8")


def test_a_decision_too_long_for_a_log_line_is_refused_and_nothing_written(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with open_log(log, append=True) as opened:
        with pytest.raises(InputError, match="more than the 1,000,000 bytes a log line may have"):
            opened.append({"decision": {"id": "big"}, "pad": "x" * MAX_BYTES})
    assert log.read_bytes() == b""


def test_reading_sees_the_log_as_it_was_when_it_started(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for n in range(3):
        append(log, {"decision": {"id": f"d{n}"}})
    with open_log(log) as opened:
        entries = iter(opened)
        first = next(entries)
        append(log, {"decision": {"id": "later"}})
        assert [first.id, *(entry.id for entry in entries)] == ["d0", "d1", "d2"]


# --- unusable logs are refused before advising (exit 2), and the log stays owner-only -------


def advise_with_log(run, log: Path | str):
    return run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log))


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_device_as_the_log_is_refused_before_advising(run, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    result = advise_with_log(run, device)
    assert result.code == 2 and result.out == ""
    assert result.err == f"error: {device}: the audit log must be a regular file (not a device, FIFO or socket)\n"


def test_a_fifo_as_the_log_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    done = subprocess.run([*followup_command(), "advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log",
                           str(fifo)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert "the audit log must be a regular file" in done.stderr


def test_a_symlinked_log_is_refused_and_its_target_untouched(run, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.jsonl"
    target.write_text("", encoding="utf-8")
    target.chmod(0o644)
    link = tmp_path / "audit.jsonl"
    link.symlink_to(target)
    result = advise_with_log(run, link)
    assert result.code == 2 and result.out == ""
    assert f"error: {link}: the audit log is a symbolic link; name the log file itself" in result.err
    assert target.read_bytes() == b"" and stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_log_others_may_read_is_refused_and_left_as_it_is(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text("", encoding="utf-8")
    log.chmod(0o644)
    result = advise_with_log(run, log)
    assert result.code == 2 and result.out == ""
    assert f"error: {log}: the audit log may be read or written by others (mode 0644)" in result.err
    assert log.read_bytes() == b"" and stat.S_IMODE(log.stat().st_mode) == 0o644
    log.chmod(0o600)
    assert advise_with_log(run, log).code == 0 and len(read_log(log)) == 1


def test_a_folder_as_the_log_is_refused(run, tmp_path: Path) -> None:
    result = advise_with_log(run, tmp_path)
    assert result.code == 2 and result.out == "" and "internal error" not in result.err


@pytest.mark.parametrize("name", ["log.jsonl", "log.sqlite"])
def test_both_logs_refuse_the_same_documents(tmp_path: Path, name: str) -> None:
    """A document without ``decision.id``, or any append to a log opened for reading, is a
    caller's mistake: both kinds of log refuse it alike and keep nothing of it."""
    path = tmp_path / name
    with open_log(path, append=True) as log:
        for bad in ({}, {"decision": "d-1"}, {"decision": {"id": 1}}):
            with pytest.raises(ValueError, match="needs its decision.id"):
                log.append(bad)
        log.append({"decision": {"id": "d-1"}})
    with open_log(path) as log:
        with pytest.raises(ValueError, match="opened for reading"):
            log.append({"decision": {"id": "d-2"}})
        assert [entry.id for entry in log] == ["d-1"]


@pytest.mark.parametrize("suffix", [".jsonl", ".sqlite"])
def test_advise_says_the_id_it_logged_and_log_show_takes_its_first_characters(run, tmp_path: Path,
                                                                             suffix: str) -> None:
    log = str(tmp_path / f"decisions{suffix}")
    advised = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", log)
    assert advised.code == 0 and advised.out.startswith("E-mail")  # stdout stays the advice
    decision_id = advised.err.split("decision ", 1)[1].split()[0]
    assert f"followup log show {log} {decision_id[:8]}" in advised.err
    shown = run("log", "show", log, decision_id[:8])
    assert shown.code == 0 and shown.json()["decision"]["id"] == decision_id
    assert run("explain", "--log", log, "--id", decision_id[:8]).code == 0
    short = run("log", "show", log, decision_id[:3])  # too short to stand for an id
    assert short.code == 2 and "no decision with id" in short.err and "log list" in short.err
