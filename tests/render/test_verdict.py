"""The verdict sentence says what the points under it say."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings

from conftest import COMMON, EXAMPLES, examples, parse_generated, situation, situations
from conftest import GENERATED_ENGINE as ENGINE
from followup.base.errors import InputError
from followup.engine.advice import STOPPED_BY
from followup.load.situation import load_situation
from followup.render.text import verdict


def test_a_private_number_is_reached_through_the_switchboard(engine) -> None:
    advice = engine.advise(load_situation(EXAMPLES / "dk-private-phone-only.yaml"))
    assert advice.channel == "phone"
    assert verdict(advice).startswith("Call Tømrer Hansen ApS's main number and ask for Lene Hansen ")


def test_a_work_number_is_called_directly(engine) -> None:
    advice = engine.advise(load_situation(EXAMPLES / "no-before-applying.yaml"))
    assert advice.channel == "phone" and verdict(advice).startswith("Call Kari Nordmann to ask about the job")


def test_considering_in_denmark_means_apply_first(engine) -> None:
    advice = engine.advise(situation(country="DK", today="2026-11-21", stage="considering",
                                     contact={"name": "Mette Jensen", "email": "mj@example.dk"}))
    assert advice.action == "wait"
    assert verdict(advice) == "Nothing to follow up on yet: send your application first."



@pytest.mark.parametrize(("example", "rule", "reason"), [
    ("dk-rejected", "rejected-close-politely", "the application was rejected, so close politely"),
    ("dk-three-unanswered", "no-more-than-three-contacts", "you have contacted them three times already"),
    ("se-posting-forbids-contact", "posting-forbids-calls-and-emails", "the posting asks applicants not to call"),
])
def test_a_stop_names_the_rule_that_stopped_before_the_trace_is_made(example: str, rule: str, reason: str) -> None:
    advice = ENGINE.advise(load_situation(EXAMPLES / f"{example}.yaml"))
    assert "trace" not in advice.__dict__  # the verdict must not need it
    assert verdict(advice).startswith(f"Do not follow up: {reason}")
    assert advice.stopped_by().id == rule and "trace" not in advice.__dict__


@settings(max_examples=examples(400), **COMMON)
@given(situations())
def test_the_rule_a_stop_names_is_the_traces_first_stop_nothing_set_aside(data: dict[str, Any]) -> None:
    # The resolver names it without the trace; the trace is the record of what fired.
    try:
        advice = ENGINE.advise(parse_generated(data))
    except InputError:
        return
    named = advice.stopped_by()
    from_trace = next((e for e in advice.trace if e.effect.get("action") == "stop" and not e.overridden_by), None)
    if advice.action != "stop":
        assert STOPPED_BY not in advice.basis.cache
        return
    assert (named.id, named.title) == (from_trace.id, from_trace.title) if from_trace else named is None


def test_a_copy_given_another_trace_names_what_its_trace_says() -> None:
    # replace() shares the basis: the resolver's word is only for the trace it would make.
    advice = ENGINE.advise(load_situation(EXAMPLES / "dk-rejected.yaml"))
    assert verdict(replace(advice, trace=())) == "Do not follow up."
    kept = tuple(e for e in advice.trace if e.id != "rejected-close-politely")
    assert "rejected" not in verdict(replace(advice, trace=kept))
    assert verdict(advice).startswith("Do not follow up: the application was rejected")
