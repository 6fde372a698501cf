"""Rulesets stored once in the decision log: old decisions explained from the log alone.

A decision is logged under rules from a temporary --rules folder; that folder is then changed
or removed, and ``log show``, ``explain --log --id`` and ``replay`` still give the old full
trace. A missing, tampered or corrupted stored ruleset, or a tampered decision, is exit 2
naming the line (or, in SQLite, the id or digest), never a traceback. Both kinds of log.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, audit_rule, write_overlay, write_yaml
from followup.api import Rules
from followup.audit.compact import expand_document
from followup.audit.log import open_log
from followup.audit.stored import ruleset_from_stored, stored_ruleset
from followup.base.canonical import digest_of
from followup.base.errors import InputError, Location

SITUATION = dict(country="DE", today="2026-11-23", stage="applied", application={"sent_on": "2026-11-11"},
                 contact={"name": "Mette Jensen", "email": "mj@example.dk", "linkedin": True})
KINDS = ["audit.jsonl", "audit.sqlite"]


def rules_v1(folder: Path) -> Path:
    """An overlay whose one rule fires on SITUATION, and an override of a shipped rule."""
    write_overlay(folder, "detest", "DE", rules=[
        audit_rule("de-linkedin", {"fact": "contact.linkedin", "equals": True}, {"prefer": ["linkedin"]}, priority=500,
                   because="LinkedIn is how this test reaches people.")])
    return folder


@pytest.fixture(params=KINDS)
def logged(request, run, tmp_path: Path) -> tuple[Path, str, dict]:
    """A log (either kind) of one decision under rules_v1, whose folder is then deleted; its id and
    the document ``advise --format json`` printed (the full trace) at the time."""
    v1 = rules_v1(tmp_path / "v1")
    log = tmp_path / request.param
    result = run("advise", str(write_yaml(tmp_path, "s.yaml", SITUATION)), "--rules", str(v1), "--audit-log", str(log),
                 "--format", "json", "--log-personal-data")
    assert result.code == 0, result.err
    shutil.rmtree(v1)
    return log, result.json()["decision"]["id"], result.json()


def test_log_show_gives_the_old_full_trace_from_the_log_alone(run, logged) -> None:
    log, decision_id, printed = logged
    shown = run("log", "show", str(log), decision_id)
    assert shown.code == 0, shown.err
    document = shown.json()
    assert document["explanation"] == printed["explanation"], "every rule, condition by condition, as decided"
    assert document["trace"] == printed["trace"]
    assert "Title of de-linkedin" in [r["title"] for r in document["trace"]]
    assert {k: document[k] for k in printed if k != "decision"} == {k: printed[k] for k in printed if k != "decision"}
    as_logged = run("log", "show", str(log), decision_id, "--as-logged").json()
    assert "explanation" not in as_logged and as_logged["compact_explanation"]["ruleset"] == printed["decision"]["ruleset"]["digest"]


def test_explain_log_id_explains_with_the_rules_as_they_were(run, logged) -> None:
    log, decision_id, printed = logged
    text = run("explain", "--log", str(log), "--id", decision_id)
    assert text.code == 0, text.err
    assert "[de-linkedin] Title of de-linkedin" in text.out and "LinkedIn is how this test reaches people." in text.out
    assert f"Decision {decision_id}: rules base@" in text.out and "+detest@1.0" in text.out
    as_json = run("explain", "--log", str(log), "--id", decision_id, "--format", "json", "--why-not", "email")
    assert as_json.code == 0, as_json.err
    assert as_json.json()["explanation"] == printed["explanation"]
    (answer,) = as_json.json()["why_not"]
    assert answer["subject"] == "email" and any(r["rule"] == "de-linkedin" for r in answer["reasons"])


def test_replay_reports_the_old_rule_after_the_rules_changed(run, logged, tmp_path: Path) -> None:
    log, decision_id, _ = logged
    v2 = tmp_path / "v2"
    write_overlay(v2, "detest", "DE", rules=[audit_rule("de-other", {"fact": "stage", "equals": "hired"},
                                                        {"action": "stop"})])
    result = run("replay", str(log), "--rules", str(v2))
    assert result.code == 1, result.err
    assert ("    rule de-linkedin: fired then, not now: it is no longer in the rules "
            "(then: \u201cTitle of de-linkedin\u201d, seed 000 T2)") in result.out
    assert "    channel: 'linkedin' → 'email'" in result.out


def test_the_shipped_rules_alone_replay_same_for_a_shipped_decision(run, tmp_path: Path) -> None:
    for kind in KINDS:
        log = tmp_path / kind
        for example in sorted(EXAMPLES.glob("*.yaml"))[:3]:
            assert run("advise", str(example), "--audit-log", str(log)).code == 0
        result = run("replay", str(log))
        assert result.code == 0 and result.out.endswith("3 decisions replayed: 3 same, 0 different.\n"), result.err


# --- a log that was changed, or lost its ruleset -------------------------------------------------


def _jsonl_lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


def _every_command(run, log: Path, decision_id: str) -> list:
    return [run("log", "show", str(log), decision_id), run("explain", "--log", str(log), "--id", decision_id),
            run("replay", str(log))]


def test_a_missing_ruleset_line_is_exit_2_naming_the_decision(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    decision_id = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log),
                      "--format", "json").json()["decision"]["id"]
    log.write_text(_jsonl_lines(log)[1] + "\n", encoding="utf-8")
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and "Traceback" not in result.err
        assert f"{log}:1: decision {decision_id}: its ruleset sha256:" in result.err
        assert "is not stored in the log" in result.err


def test_a_tampered_ruleset_line_is_exit_2_naming_its_line(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    decision_id = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log),
                      "--format", "json").json()["decision"]["id"]
    ruleset, decision = _jsonl_lines(log)
    record = json.loads(ruleset)
    record["ruleset"]["rules"][0]["title"] = "A title nobody wrote"
    log.write_text(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n" + decision + "\n", encoding="utf-8")
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and "Traceback" not in result.err
        assert f"{log}:1: stored ruleset sha256:" in result.err and "do not hash to its digest" in result.err
    assert "same" not in _every_command(run, log, decision_id)[2].out.replace("0 same", "")


def test_a_corrupted_ruleset_line_is_exit_2(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    decision_id = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log),
                      "--format", "json").json()["decision"]["id"]
    ruleset, decision = _jsonl_lines(log)
    log.write_text(ruleset[: len(ruleset) // 2] + "\n" + decision + "\n", encoding="utf-8")
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and "Traceback" not in result.err and f"{log}:1: " in result.err


def test_a_tampered_decision_line_is_exit_2_naming_its_line(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    decision_id = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log),
                      "--format", "json").json()["decision"]["id"]
    ruleset, decision = _jsonl_lines(log)
    for change in ("verdicts", "situation"):
        document = json.loads(decision)
        if change == "verdicts":
            document["compact_explanation"]["verdicts"] = document["compact_explanation"]["verdicts"][:-1]
        else:
            document["situation"]["stage"] = "interviewed"
        log.write_text(ruleset + "\n" + json.dumps(document) + "\n", encoding="utf-8")
        for result in _every_command(run, log, decision_id):
            assert result.code == 2 and "Traceback" not in result.err, (change, result.err)
            assert f"{log}:2: decision {decision_id}" in result.err, (change, result.err)


def test_sqlite_a_missing_or_tampered_ruleset_is_exit_2_naming_it(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.sqlite"
    printed = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log), "--format", "json").json()
    decision_id, digest = printed["decision"]["id"], printed["decision"]["ruleset"]["digest"]
    with sqlite3.connect(log) as db:
        data = db.execute("SELECT data FROM rulesets WHERE digest = ?", (digest,)).fetchone()[0]
        db.execute("UPDATE rulesets SET data = ? WHERE digest = ?", (data.replace("Do not", "Do", 1), digest))
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and "Traceback" not in result.err
        assert f"{log}: stored ruleset {digest}: its rules do not hash to its digest" in result.err, result.err
    with sqlite3.connect(log) as db:
        db.execute("UPDATE rulesets SET data = '{\"digest\": ' WHERE digest = ?", (digest,))
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and f"{log}: stored ruleset {digest}: not a JSON" in result.err, result.err
    with sqlite3.connect(log) as db:
        db.execute("DELETE FROM rulesets")
    for result in _every_command(run, log, decision_id):
        assert result.code == 2 and f"{log}:1: decision {decision_id}: its ruleset {digest}" in result.err, result.err


# --- the stored record itself ----------------------------------------------------------------------


def test_a_stored_ruleset_rebuilds_to_the_same_rules_for_every_country() -> None:
    rules = Rules()
    for country in (*rules.countries(), "ZZ"):
        merged = rules.ruleset(country)
        record = json.loads(json.dumps(stored_ruleset(merged)))  # through JSON, as the log holds it
        again = ruleset_from_stored(record, Location("log", 1), merged.digest)
        assert again.digest == merged.digest and again.version == merged.version
        assert [(r.id, r.layer, r.origin.layer, [o.fields for o in r.overrides]) for r in again.rules] == \
            [(r.id, r.layer, r.origin.layer, [o.fields for o in r.overrides]) for r in merged.rules]


def test_every_example_expands_from_the_stored_ruleset_to_the_printed_trace() -> None:
    rules = Rules()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        decision = rules.advise(path)
        merged = decision.advice.basis.merged
        again = ruleset_from_stored(json.loads(json.dumps(stored_ruleset(merged))), Location("log", 1))
        assert expand_document(decision.to_dict(trace="compact"), again) == decision.to_dict(), path.name


@pytest.mark.parametrize("change", ["provenance", "rule shape", "a rule too many", "digest of another"])
def test_a_stored_record_that_does_not_hold_together_is_an_input_error(change: str) -> None:
    merged = Rules().ruleset("DK")
    record = json.loads(json.dumps(stored_ruleset(merged)))
    expected = merged.digest
    if change == "provenance":
        record["provenance"]["layers"][-1][1] = "9.9"
    elif change == "rule shape":
        record["ruleset"]["rules"][0]["when"] = {"fact": 5}
        record["digest"] = expected = digest_of(record["ruleset"])  # a tamperer who fixed the digest too
    elif change == "a rule too many":
        record["ruleset"]["rules"].append(record["ruleset"]["rules"][0])
        record["digest"] = expected = digest_of(record["ruleset"])
    else:
        expected = Rules().ruleset("SE").digest
    with pytest.raises(InputError) as caught:
        ruleset_from_stored(record, Location("log.jsonl", 7), expected)
    assert caught.value.location.prefix() == "log.jsonl:7: " and "stored ruleset" in caught.value.message


# --- many writers ------------------------------------------------------------------------------------

WRITER = """
import sys
from followup.api import Rules
from followup.audit.log import open_log
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
rules = Rules()
merged = [rules.ruleset(c) for c in ("DK", "SE", "NO")]
with open_log(path, append=True, sync=False) as log:
    for n in range(count):
        ruleset = merged[(n + len(tag)) % 3]
        log.append({"decision": {"id": f"{tag}-{n}", "today": "2026-11-21"}, "country": "DK", "action": "wait",
                    "writer": tag, "n": n, "compact_explanation": {"ruleset": ruleset.digest}}, ruleset)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_eight_writers_store_each_ruleset_exactly_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"shared.{kind.split('.')[1]}"
    with open_log(path, append=True):
        pass
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), "w" * (i + 1), "500"]) for i in range(8)]
    assert all(w.wait(timeout=300) == 0 for w in writers)
    rules = Rules()
    digests = {rules.ruleset(c).digest for c in ("DK", "SE", "NO")}
    with open_log(path) as log:
        entries = list(log)
        assert all(e.error is None for e in entries) and len(entries) == 4000
        for digest in digests:
            assert log.ruleset(digest, entries[0]).digest == digest
    if kind.endswith(".jsonl"):
        lines = path.read_bytes().splitlines()
        starts = [line[:83] for line in lines if line.startswith(b'{"digest":')]
        assert len(starts) == 3 == len(set(starts)), "each ruleset once"
        first_use = {d: min(i for i, line in enumerate(lines) if d.encode() in line and line.startswith(b'{"action"'))
                     for d in digests}
        stored_at = {d: next(i for i, line in enumerate(lines) if line.startswith(b'{"digest":"' + d.encode()))
                     for d in digests}
        assert all(stored_at[d] < first_use[d] for d in digests), "stored before the first decision naming it"
    else:
        with sqlite3.connect(path) as db:
            assert sorted(r[0] for r in db.execute("SELECT digest FROM rulesets")) == sorted(digests)


@pytest.mark.parametrize("kind", KINDS)
def test_erase_keeps_the_stored_rulesets_the_other_decisions_need(run, tmp_path: Path, kind: str) -> None:
    log = tmp_path / kind
    ids = [run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log), "--format", "json")
           .json()["decision"]["id"] for _ in range(2)]
    erased = run("log", "erase", str(log), "--id", ids[0])
    assert erased.code == 0 and erased.out == f"erased 1 decision from {log}\n"
    shown = run("log", "show", str(log), ids[1])
    assert shown.code == 0 and shown.json()["explanation"]["rules"], shown.err
    assert run("log", "show", str(log), ids[0]).code == 2
    if kind.endswith(".jsonl"):
        assert [line[:10] for line in _jsonl_lines(log)] == ['{"digest":', '{"action":']


def test_the_trace_and_the_record_must_name_the_same_ruleset(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    for name in ("dk-applied-email.yaml", "se-applied-deadline.yaml"):
        assert run("advise", str(EXAMPLES / name), "--audit-log", str(log)).code == 0
    dk_ruleset, dk, se_ruleset, se = _jsonl_lines(log)
    document = json.loads(dk)
    document["compact_explanation"]["ruleset"] = json.loads(se_ruleset)["digest"]
    log.write_text("\n".join([dk_ruleset, se_ruleset, json.dumps(document)]) + "\n", encoding="utf-8")
    for result in _every_command(run, log, document["decision"]["id"]):
        assert result.code == 2 and f"{log}:3: decision {document['decision']['id']}: not a decision record" in result.err


def test_explain_log_refuses_an_entry_from_before_rulesets_were_stored(run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    decision_id = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--audit-log", str(log),
                      "--format", "json").json()["decision"]["id"]
    with open_log(log) as opened:
        old = json.dumps(opened.full_document(next(iter(opened))))
    log.write_text(old + "\n", encoding="utf-8")  # the full trace on the line, as logs were written before
    shown = run("log", "show", str(log), decision_id)
    assert shown.code == 0 and shown.json() == json.loads(old)
    explained = run("explain", "--log", str(log), "--id", decision_id)
    assert explained.code == 2 and f"{log}:1: decision {decision_id} was logged with its full trace" in explained.err


def test_the_new_commands_refuse_a_file_that_is_not_a_database(run, tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"these are my notes, not a database\n" * 50)
    bad.chmod(0o600)
    for result in _every_command(run, bad, "some-id"):
        assert result.code == 2 and "not an SQLite database" in result.err and "Traceback" not in result.err
