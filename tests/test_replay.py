"""``followup replay``: recorded decisions re-evaluated with the current rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import audit_rule, write_overlay, write_yaml
from followup.base.canonical import digest_of

BASE = dict(country="DE", today="2026-11-23", stage="applied", application={"sent_on": "2026-11-11"},
            contact={"name": "Mette Jensen", "email": "mj@example.dk"})
SITUATIONS = {
    "plain": BASE,
    "linkedin": {**BASE, "contact": {"name": "Mette Jensen", "email": "mj@example.dk", "linkedin": True}},
    "interviewed": {**BASE, "stage": "interviewed", "today": "2026-11-20", "interview": {"on": "2026-11-19"}},
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


@pytest.fixture
def logged(run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An audit log of the three situations under the first version of the rules; name → decision id."""
    v1 = rules_folder(tmp_path / "v1", window_days=10, linkedin_needs_insider=False)
    log = tmp_path / "audit.jsonl"
    ids = {}
    for name, data in SITUATIONS.items():
        result = run("advise", str(write_yaml(tmp_path, f"{name}.yaml", data)), "--rules", str(v1),
                     "--audit-log", str(log), "--format", "json")
        assert result.code == 0, result.err
        ids[name] = result.json()["decision"]["id"]
    return log, ids


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


def test_bad_log_lines_are_refused_with_file_and_line(run, logged) -> None:
    log, _ = logged
    lines = log.read_text(encoding="utf-8").splitlines()
    tampered = json.loads(lines[0])
    tampered["situation"]["today"] = "2026-11-30"
    invalid = json.loads(lines[1])
    invalid["situation"]["stage"] = "hired"
    invalid["decision"]["situation_digest"] = digest_of(invalid["situation"])
    log.write_text("\n".join([json.dumps(tampered), "{not json", json.dumps(invalid), '{"decision": {"id": "x"}}',
                              lines[2], "[1, 2]"]) + "\n", encoding="utf-8")
    result = run("replay", str(log))
    assert result.code == 2 and result.out == ""
    assert f"error: {log}:2: not a JSON decision record" in result.err
    assert f"error: {log}:6: not a JSON decision record (expected an object)" in result.err
    log.write_text("\n".join([json.dumps(tampered), json.dumps(invalid), '{"decision": {"id": "x"}}', lines[2]]) + "\n",
                   encoding="utf-8")
    result = run("replay", str(log))
    assert result.code == 2 and result.out == ""
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
