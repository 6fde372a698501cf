"""``followup replay``: recorded decisions re-evaluated with the current rules."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from conftest import EXAMPLES, audit_rule, write_overlay, write_yaml
from followup.audit.log import open_log
from followup.base.canonical import digest_of
from followup.load.yamlio import MAX_BYTES
from followup.render.text import to_json_line

BASE = dict(country="DE", today="2026-11-23", stage="applied", application={"sent_on": "2026-11-11"},
            contact={"name": "Mette Jensen", "email": "mj@example.dk"})
SITUATIONS = {
    "plain": BASE,
    "linkedin": {**BASE, "contact": {"name": "Mette Jensen", "email": "mj@example.dk", "linkedin": True}},
    "interviewed": {**BASE, "stage": "interviewed", "today": "2026-11-20", "interview": {"date": "2026-11-19"}},
}


def rules_folder(folder: Path, window_days: int, linkedin_needs_insider: bool) -> Path:
    linkedin = {"fact": "contact.linkedin", "equals": True}
    if linkedin_needs_insider:
        linkedin = {"all": [linkedin, {"fact": "contact.insider", "equals": True}]}
    write_overlay(folder, "detest", "DE", rules=[
        audit_rule("de-window", {"all": [{"fact": "stage", "equals": "applied"},
                                         {"fact": "application.sent_on", "exists": True}]},
                   {"earliest": f"{window_days} days after application.sent_on",
                    "latest": "20 days after application.sent_on"}, priority=5),
        audit_rule("de-linkedin", linkedin, {"prefer": ["linkedin"]}, priority=500)])
    return folder


def advise_into(run, tmp_path: Path, log: Path) -> dict[str, str]:
    """The three situations advised under the first version of the rules into ``log``; name → decision id."""
    v1 = rules_folder(tmp_path / "v1", window_days=10, linkedin_needs_insider=False)
    ids = {}
    for name, data in SITUATIONS.items():
        result = run("advise", str(write_yaml(tmp_path, f"{name}.yaml", data)), "--rules", str(v1),
                     "--audit-log", str(log), "--format", "json")
        assert result.code == 0, result.err
        ids[name] = result.json()["decision"]["id"]
    return ids


@pytest.fixture
def logged(run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A log of the three situations as followup wrote them before it stored rulesets: one line a
    decision, each with its full trace (these tests read old logs, line for line)."""
    stored = tmp_path / "stored.jsonl"
    ids = advise_into(run, tmp_path, stored)
    log = tmp_path / "audit.jsonl"
    with open_log(stored) as opened:
        log.write_text("".join(to_json_line(opened.full_document(e)) + "\n" for e in opened), encoding="utf-8")
    return log, ids


@pytest.fixture
def stored(run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The same decisions in a log as followup writes it now: line 1 the ruleset, then the decisions."""
    log = tmp_path / "audit.jsonl"
    return log, advise_into(run, tmp_path, log)


def test_replay_with_the_same_rules_is_the_same(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    result = run("replay", str(log), "--rules", str(tmp_path / "v1"))
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines() == [f"{log}:{n} {ids[name]}: same" for n, name in enumerate(SITUATIONS, start=1)] + [
        "3 decisions replayed: 3 same, 0 different."]


def test_replay_after_a_rule_change_reports_exactly_the_decisions_that_changed(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    v2 = rules_folder(tmp_path / "v2", window_days=14, linkedin_needs_insider=True)
    result = run("replay", str(log), "--rules", str(v2))
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    status = {line.split(" ")[1].rstrip(":"): line.split(": ", 1)[1] for line in lines if not line.startswith(" ")
              and line.startswith(str(log))}
    assert {ids[name]: text.split(" ")[0] for name, text in
            ((n, status[ids[n]]) for n in SITUATIONS)} == {ids["plain"]: "DIFFERENT", ids["linkedin"]: "DIFFERENT",
                                                            ids["interviewed"]: "same"}
    assert all("(rules changed since: base@" in status[i] and "+detest@1.0 (sha256:" in status[i] for i in ids.values())
    out = result.out
    assert ("    rule de-window: effect changed: earliest '10 days after application.sent_on' → "
            "'14 days after application.sent_on'") in out
    assert "    earliest: '2026-11-23' → '2026-11-25'" in out
    assert "    action: 'follow_up' → 'wait'" in out
    assert "    rule de-linkedin: fired then, not now: contact.insider is true (here: not given)" in out
    assert "    channel: 'linkedin' → 'email'" in out
    assert lines[-1] == "3 decisions replayed: 1 same, 2 different."


def test_replay_one_decision_by_id_and_as_json(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    v2 = rules_folder(tmp_path / "v2", window_days=14, linkedin_needs_insider=True)
    result = run("replay", str(log), "--rules", str(v2), "--id", ids["interviewed"][:13], "--format", "json")
    assert result.code == 0, result.err
    (decision,) = result.json()["decisions"]
    assert (decision["id"], decision["line"], decision["same"], decision["differences"]) == (ids["interviewed"], 3, True, [])
    assert decision["rules_changed"] and decision["engine_changed"] is None
    unknown = run("replay", str(log), "--id", "no-such-id")
    assert unknown.code == 2 and f"error: {log}: no decision with id no-such-id" in unknown.err


def test_bad_log_lines_are_reported_with_file_and_line_and_the_rest_replayed(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    v1 = str(tmp_path / "v1")
    lines = log.read_text(encoding="utf-8").splitlines()
    tampered = json.loads(lines[0])
    tampered["situation"]["today"] = "2026-11-30"
    invalid = json.loads(lines[1])
    invalid["situation"]["stage"] = "hired"
    invalid["decision"]["situation_digest"] = digest_of(invalid["situation"])
    log.write_text("\n".join([json.dumps(tampered), "{not json", json.dumps(invalid), '{"decision": {"id": "x"}}',
                              lines[2], "[1, 2]"]) + "\n", encoding="utf-8")
    result = run("replay", str(log), "--rules", v1)
    assert result.code == 2
    assert result.out.splitlines() == [f"{log}:5 {ids['interviewed']}: same",
                                       "1 decision replayed: 1 same, 0 different. 5 lines refused: not decision records."]
    assert f"error: {log}:2: not a JSON decision record" in result.err
    assert f"error: {log}:6: not a JSON decision record (expected an object)" in result.err
    log.write_text("\n".join([json.dumps(tampered), json.dumps(invalid), '{"decision": {"id": "x"}}', lines[2]]) + "\n",
                   encoding="utf-8")
    result = run("replay", str(log), "--rules", v1)
    assert result.code == 2 and result.out.splitlines()[0] == f"{log}:4 {ids['interviewed']}: same"
    assert (f"error: {log}:1: decision {tampered['decision']['id']}: the situation does not match its recorded "
            "digest; the record was changed after it was written") in result.err
    assert f"error: {log}:2: situation.stage: " in result.err
    assert f"error: {log}:3: not a decision record: no decision.situation_digest" in result.err
    assert f"{log}:4" not in result.err


def test_an_empty_log_replays_nothing(run, tmp_path: Path) -> None:
    log = tmp_path / "empty.jsonl"
    log.write_text("", encoding="utf-8")
    result = run("replay", str(log))
    assert (result.code, result.out) == (0, "0 decisions replayed: 0 same, 0 different.\n")
    missing = run("replay", str(tmp_path / "absent.jsonl"))
    assert missing.code == 2 and "cannot read the audit log" in missing.err


# --- hostile logs: each bad line is reported with its number, the others are replayed ---------


def hostile_lines(good: dict) -> dict[str, tuple[bytes, str]]:
    """Each a line to put in a log, and the message expected for it."""
    trace_5 = {**good, "trace": 5}
    id_list = {**good, "decision": {**good["decision"], "id": ["a", "list"]}}
    trace_entry = {**good, "trace": [{"id": ["x"]}]}
    effect_list = {**good, "trace": [{"id": "r", "effect": [1]}]}
    surrogate = json.dumps({**good, "decision": {**good["decision"], "id": "\ud800"}})  # json writes it as \\ud800
    return {
        "trace is a number": (json.dumps(trace_5).encode(), "not a decision record: trace must be a list"),
        "id is a list": (json.dumps(id_list).encode(), "not a decision record: decision.id must be text"),
        "trace entry id is a list": (json.dumps(trace_entry).encode(), "trace[0] must be an object with an id that is text"),
        "effect is a list": (json.dumps(effect_list).encode(), "trace[0].effect must be an object"),
        "200,000 levels": (b"[" * 200_000 + b"]" * 200_000, "nested deeper than the limit of 64 levels"),
        "65 levels": (json.dumps({**good, "x": json.loads("[" * 65 + "]" * 65)}).encode(), "nested deeper than the limit"),
        "over 1 MB": (b'{"pad": "' + b"x" * 3_000_000 + b'"}', "line is longer than the limit of 1,000,000 bytes"),
        "not UTF-8": (b'{"decision": "K\xf8ge"}', "not valid UTF-8: byte 0xf8"),
        "lone surrogate": (surrogate.encode(), "a lone UTF-16 surrogate escape is not text"),
        "a huge integer": (b'{"n": ' + b"9" * 5000 + b"}", "not a JSON decision record"),
        "situation is a list": (json.dumps({**good, "situation": [1]}).encode(), "situation must be an object"),
    }


@pytest.mark.parametrize("case", list(hostile_lines({"decision": {}, "situation": {}}).keys()))
def test_a_hostile_line_is_reported_and_the_others_replayed(run, logged, tmp_path: Path, case: str) -> None:
    log, ids = logged
    lines = log.read_bytes().splitlines()
    bad, message = hostile_lines(json.loads(lines[0]))[case]
    log.write_bytes(b"\n".join([lines[0], bad, lines[1], lines[2]]) + b"\n")
    result = run("replay", str(log), "--rules", str(tmp_path / "v1"))
    assert result.code == 2, result.err
    assert "internal error" not in result.err
    assert [line.split(" ")[0] for line in result.out.splitlines()[:3]] == [f"{log}:1", f"{log}:3", f"{log}:4"]
    assert result.out.splitlines()[-1] == "3 decisions replayed: 3 same, 0 different. 1 line refused: not a decision record."
    assert result.err.startswith(f"error: {log}:2: ") and message in result.err, result.err
    assert len(result.err) < 400  # the line itself is never echoed


@pytest.mark.parametrize("kind", ["a situation file", "a batch's input"])
def test_a_file_that_is_no_log_at_all_is_said_in_one_message(run, tmp_path: Path, kind: str) -> None:
    if kind == "a situation file":
        path = EXAMPLES / "dk-applied-email.yaml"
    else:
        path = tmp_path / "in.jsonl"
        path.write_text('{"country": "DK", "stage": "applied"}\n' * 500, encoding="utf-8")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    result = run("replay", str(path))
    assert result.code == 2
    assert result.err.count("error:") == 4, result.err  # the first three lines, then what replay reads
    assert result.err.startswith(f"error: {path}:1: not a")
    assert (f"error: {path}: holds no decision records: none of its {lines:,} lines is one (the first 3 are shown); "
            "replay reads a decision log, as 'followup advise --audit-log LOG' writes it") in result.err


def test_recorded_values_of_any_shape_are_compared_without_failing(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    lines = log.read_text(encoding="utf-8").splitlines()
    odd = json.loads(lines[0])
    odd["conflicts"] = [{"kind": 5, "rules": 7}, {"kind": "x", "rules": [1, None]}]
    odd["say"] = [[[["deep"]]], {"text": {"not": "text"}}]
    odd["trace"] = [{"id": "gone", "effect": None}]
    log.write_text("\n".join([json.dumps(odd), *lines[1:]]) + "\n", encoding="utf-8")
    result = run("replay", str(log), "--rules", str(tmp_path / "v1"))
    assert result.code == 1, result.err
    assert "    conflicts: no longer 5 (7); x ([1, none])" in result.out
    assert "rule gone: fired then, not now: it is no longer in the rules" in result.out


def test_bad_lines_and_changed_decisions_exit_2(run, logged, tmp_path: Path) -> None:
    log, ids = logged
    with log.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    v2 = rules_folder(tmp_path / "v2", window_days=14, linkedin_needs_insider=True)
    result = run("replay", str(log), "--rules", str(v2))
    assert result.code == 2
    assert result.out.splitlines()[-1] == "3 decisions replayed: 1 same, 2 different. 1 line refused: not a decision record."
    json_result = run("replay", str(log), "--rules", str(v2), "--format", "json")
    assert json_result.code == 2
    assert json_result.json()["refused"] == [{"file": str(log), "line": 4, "messages": [
        "not a JSON decision record (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"]}]


def test_an_unusable_log_is_refused(run, tmp_path: Path) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    result = run("replay", str(fifo))
    assert result.code == 2 and "the audit log must be a regular file" in result.err


def test_a_gigantic_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "huge.jsonl"
    with log.open("wb") as handle:  # 64 MB on one line: reading it whole would take several times that
        handle.write(b'{"pad": "')
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
        handle.write(b'"}\n{"decision": {"id": "next"}}\n')
    log.chmod(0o600)
    tracemalloc.start()
    try:
        with open_log(log) as opened:
            entries = list(opened)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(e.line, e.error is not None, e.id) for e in entries] == [(1, True, None), (2, False, "next")]
    assert peak < 8 * MAX_BYTES, f"{peak:,} bytes"
