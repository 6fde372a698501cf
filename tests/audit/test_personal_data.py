"""No personal data in a decision log by default; the advice replays the same from the hashes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from conftest import EXAMPLES
from conftest import COMMON, examples, situations
from conftest import parse_generated as _parse

from followup.api import Rules
from followup.audit.personal import key_path, load_key, pseudonymize
from followup.audit.replay import FIELDS
from followup.base.errors import InputError
from followup.engine.engine import Engine
from followup.load.situation import situation_from_data
from followup.render.text import audit_document

PERSONAL = ("Mette Jensen", "mj@example.dk")
ENGINE = Engine()
RULES = Rules()


def _fields(document: dict[str, Any]) -> list[Any]:
    out = []
    for _, path in FIELDS:
        value: Any = document
        for part in path:
            value = value[part]
        out.append(value)
    return out


def test_the_log_holds_hashes_of_the_same_kind_not_the_person(run, tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    assert run("advise", str(EXAMPLES / "dk-cold-interviewer.yaml"), "--audit-log", str(log)).code == 0
    text = log.read_text(encoding="utf-8")
    document = json.loads(text.splitlines()[-1])  # after the line storing the ruleset
    contact = document["situation"]["contact"]
    assert contact["email"].endswith("@hashed.invalid") and contact["name"].startswith("name-")
    assert contact["phone"].startswith("+") and contact["phone_kind"] == "work"
    assert document["personal_data"]["kept"] is False
    for value in PERSONAL:
        assert value not in text
    assert stat.S_IMODE(os.stat(key_path()).st_mode) == 0o600
    assert run("replay", str(log)).code == 0  # the hashed situation replays to the same advice


def test_log_personal_data_keeps_them(run, tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    assert run("advise", str(EXAMPLES / "dk-cold-interviewer.yaml"), "--audit-log", str(log),
               "--log-personal-data").code == 0
    shown = run("log", "export", str(log))
    assert all(value in shown.out for value in PERSONAL)
    assert json.loads(shown.out.splitlines()[-1])["personal_data"] == {"kept": True}


def test_one_person_hashes_the_same_within_an_installation() -> None:
    rules = Rules()
    first = rules.advise(EXAMPLES / "dk-cold-interviewer.yaml").audit_document()
    again = rules.advise(EXAMPLES / "dk-cold-interviewer.yaml").audit_document()
    assert first["situation"] == again["situation"]
    other = pseudonymize(audit_document(rules.advise(EXAMPLES / "dk-cold-interviewer.yaml").advice,
                                        rules.advise(EXAMPLES / "dk-cold-interviewer.yaml").record), b"another key!" * 3)
    assert other["situation"]["contact"]["email"] != first["situation"]["contact"]["email"]


def test_a_key_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key"
    load_key(path)
    path.chmod(0o644)
    with pytest.raises(InputError, match="read by others"):
        load_key(path)


@pytest.mark.slow
@settings(max_examples=examples(2000), **COMMON)
@given(situations())
def test_the_hashed_situation_gets_the_same_advice(data: dict[str, Any]) -> None:
    try:
        situation = _parse(data)
    except InputError:
        return
    advice = ENGINE.advise(situation)
    record = RULES.advise(situation).record
    logged = pseudonymize(audit_document(advice, record), b"k" * 32)
    again = ENGINE.advise(situation_from_data(logged["situation"], "<logged>"))
    assert _fields(audit_document(again, record)) == _fields(audit_document(advice, record))


@pytest.mark.parametrize("suffix", ["jsonl", "sqlite"])
def test_log_erase_removes_a_persons_decisions_and_says_how_many(run, tmp_path: Path, suffix: str) -> None:
    log = tmp_path / f"decisions.{suffix}"
    for name, extra in (("dk-cold-interviewer.yaml", ()), ("dk-cold-interviewer.yaml", ("--log-personal-data",)),
                        ("se-applied-deadline.yaml", ())):
        assert run("advise", str(EXAMPLES / name), "--audit-log", str(log), *extra).code == 0
    before = run("log", "list", str(log), "--format", "json").out.splitlines()
    erased = run("log", "erase", str(log), "--email", "mj@example.dk")
    assert erased.code == 0 and erased.out.strip() == f"erased 2 decisions from {log}"
    after = run("log", "list", str(log), "--format", "json").out.splitlines()
    assert after == [before[2]]
    last = json.loads(after[0])["id"]
    assert run("log", "erase", str(log), "--id", last).out.strip() == f"erased 1 decision from {log}"
    assert run("log", "list", str(log)).out == ""
    assert run("log", "erase", str(log)).code == 2
