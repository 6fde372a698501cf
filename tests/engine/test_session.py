"""Every evaluation of a ruleset runs in one kept session (``evaluate.py``): the situation
goes in, its rules fire, it comes out again. What one situation leaves behind must never
change what the next one fires, and a session that did not come back as it was is replaced."""

from __future__ import annotations

import random
from typing import Any

import pytest

from conftest import EXAMPLES
from followup.engine import evaluate
from followup.engine.engine import Engine
from followup.load.situation import load_situation
from followup.engine.facts import facts_from

SITUATIONS = [load_situation(p) for p in sorted(EXAMPLES.glob("*.yaml"))]


def _fired(engine: Engine, order: list[int]) -> dict[int, tuple[str, ...]]:
    out = {}
    for i in order:
        situation = SITUATIONS[i]
        merged = engine.ruleset_for(situation.country)
        out[i] = engine.evaluator.fired(merged, facts_from(situation, situation.to_dict()))
    return out


def test_each_situation_fires_what_it_fires_in_a_fresh_evaluator_whatever_came_before() -> None:
    alone = {i: _fired(Engine(evaluator=evaluate.Evaluator()), [i])[i] for i in range(len(SITUATIONS))}
    shared = Engine(evaluator=evaluate.Evaluator())
    order = list(range(len(SITUATIONS))) * 5
    random.Random(7).shuffle(order)
    for i, fired in _fired(shared, order).items():
        assert fired == alone[i], SITUATIONS[i].source
    assert len(set(alone.values())) > 3  # the examples fire different rules: the comparison can fail


@pytest.mark.parametrize("failure", ["raises", "left_pending"])
def test_a_session_not_as_it_was_is_dropped_and_the_next_evaluation_starts_afresh(
        monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    engine = Engine(evaluator=evaluate.Evaluator())
    expected = _fired(engine, list(range(len(SITUATIONS))))
    registered = dict(engine.evaluator._registered)
    real = evaluate._core.retract_fact

    def broken(handle: int, fact: str) -> Any:
        if failure == "raises":
            raise RuntimeError("Could not retract fact, error code: 999")
        return 1, real(handle, fact)[1]

    monkeypatch.setattr(evaluate._core, "retract_fact", broken)
    first = _fired(engine, [0])[0]
    assert first == expected[0]  # what fired is still right: only the session is suspect
    dropped = evaluate.durable_name(engine.ruleset_for(SITUATIONS[0].country))
    assert dropped in registered and dropped not in engine.evaluator._registered  # so it is gone
    monkeypatch.setattr(evaluate._core, "retract_fact", real)
    assert _fired(engine, list(range(len(SITUATIONS)))) == expected
    assert set(engine.evaluator._registered) == set(registered)
