"""The full trace: every rule, fired or not, every condition with the value it saw.

Situations here are for Germany, which has no overlay of its own, so the shipped base rules
apply (and, with ``--rules``, the small overlays these tests write); the three rules of the
design are the base rules the assertions name.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import audit_rule, situation, write_overlay, write_yaml
from followup import __version__
from followup.engine.engine import Engine
from followup.audit.explain import explain
from followup.render.text import advice_document
from followup.base.canonical import digest_of
from followup.rules.ruleset import Library
from followup.load.schema import validator

APPLIED = dict(country="DE", today="2026-11-23", stage="applied",
               application={"sent_on": "2026-11-11", "via": "online_portal"},
               contact={"name": "Mette Jensen", "email": "mj@example.dk"})


def leaves(when: dict[str, Any]) -> list[dict[str, Any]]:
    """Every leaf result of a trace entry's ``when``, depth first."""
    if "fact" in when:
        return [when]
    return [leaf for kind in ("all", "any", "not") for child in when.get(kind, []) for leaf in leaves(child)]


def entry(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in document["explanation"]["rules"] if r["id"] == rule_id)


def test_trace_has_every_rule_of_the_merged_ruleset(engine: Engine) -> None:
    advice = engine.advise(situation(**APPLIED))
    explanation = explain(advice)
    assert [r.id for r in explanation.rules] == [r.id for r in engine.ruleset_for("DE").rules]
    assert {r.id for r in explanation.fired()} == {e.id for e in advice.trace}
    assert explanation.not_fired(), "a situation before any interview leaves some rules unfired"
    assert explanation.disagreements == ()


def test_rules_that_did_not_fire_show_the_actual_values(engine: Engine) -> None:
    document = advice_document(engine.advise(situation(**APPLIED)))
    after_interview = entry(document, "email-after-interview")
    assert after_interview["fired"] is False
    assert {"fact": "stage", "operator": "equals", "expected": "interviewed", "actual": "applied",
            "held": False} in leaves(after_interview["when"])
    no_calls = entry(document, "no-calls-if-posting-forbids")
    assert no_calls["fired"] is False
    assert {"fact": "posting.forbids_calls", "operator": "equals", "expected": True, "actual": "missing",
            "held": False} in leaves(no_calls["when"])
    assert no_calls["because"] and no_calls["source"]["quote"] == "om annonsen uttryckligen avråder från telefonsamtal"
    assert "effect" not in no_calls and "overridden_by" not in no_calls, "only a fired rule did something"


def test_fired_rule_shows_its_conditions_effect_and_source(engine: Engine) -> None:
    document = advice_document(engine.advise(situation(**APPLIED)))
    in_person = entry(document, "in-person-only-if-handed-in")
    assert in_person["fired"] is True and in_person["when"]["held"] is True
    assert {"fact": "application.via", "operator": "equals", "expected": "in_person", "actual": "online_portal",
            "held": False} in leaves(in_person["when"])
    assert in_person["effect"] == {"forbid": ["in_person"]}
    assert (in_person["ruleset"], in_person["defined_in"], in_person["priority"]) == ("base", "base", 100)
    assert in_person["source"]["items"] == ["C6"]


def test_conditions_a_short_circuit_would_skip_are_judged_too(tmp_path: Path) -> None:
    rules = [audit_rule("always", {"fact": "stage", "exists": True}, {"action": "follow_up"}),
             audit_rule("all-fails-first", {"all": [{"fact": "stage", "equals": "interviewed"},
                                                    {"fact": "contact.email", "exists": True}]}, {"prefer": ["email"]}),
             audit_rule("any-holds-first", {"any": [{"fact": "stage", "equals": "applied"},
                                                    {"fact": "posting.forbids_calls", "equals": True},
                                                    {"not": {"fact": "days_since.sent", "less_than": 7}}]},
                        {"prefer": ["phone"]})]
    write_yaml(tmp_path, "base.yaml", {"ruleset": "base", "version": "1", "rules": rules})
    engine = Engine(library=Library.load([tmp_path], include_shipped=False))
    document = advice_document(engine.advise(situation(**APPLIED)))
    assert leaves(entry(document, "all-fails-first")["when"]) == [
        {"fact": "stage", "operator": "equals", "expected": "interviewed", "actual": "applied", "held": False},
        {"fact": "contact.email", "operator": "exists", "expected": True, "actual": "mj@example.dk", "held": True}]
    any_entry = entry(document, "any-holds-first")
    assert any_entry["fired"] is True
    assert [leaf["held"] for leaf in leaves(any_entry["when"])] == [True, False, False]
    assert leaves(any_entry["when"])[1]["actual"] == "missing"
    assert leaves(any_entry["when"])[2] == {"fact": "days_since.sent", "operator": "less_than", "expected": 7,
                                            "actual": 12, "held": False}
    assert any_entry["when"]["any"][2] == {"not": [leaves(any_entry["when"])[2]], "held": True}


def overlay_folder(tmp_path: Path) -> Path:
    """An overlay for DE that overrides a base rule, disables one, and adds rules the resolver overrules."""
    folder = tmp_path / "rules"
    write_overlay(
        folder, "detest", "DE",
        override=[{"id": "no-calls-if-posting-forbids", "then": {"forbid": ["phone", "linkedin"], "prefer": ["email"]},
                   "because": "In this test country the posting's no-calls rule covers LinkedIn too.",
                   "source": {"seed": "003", "items": ["C1"], "quote": "Overlay quote"}}],
        disable=[{"id": "email-if-you-have-the-address", "reason": "Switched off to test the trace."}],
        rules=[audit_rule("de-follow-up", {"fact": "stage", "equals": "applied"}, {"action": "follow_up"}),
               audit_rule("de-wait", {"fact": "posting.forbids_calls", "equals": True}, {"action": "wait"}, priority=50),
               audit_rule("de-prefer-linkedin", {"fact": "contact.linkedin", "equals": True}, {"prefer": ["linkedin"]})])
    return folder


def forbids_calls_file(tmp_path: Path) -> Path:
    return write_yaml(tmp_path, "situation.yaml", {**APPLIED, "posting": {"forbids_calls": True},
                                                   "contact": {"name": "Mette Jensen", "linkedin": True}})


def test_overlay_override_and_resolver_overrides_are_in_the_trace(run, tmp_path: Path) -> None:
    result = run("explain", str(forbids_calls_file(tmp_path)), "--rules", str(overlay_folder(tmp_path)),
                 "--format", "json")
    assert result.code == 0, result.err
    document = result.json()
    no_calls = entry(document, "no-calls-if-posting-forbids")
    assert (no_calls["fired"], no_calls["ruleset"], no_calls["defined_in"]) == (True, "detest", "base")
    assert no_calls["layer_overrides"] == [{"layer": "detest", "replaced_layer": "base", "fields": ["then"]}]
    assert no_calls["effect"] == {"forbid": ["phone", "linkedin"], "prefer": ["email"]}
    assert no_calls["because"].startswith("In this test country") and no_calls["source"]["quote"] == "Overlay quote"
    linkedin = entry(document, "de-prefer-linkedin")
    assert [(o["part"], o["by"]) for o in linkedin["overridden_by"]] == [("prefer linkedin", "no-calls-if-posting-forbids")]
    follow_up = entry(document, "de-follow-up")
    assert [(o["part"], o["by"]) for o in follow_up["overridden_by"]] == [("action follow_up", "de-wait")]
    assert document["explanation"]["disabled"] == [
        {"id": "email-if-you-have-the-address", "layer": "detest", "reason": "Switched off to test the trace."}]
    assert "email-if-you-have-the-address" not in {r["id"] for r in document["explanation"]["rules"]}


def test_text_lists_fired_rules_first_then_the_others_by_first_failed_condition(run, tmp_path: Path) -> None:
    result = run("explain", str(forbids_calls_file(tmp_path)), "--rules", str(overlay_folder(tmp_path)))
    assert result.code == 0, result.err
    out = result.out
    applied, not_applied = out.index("Rules that applied"), out.index("Rules that did not apply")
    assert applied < out.index("[de-wait]") < not_applied
    assert "layer detest, overriding base, priority 100" in out
    assert "not followed: action follow_up (beaten by de-wait: higher priority)" in out
    assert "✓ posting.forbids_calls is true (here: true)" in out
    lines = out[not_applied:].splitlines()
    header = lines.index("  stage is 'interviewed' (here: 'applied')")
    group = [line for line in lines[header + 1:] if line.startswith("    [")]
    group = group[:next((i for i, line in enumerate(lines[header + 1:]) if not line.startswith("    [")), len(group))]
    assert "    [email-after-interview] After an interview, e-mail is the default" in group
    assert "Switched off by an overlay:" in out and "[email-if-you-have-the-address] (detest)" in out
    assert re.search(r"^Decision [0-9a-f-]{36}: rules base@\S+\+detest@1\.0 \(sha256:[0-9a-f]{12}\)", out, re.M)


def test_markdown_report_for_a_counsellor(run, tmp_path: Path) -> None:
    result = run("explain", str(forbids_calls_file(tmp_path)), "--rules", str(overlay_folder(tmp_path)),
                 "--format", "markdown")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("### Advice\n\n**")
    assert "### Why\n" in out and "### Rules that did not apply\n" in out
    assert "- **Title of de-wait** (`de-wait`, layer detest, priority 50): A test reason." in out
    assert "  > “Overlay quote” (seed 003, C1)" in out
    assert "needs `stage is 'interviewed'`, but here `stage` is `'applied'`" in out
    assert "### Switched off for this country" in out


def test_json_documents_follow_the_advice_schema(run, tmp_path: Path) -> None:
    situation_file = forbids_calls_file(tmp_path)
    rules = str(overlay_folder(tmp_path))
    for args in (("advise", "--format", "json"), ("explain", "--format", "json", "--why-not", "phone",
                                                  "--why-not", "follow_up", "--why-not", "letter")):
        result = run(args[0], str(situation_file), "--rules", rules, *args[1:])
        assert result.code == 0, result.err
        errors = [f"{list(e.path)}: {e.message}" for e in validator("advice").iter_errors(result.json())]
        assert errors == [], errors


def test_decision_record_identifies_rules_situation_and_day(run, tmp_path: Path, engine: Engine) -> None:
    result = run("advise", str(write_yaml(tmp_path, "s.yaml", APPLIED)), "--format", "json")
    record = result.json()["decision"]
    expected = engine.advise(situation(**APPLIED))
    assert record["engine"] == __version__
    assert record["ruleset"] == {"name": expected.ruleset.name, "version": expected.ruleset.version,
                                 "digest": expected.ruleset.digest}
    assert record["situation_digest"] == digest_of(expected.basis.situation.to_dict())
    assert record["today"] == "2026-11-23"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", record["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])


def test_same_input_gives_the_same_bytes_but_for_the_per_run_fields(run, tmp_path: Path) -> None:
    situation_file = str(write_yaml(tmp_path, "s.yaml", APPLIED))
    first, second = (run("advise", situation_file, "--format", "json") for _ in range(2))
    assert first.json()["decision"]["id"] != second.json()["decision"]["id"]

    def strip(document: dict[str, Any]) -> str:
        document["decision"].pop("id"), document["decision"].pop("timestamp")
        return json.dumps(document, sort_keys=True)

    assert strip(first.json()) == strip(second.json())
    differing = [(a, b) for a, b in zip(first.out.splitlines(), second.out.splitlines()) if a != b]
    assert len(differing) == 2 and all('"id"' in a or '"timestamp"' in a for a, _ in differing)


def test_document_without_the_explanation_for_speed(engine: Engine) -> None:
    advice = engine.advise(situation(**APPLIED))
    document = advice_document(advice, explanation=False)
    assert "explanation" not in document and "decision" in document
    assert advice_document(advice)["explanation"]["rules"]


def test_explain_when_no_rule_fires(tmp_path: Path) -> None:
    rules = [audit_rule("only-after-interview", {"fact": "stage", "equals": "interviewed"}, {"action": "follow_up"})]
    write_yaml(tmp_path, "base.yaml", {"ruleset": "base", "version": "1", "rules": rules})
    engine = Engine(library=Library.load([tmp_path], include_shipped=False))
    # durable_rules crashes if a ruleset's first evaluation fires nothing (see the next test)
    engine.advise(situation(**{**APPLIED, "stage": "interviewed", "interview": {"date": "2026-11-20"}}))
    advice = engine.advise(situation(**APPLIED))
    explanation = explain(advice)
    assert explanation.fired() == () and [r.id for r in explanation.not_fired()] == ["only-after-interview"]
    document = advice_document(advice)
    assert [r["fired"] for r in document["explanation"]["rules"]] == [False]
    from followup.audit.record import new_record
    from followup.render.report import explanation_text
    text = explanation_text(advice, explanation, new_record(advice))
    assert "Rules that applied (0 of 1), highest priority first:" in text
    assert "  stage is 'interviewed' (here: 'applied')\n    [only-after-interview]" in text


FIRST_EVALUATIONS = """
import json, sys
from pathlib import Path
import yaml
from followup.engine.engine import Engine
from followup.audit.explain import explain
from followup.rules.ruleset import Library
from followup.load.situation import parse_situation
folder, rules = Path(sys.argv[1]), json.loads(sys.argv[2])
situation = parse_situation(json.dumps({"country": "FI", "stage": "applied", "today": "2026-11-23"}))
for n in range(8):  # eight new rulesets, each first asked about a situation none of its rules fits
    (folder / str(n)).mkdir()
    layer = {"ruleset": "base", "version": str(n), "rules": rules}
    (folder / str(n) / "base.yaml").write_text(yaml.safe_dump(layer), encoding="utf-8")
    advice = Engine(library=Library.load([folder / str(n)], include_shipped=False)).advise(situation)
    assert not explain(advice).fired()
print("ok")
"""


def test_the_first_situation_may_fire_no_rule(tmp_path: Path) -> None:
    rules = [audit_rule("only-after-interview", {"fact": "stage", "equals": "interviewed"}, {"action": "follow_up"})]
    done = subprocess.run([sys.executable, "-c", FIRST_EVALUATIONS, str(tmp_path), json.dumps(rules)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr[-300:]
