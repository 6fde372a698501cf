"""Field names that survive YAML 1.1, and several interview rounds (issue 11, items 4 and 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import followup
from conftest import EXAMPLES
from followup.base.canonical import digest_of
from followup.engine.facts import build_facts

ROUND_1 = {"date": "2026-11-10T10:00", "format": "phone", "thanked": True}
ROUND_2 = {"date": "2026-11-18T10:00", "format": "in_person", "tone": "warm", "answer_promised_by": "2026-11-28"}
INTERVIEWED = {"country": "DK", "today": "2026-11-19", "stage": "interviewed",
               "application": {"sent_on": "2026-11-01"},
               "contact": {"name": "Mette Jensen", "email": "mj@example.dk"}}


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- item 5: `on` is now `date` ----------------------------------------------------------------


def test_the_shipped_examples_and_documents_use_the_new_name() -> None:
    root = EXAMPLES.parent
    files = [*EXAMPLES.glob("*.yaml"), root / "README.md", *(root / "docs").glob("*.md"),
             *(root / "rulesets" / "tests").glob("*.yaml")]
    for path in files:
        data = path.read_text(encoding="utf-8")
        assert "interview.on" not in data and "{on: " not in data and "\n  on: " not in data, path


def test_the_old_spelling_is_read_with_a_note_in_the_advice(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "country: DK\ntoday: 2026-11-30\nstage: applied\napplication: {sent_on: 2026-11-01}\n"
                            "follow_ups:\n  - {on: 2026-11-20, via: email}\n")
    result = run("advise", str(path), "--format", "json")
    assert result.code == 0, result.err
    (note,) = result.json()["warnings"]
    assert note.startswith("follow_ups[0].on is now called date; write date: 2026-11-20")
    text = run("advise", str(path)).out
    assert text.startswith("Warnings:\n  - follow_ups[0].on is now called date")


def test_old_and_new_spelling_mean_the_same_advice(tmp_path: Path) -> None:
    new = {**INTERVIEWED, "interview": ROUND_2, "follow_ups": [{"date": "2026-11-18", "via": "email"}]}
    old = {**INTERVIEWED, "interview": {("on" if k == "date" else k): v for k, v in ROUND_2.items()},
           "follow_ups": [{"on": "2026-11-18", "via": "email"}]}
    a, b = followup.advise(new).to_dict(explanation=False), followup.advise(old).to_dict(explanation=False)
    assert len(b.pop("warnings")) == 2 and a.pop("warnings") == []
    for doc in (a, b):
        doc["decision"].pop("id"), doc["decision"].pop("timestamp")
    assert a == b


def test_both_spellings_at_once_are_refused(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "country: DK\ntoday: 2026-11-30\nstage: interviewed\n"
                            "interview:\n  on: 2026-11-18\n  date: 2026-11-19\n")
    result = run("advise", str(path))
    assert result.code == 2
    assert f"{path}:5: interview.on: give the date once: interview.date or the old spelling interview.on" in result.err
    assert "Traceback" not in result.err


def test_a_key_pyyaml_turned_into_true_gets_the_helpful_message(run, tmp_path: Path) -> None:
    data = yaml.safe_load("country: DK\ntoday: 2026-11-30\nstage: applied\nfollow_ups:\n  - {on: 2026-11-20, via: email}\n")
    assert True in data["follow_ups"][0]  # what PyYAML (YAML 1.1) makes of it
    with pytest.raises(followup.InputErrors) as caught:
        followup.advise(data)
    (error,) = caught.value.errors
    assert error.field == "follow_ups[0].true"
    assert error.message == "a field name must be text; PyYAML reads an unquoted `on:` as true — write `date:`"
    # The same data dumped back by PyYAML: a `true:` key in a file.
    path = _write(tmp_path, yaml.safe_dump(data))
    result = run("advise", str(path))
    assert result.code == 2 and "follow_ups[0].true: a field name must be text; PyYAML reads" in result.err


def test_done_writes_the_new_name_into_a_file_with_the_old(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "country: DK\ntoday: 2026-11-30\nstage: applied\napplication: {sent_on: 2026-11-01}\n"
                            "follow_ups:\n  - {on: 2026-11-20, via: email}\n")
    result = run("done", str(path), "--via", "phone", "--on", "2026-11-30")
    assert result.code == 0, result.err
    assert path.read_text(encoding="utf-8").endswith("  - {on: 2026-11-20, via: email}\n"
                                                     "  - {date: 2026-11-30, via: phone, answered: false}\n")


def test_a_log_line_written_with_on_and_interview_still_replays(run, tmp_path: Path) -> None:
    situation = {**INTERVIEWED, "interview": ROUND_2}
    log = tmp_path / "audit.jsonl"
    assert run("advise", str(_write(tmp_path, json.dumps(situation), "s.json")), "--audit-log", str(log)).code == 0
    ruleset, logged = log.read_text(encoding="utf-8").splitlines()  # the ruleset stored once, then the decision
    entry = json.loads(logged)
    assert entry["situation"]["interviews"] == [ROUND_2]  # how it is logged now
    # The same decision as a log from before the rename held it.
    old_round = {("on" if k == "date" else k): v for k, v in ROUND_2.items()}
    entry["situation"] = {k: v for k, v in entry["situation"].items() if k != "interviews"} | {"interview": old_round}
    entry["decision"]["situation_digest"] = digest_of(entry["situation"])
    log.write_text(ruleset + "\n" + json.dumps(entry) + "\n", encoding="utf-8")
    result = run("replay", str(log))
    assert result.code == 0, result.out + result.err
    assert result.out.splitlines() == [f"{log}:2 {entry['decision']['id']}: same",
                                       "1 decision replayed: 1 same, 0 different."]


# --- item 4: several interview rounds ---------------------------------------------------------


def test_interview_is_normalised_to_one_round() -> None:
    single = followup.Rules().situation({**INTERVIEWED, "interview": ROUND_2})
    listed = followup.Rules().situation({**INTERVIEWED, "interviews": [ROUND_2]})
    assert single.to_dict() == listed.to_dict() and single.to_dict()["interviews"] == [ROUND_2]
    assert "interview" not in single.to_dict()


def test_the_rules_read_the_latest_round() -> None:
    situation = followup.Rules().situation({**INTERVIEWED, "interviews": [ROUND_1, ROUND_2]})
    facts = build_facts(situation)
    assert facts["interview"]["date"] == ROUND_2["date"] and facts["interview"]["round"] == 2
    assert "thanked" not in facts["interview"]  # round 1's thank-you is not round 2's
    assert facts["interviews"] == {"count": 2}
    assert facts["days_since"]["interview"] == 1


def test_each_round_gets_its_thank_you(run, tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({**INTERVIEWED, "interviews": [ROUND_1, ROUND_2]}, indent=2), "s.json")
    advice = run("advise", str(path), "--format", "json").json()
    assert (advice["purpose"], advice["timing"]["earliest"]) == ("thank_you", "2026-11-19")
    assert run("done", str(path), "--thanked").code == 0
    rounds = json.loads(path.read_text(encoding="utf-8"))["interviews"]
    assert [r.get("thanked") for r in rounds] == [True, True]
    assert run("advise", str(path), "--format", "json").json()["purpose"] != "thank_you"


def test_done_thanked_marks_the_latest_round_in_yaml(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "country: DK\ntoday: 2026-11-19\nstage: interviewed\napplication: {sent_on: 2026-11-01}\n"
                            "interviews:\n  - {date: 2026-11-10, thanked: true}\n  - {date: 2026-11-18}\n")
    assert run("done", str(path), "--thanked").code == 0
    assert path.read_text(encoding="utf-8").endswith("  - {date: 2026-11-10, thanked: true}\n"
                                                     "  - {date: 2026-11-18, thanked: true}\n")


def test_rounds_out_of_order_are_refused(run, tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({**INTERVIEWED, "interviews": [ROUND_2, ROUND_1]}, indent=2), "s.json")
    result = run("advise", str(path))
    assert result.code == 2 and "interviews[1].date: interview rounds must be listed oldest first" in result.err


def test_interview_and_interviews_at_once_are_refused(run, tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({**INTERVIEWED, "interview": ROUND_2, "interviews": [ROUND_1]}), "s.json")
    result = run("advise", str(path))
    assert result.code == 2 and "give the interview once" in result.err
