"""Properties of the advice on generated situations, and of the refusal of generated bad ones.

Situations are generated from ``schemas/situation.schema.json`` itself: every property, its
enums, booleans, text (any Unicode) and patterns, with dates on a timeline around a ``today``
that ``situation.check_dates`` accepts (everything before today that must be, follow-ups in
order, the stage and its dates agreeing). For each, on the shipped rulesets:

- advice is produced and conforms to ``schemas/advice.schema.json``;
- no channel the advice lists as forbidden is recommended, so neither is the phone when the
  posting forbids calls, nor a visit in person after applying in any other way;
- ``earliest <= latest``; ``stop`` comes with no channel and no date to act;
- evaluating twice, in another order, or in another process gives the same advice;
- the evaluator (durable_rules' C core called directly, ``evaluate.py``) fires the same rules
  in the same order as durable_rules' own ``Host``.

Generated invalid situations (wrong types, unknown fields, values outside enums, impossible or
contradictory dates, missing fields) are always refused with exit 2, never a traceback.

Default run: about 30 s. ``FOLLOWUP_LONG=1`` runs 25 times as many examples (README).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import followup.engine.evaluate  # noqa: F401  loads durable_rules' C core as followup does (lazily bound: Python 3.13)
import durable.engine
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.rules.compiler import SENTINEL, definition_json, durable_name
from followup.engine.engine import Engine
from followup.base.errors import FollowupError, InputError
from followup.engine.evaluate import Evaluator
from followup.base.fastjson import digest_of
from followup.engine.advice import NORMALISED
from followup.engine.facts import build_facts
from followup.engine.resolve import resolve
from followup.render.text import advice_document, to_json_line
from followup.load.schema import validator
from followup.load.situation import parse_situation
from conftest import COMMON, examples, TEXT, situations

PER_RUN = ("id", "timestamp")

# --- the properties --------------------------------------------------------------------------------

ENGINE = Engine()


def _document(advice: Any) -> dict[str, Any]:
    """The advice document as JSON reads it back, without the decision record's per-run fields."""
    document = json.loads(to_json_line(advice_document(advice)))
    for name in PER_RUN:
        document["decision"].pop(name)
    return document


def _parse(data: dict[str, Any]) -> Any:
    return parse_situation(json.dumps(data, ensure_ascii=False), "<generated>.json")


@pytest.mark.slow
@settings(max_examples=examples(1000), **COMMON)
@given(situations())
def test_advice_on_any_valid_situation_keeps_its_promises(data: dict[str, Any]) -> None:
    situation = _parse(data)
    advice = ENGINE.advise(situation)
    recommended = {advice.channel, *advice.alternatives} - {None}
    assert not recommended & set(advice.forbidden), (advice.channel, advice.alternatives, advice.forbidden)
    if situation.posting.forbids_calls:
        assert "phone" not in recommended
    if situation.stage != "considering" and situation.application.via not in (None, "in_person"):
        assert "in_person" not in recommended
    timing = advice.timing
    if timing.earliest and timing.latest:
        assert timing.earliest <= timing.latest
    if advice.action == "stop":
        assert (advice.channel, advice.alternatives, timing.earliest, timing.latest) == (None, (), None, None)
    assert _document(ENGINE.advise(_parse(data))) == _document(advice)


@pytest.mark.slow
@settings(max_examples=examples(100), **COMMON)
@given(situations())
def test_advice_conforms_to_its_schema(data: dict[str, Any]) -> None:
    document = advice_document(ENGINE.advise(_parse(data)))
    errors = sorted(validator("advice").iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, errors[0]


@settings(max_examples=examples(20), **COMMON)
@given(st.lists(situations(), min_size=2, max_size=12), st.randoms(use_true_random=False))
def test_advice_does_not_depend_on_the_order_of_evaluation(batch: list[dict[str, Any]], rnd: random.Random) -> None:
    parsed = [_parse(d) for d in batch]
    first = [_document(ENGINE.advise(s)) for s in parsed]
    order = list(range(len(parsed)))
    rnd.shuffle(order)
    fresh = Engine()
    second = {i: _document(fresh.advise(parsed[i])) for i in order}
    assert [second[i] for i in range(len(parsed))] == first


@settings(max_examples=examples(60), **COMMON)
@given(situations(), situations())
def test_what_is_remembered_per_set_of_fired_rules_is_what_resolving_afresh_gives(first: dict[str, Any],
                                                                                  second: dict[str, Any]) -> None:
    """The resolver remembers per ruleset and set of fired rules what those rules alone decide;
    used for another situation (other dates, other facts) it gives what a ruleset that
    remembers nothing (no digest) works out from scratch."""
    one, other = _parse(first), _parse(second)
    merged, _, fired = ENGINE.fired(one)
    for situation in (one, other):
        facts = build_facts(situation)
        remembered = resolve(merged, situation, fired, facts)
        afresh = resolve(replace(merged, digest=""), situation, fired, facts)
        afresh = replace(afresh, ruleset=remembered.ruleset)  # the one field the missing digest shows in
        assert to_json_line(afresh.to_json()) == to_json_line(remembered.to_json())
        assert afresh == remembered


@settings(max_examples=examples(60), **COMMON)
@given(situations())
def test_the_decision_records_digest_is_of_the_situation_as_normalised(data: dict[str, Any]) -> None:
    """The engine makes ``to_dict()`` once, for the facts and the digest: the facts leave it as
    it was, so the record names the normalised situation as the log keeps it."""
    situation = _parse(data)
    advice = ENGINE.advise(situation)
    document = advice_document(advice, trace="full")
    assert advice.basis.cache[NORMALISED] == situation.to_dict()
    assert document["decision"]["situation_digest"] == digest_of(situation.to_dict())
    assert advice.basis.facts == build_facts(situation)


class _StockHost(durable.engine.Host):
    def _run(self) -> None:  # no timer threads: the evaluation stays on this thread
        pass


def _stock_fired(merged: Any, facts: dict[str, Any], hosts: dict[str, tuple[_StockHost, list[str]]]) -> tuple[str, ...]:
    """The rules durable_rules' own Host fires, each once, in order: the reference for evaluate.py."""
    name = durable_name(merged)
    if name not in hosts:
        fired: list[str] = []
        definition = json.loads(definition_json(merged))  # with the sentinel: see compiler.SENTINEL
        for rule_id, entry in definition.items():
            entry["run"] = (lambda rid: lambda c: fired.append(rid))(rule_id)
        host = _StockHost()
        host.register_rulesets({name: definition})
        hosts[name] = (host, fired)
    host, fired = hosts[name]
    fired.clear()
    sid = str(next(_SIDS))
    try:
        host.assert_fact(name, {**facts, "_kind": "situation", "sid": sid, "id": "situation"})
    except durable.engine.MessageNotHandledException:
        pass
    finally:
        host.delete_state(name, sid)
    return tuple(rule_id for rule_id in dict.fromkeys(fired) if rule_id != SENTINEL)


_HOSTS: dict[str, tuple[_StockHost, list[str]]] = {}
_SIDS = itertools.count(1)


@pytest.mark.slow
@settings(max_examples=examples(300), **COMMON)
@given(situations())
def test_the_evaluator_fires_what_durable_rules_own_host_fires(data: dict[str, Any]) -> None:
    situation = _parse(data)
    merged = ENGINE.ruleset_for(situation.country)
    facts = build_facts(situation)
    assert Evaluator().fired(merged, facts) == _stock_fired(merged, facts, _HOSTS)


@settings(max_examples=examples(3), **COMMON)
@given(st.lists(situations(), min_size=5, max_size=25))
def test_another_process_gives_the_same_advice(tmp_path_factory: Any, batch: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("batch")
    path = folder / "in.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in batch), encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Pacific/Kiritimati", "LANG": "C", "LC_ALL": "C"}
    engine = Engine()  # the rulesets as the other process reads them
    done = subprocess.run([sys.executable, "-m", "followup", "batch", str(path), "--trace", "full"], capture_output=True,
                          env=env)
    assert done.returncode == 0, done.stderr.decode()
    theirs = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    for document in theirs:
        for name in PER_RUN:
            document["decision"].pop(name)
    ours = [_document(engine.advise(parse_situation(json.dumps(d), str(path)))) for d in batch]
    assert theirs == ours


# --- invalid situations ---------------------------------------------------------------------------

WRONG = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.just([]), st.just({}),
                  st.just(["DK"]), TEXT)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [prefix] + [p for k, v in value.items() for p in _paths(v, prefix + (k,))]
    if isinstance(value, list):
        return [prefix] + [p for i, v in enumerate(value) for p in _paths(v, prefix + (i,))]
    return [prefix]


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _delete(data: Any, path: tuple[Any, ...]) -> None:
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


@st.composite
def broken_situations(draw: Any) -> tuple[str, dict[str, Any]]:
    """A valid situation with one thing broken, and what was broken."""
    data = draw(situations())
    paths = [p for p in _paths(data) if p]
    how = draw(st.sampled_from(["type", "unknown", "enum", "date", "required", "future", "order", "junk"]))
    if how == "type":
        path = draw(st.sampled_from(paths))
        value = draw(WRONG)
        _set(data, path, value)
        try:  # the value may happen to be valid there (text for a text field): then break it surely
            _parse(data)
            _set(data, path, {"unexpected": value})
        except InputError:
            pass
    elif how == "unknown":
        containers = [p for p in _paths(data) if isinstance(_get(data, p), dict)]
        _set(data, draw(st.sampled_from(containers)) + ("x_" + draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True)),), 1)
    elif how == "enum":
        data["stage"] = draw(TEXT.filter(lambda s: s not in ("considering", "applied", "interviewed")))
    elif how == "date":
        data["today"] = draw(st.sampled_from(["2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "tomorrow",
                                              "2026-01-01T10:00", "1999-12-31", "2100-01-01"]))
    elif how == "required":
        _delete(data, (draw(st.sampled_from(["country", "stage"])),))
    elif how == "future":
        data["follow_ups"] = [{"date": (date.fromisoformat(data["today"]) + timedelta(days=1)).isoformat(), "via": "email"}]
    elif how == "order":
        data["stage"] = "applied"
        data.pop("interview", None)
        data["application"] = {"sent_on": data["today"]}
        data["follow_ups"] = [{"date": data["today"], "via": "email"},
                              {"date": (date.fromisoformat(data["today"]) - timedelta(days=1)).isoformat(), "via": "phone"}]
    else:
        return how, {"__junk__": draw(st.one_of(WRONG, st.lists(WRONG)))}
    return how, data


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@pytest.mark.slow
@settings(max_examples=examples(600), **COMMON)
@given(broken_situations())
def test_invalid_situations_are_always_refused_as_bad_input(case: tuple[str, dict[str, Any]]) -> None:
    how, data = case
    text = json.dumps(data["__junk__"] if "__junk__" in data else data, ensure_ascii=False)
    try:
        parse_situation(text, "<broken>.json")
    except FollowupError as exc:
        assert exc.exit_code == 2, (how, exc.format_message())
        assert exc.format_message()
    else:
        raise AssertionError(f"{how}: accepted {text}")


@settings(max_examples=examples(30), deadline=None, print_blob=True,
          suppress_health_check=[*COMMON["suppress_health_check"], HealthCheck.function_scoped_fixture])
@given(broken_situations())
def test_the_command_line_says_so_with_exit_2_and_no_traceback(run: Callable[..., Any], tmp_path_factory: Any,
                                                              case: tuple[str, dict[str, Any]]) -> None:
    how, data = case
    path = Path(tmp_path_factory.mktemp("broken")) / "me.yaml"
    payload = data.get("__junk__", data)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    result = run("advise", str(path))
    assert result.code == 2, (how, result.err)
    assert result.err.startswith(f"error: {path}") and "Traceback" not in result.err and result.out == ""
