"""The public Python API: what a program (a notebook, a web page, a job platform) relies on."""

from __future__ import annotations

import json
import pickle
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import yaml

import followup
from conftest import EXAMPLES, audit_rule, write_overlay
from followup.load.yamlio import load_document
from followup.rules.ruleset import Library

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
PER_RUN = ("id", "timestamp")


def without_run_fields(document: dict) -> dict:
    decision = {k: v for k, v in document["decision"].items() if k not in PER_RUN}
    return {**document, "decision": decision}


def test_the_public_names_are_exported() -> None:
    assert set(followup.__all__) >= {"advise", "Rules", "Decision", "InputErrors", "explain", "why_not"}
    for name in followup.__all__:
        assert getattr(followup, name) is not None


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_advise_on_a_mapping_gives_the_document_the_cli_prints(path: Path, run) -> None:
    cli = run("advise", str(path), "--format", "json")
    assert cli.code == 0, cli.err
    # followup's own reading of the file as plain data (PyYAML's YAML 1.1 reads a key `on:` as True)
    decision = followup.advise(load_document(path).data)
    assert without_run_fields(json.loads(decision.to_json())) == without_run_fields(cli.json())
    # The text of the JSON is the CLI's too, byte for byte but for the two per-run fields.
    assert decision.to_json().replace(decision.id, "ID").replace(decision.record.timestamp, "TS") == \
        cli.out.rstrip("\n").replace(cli.json()["decision"]["id"], "ID").replace(cli.json()["decision"]["timestamp"], "TS")


def test_a_decision_carries_the_advice_as_attributes() -> None:
    decision = followup.advise(EXAMPLES / "dk-applied-email.yaml", today="2026-11-21")
    assert (decision.action, decision.channel, decision.purpose) == ("follow_up", "email", "status")
    assert decision.timing.earliest == date(2026, 11, 21) and decision.timing.latest == date(2026, 11, 25)
    assert "phone" in decision.alternatives and "in_person" in decision.forbidden
    assert decision.verdict == ("E-mail Mette Jensen to ask about the status of your application "
                                "between 21 and 25 November.")
    assert decision.record.ruleset_name == "dk" and decision.record.today == date(2026, 11, 21)
    assert len(decision.id) == 36 and decision.say
    with pytest.raises(AttributeError):
        decision.action = "stop"  # type: ignore[misc]


def test_today_as_a_date_or_text_and_dates_as_pyyaml_gives_them() -> None:
    data = yaml.safe_load((EXAMPLES / "dk-applied-email.yaml").read_text(encoding="utf-8"))
    assert isinstance(data["application"]["sent_on"], date)  # PyYAML's own reading of 2026-11-11
    by_text = followup.advise(data, today="2026-11-24")
    by_date = followup.advise(data, today=date(2026, 11, 24))
    assert by_text.record.today == by_date.record.today == date(2026, 11, 24)
    assert by_text.to_dict(explanation=False)["timing"] == by_date.to_dict(explanation=False)["timing"]


def test_bad_input_raises_input_errors_naming_each_field() -> None:
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise({"country": "DK", "stage": "sent", "contact": {"email": 5}})
    errors = caught.value.errors
    assert len(errors) >= 2 and all(e.line is None for e in errors)
    fields = {e.field for e in errors}
    assert {"stage", "contact.email"} <= fields, [e.format_message() for e in errors]
    assert all(e.message for e in errors)


def test_bad_input_in_a_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("country: DK\nstage: applied\napplication:\n  sent_on: 2026-02-30\n", encoding="utf-8")
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise(path, today="2026-11-21")
    (error,) = caught.value.errors
    assert (error.field, error.line) == ("application.sent_on", 4)


@pytest.mark.parametrize("today", ["21/11/2026", "2026-11-31", "tomorrow"])
def test_a_bad_today_is_an_input_error(today: str) -> None:
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise(EXAMPLES / "dk-applied-email.yaml", today=today)
    assert caught.value.errors[0].field == "today" and "YYYY-MM-DD" in caught.value.errors[0].message


@pytest.mark.parametrize("value", [float("nan"), {1, 2}, b"bytes", object()])
def test_values_a_file_could_not_hold_are_refused(value: object) -> None:
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise({"country": "DK", "stage": "applied", "position": value})
    assert caught.value.errors[0].field == "position"


def test_a_key_pyyaml_read_as_a_boolean_is_named() -> None:
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise({"country": "DK", "stage": "applied", True: "2026-11-20"})
    assert "PyYAML reads an unquoted `on:` as true — write `date:`" in caught.value.errors[0].message


def test_rules_is_safe_from_threads() -> None:
    rules = followup.Rules()
    situations = [load_document(p).data for p in EXAMPLE_FILES] * 4
    serial = [rules.advise(s).to_dict()["explanation"] for s in situations]
    start = threading.Barrier(8)

    def advise(s: dict) -> dict:
        return rules.advise(s).to_dict()["explanation"]

    with ThreadPoolExecutor(8, initializer=start.wait) as pool:
        threaded = list(pool.map(advise, situations))
    assert json.dumps(threaded, sort_keys=True) == json.dumps(serial, sort_keys=True)


def test_explain_and_why_not_from_python() -> None:
    path = EXAMPLES / "dk-applied-email.yaml"
    explanation = followup.explain(path, today="2026-11-21")
    assert any(trace.fired for trace in explanation.rules) and any(not trace.fired for trace in explanation.rules)
    answer = followup.why_not(path, "in_person", today="2026-11-21")
    assert answer.subject == "in_person" and answer.reasons
    with pytest.raises(followup.InputErrors):
        followup.why_not(path, "pigeon", today="2026-11-21")


def test_several_rules_objects_are_safe_from_threads_together() -> None:
    # A platform may hold one Rules per rules folder; all share durable_rules' one C core,
    # which has no locks of its own: matching from both at once must not mix their sessions.
    many = [followup.Rules() for _ in range(4)]
    situations = [load_document(p).data for p in EXAMPLE_FILES] * 4
    serial = [many[0].advise(s).to_dict()["explanation"] for s in situations]
    start = threading.Barrier(8)

    def advise(job: tuple[int, dict]) -> dict:
        return many[job[0] % len(many)].advise(job[1]).to_dict()["explanation"]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two bytecodes, inside the matching loop too
    try:
        with ThreadPoolExecutor(8, initializer=start.wait) as pool:
            threaded = list(pool.map(advise, enumerate(situations)))
    finally:
        sys.setswitchinterval(interval)
    assert json.dumps(threaded, sort_keys=True) == json.dumps(serial, sort_keys=True)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise(EXAMPLES / "dk-applied-email.yaml", lang="xx")
    assert caught.value.errors[0].field == "lang"


def test_rules_over_a_loaded_library_advise_as_rules_over_its_folders(tmp_path: Path) -> None:
    # What lint and the rule tests advise with: the same advice as for the folders, to the byte.
    folder = tmp_path / "rules"
    write_overlay(folder, "dk-extra", "DK", rules=[audit_rule(
        "dk-extra-point", {"fact": "stage", "equals": "applied"}, {"say": ["A point of the extra layer."]})])
    from_folder = followup.Rules([folder])
    from_library = followup.Rules(library=Library.load([folder]))
    path = EXAMPLES / "dk-applied-email.yaml"
    assert from_library.ruleset("DK").version == from_folder.ruleset("DK").version
    assert "dk-extra" in from_library.ruleset("DK").version
    documents = [without_run_fields(json.loads(r.advise(path, today="2026-11-21").to_json())) for r in
                 (from_folder, from_library)]
    assert documents[0] == documents[1]
    assert "dk-extra-point" in {entry["id"] for entry in documents[1]["trace"]}
    assert from_library.dirs == ()


def test_rules_take_folders_or_a_library_not_both(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        followup.Rules([tmp_path], library=Library.load())
    with pytest.raises(TypeError):
        followup.Rules((), Library.load())  # type: ignore[misc]  # keyword only: a library is no folder


def test_a_rules_folder_that_cannot_be_used_is_an_input_errors_like_every_bad_input(tmp_path: Path) -> None:
    with pytest.raises(followup.InputErrors) as missing:  # what the README's example catches
        followup.Rules([tmp_path / "my-rules"])
    assert "rules folder not found" in missing.value.errors[0].message
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.yaml").write_text("ruleset: x\nversion: 1\n", encoding="utf-8")
    with pytest.raises(followup.InputErrors) as bad:
        followup.Rules([tmp_path / "bad"])
    assert (bad.value.errors[0].line, bad.value.errors[0].field) == (2, "version")


def test_a_decision_goes_to_another_process_whole() -> None:
    # A platform returns decisions from a process pool: pickled before its trace was read
    # (the trace is made on first read) or after, it comes back the same document.
    unread = followup.advise(EXAMPLES / "dk-rejected.yaml")
    read = followup.advise(EXAMPLES / "dk-applied-email.yaml")
    assert read.advice.trace
    for decision in (unread, read):
        back = pickle.loads(pickle.dumps(decision))
        assert back.to_json(trace="full") == decision.to_json(trace="full")
        assert [e.id for e in back.advice.trace] == [e.id for e in decision.advice.trace]
