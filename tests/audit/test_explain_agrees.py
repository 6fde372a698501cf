"""The trace's reading of a condition (``Condition.explain``) agrees with durable_rules' firing.

durable_rules alone decides which rules fire; the trace judges every condition in Python so it
can show each one's value and verdict, including those a short-circuit would skip. The design
allows that only if the two never disagree, and this is the proof, on generated input:

- valid situations (validated and date-checked like a file), every field optional where the
  schema says so, so facts are often missing;
- rules whose conditions nest ``all``/``any``/``not`` and use every operator on every fact a
  rule can name (the situation's fields, the derived facts, whole objects, unknown facts),
  each compared with values of the fact's own type;
- the shipped rulesets, for every country, on generated situations.

Values of another type are left out on purpose: durable_rules coerces across types
(``"3" >= 2``, ``true < 1``, ``{...} != "x"``: see /work/shared/notes/durable-rules.md), so a
rule comparing a fact with a value of another type is a broken rule, to be refused when the
ruleset is loaded; no reading of it could agree with the engine.

Default run: about 20 s. ``FOLLOWUP_LONG=1`` runs 25 times as many examples (about 8 min).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples, EXAMPLES
from followup.base.concepts import Channel, values
from followup.rules.condition import parse_condition
from followup.engine.engine import Engine
from followup.engine.evaluate import Evaluator
from followup.audit.explain import explain, explain_rules
from followup.engine.facts import DERIVED_FACTS, build_facts
from followup.rules.rule import Effect, Origin, Rule, Source
from followup.base.canonical import digest_of
from followup.rules.ruleset import Library, MergedRuleset
from followup.load.schema import load_schema, local_definition
from followup.load.situation import Situation, load_situation, parse_situation

COMMON = dict(deadline=None, derandomize=False, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

COUNTRIES = ("DK", "SE", "NO", "DE", "FI")
CHANNELS = values(Channel)

# --- Situations -------------------------------------------------------------------------------


def _iso(day: date) -> str:
    return day.isoformat()


def _maybe(draw: Any, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(st.one_of(st.none(), strategy))


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _object(draw: Any, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, strategy in fields.items():
        _put(out, key, _maybe(draw, strategy))
    return out or None


@st.composite
def situations(draw: Any) -> Situation:
    """A valid situation: dates ordered as ``check_dates`` demands, every optional field optional."""
    today = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    stage = draw(st.sampled_from(("considering", "applied", "interviewed")))
    days = st.integers(-40, 40).map(lambda n: _iso(today + timedelta(days=n)))
    data: dict[str, Any] = {"country": draw(st.sampled_from(COUNTRIES)), "stage": stage, "today": _iso(today)}
    _put(data, "outcome", _maybe(draw, st.sampled_from(("pending", "rejected", "hired"))))
    _put(data, "feels_right", _maybe(draw, st.booleans()))
    _put(data, "role_kind", _maybe(draw, st.sampled_from(("sales", "customer_service", "leadership", "other"))))
    _put(data, "position", _maybe(draw, st.sampled_from(("Lagerchef", "Æ \"ø\" å", "x"))))
    _put(data, "employer", _object(draw, {"name": st.sampled_from(("Nordhavn A/S", "Å")),
                                          "size": st.sampled_from(("small", "medium", "large")),
                                          "sector": st.sampled_from(("logistics", "law", "public"))}))
    sent_on = None if stage == "considering" else _maybe(draw, st.integers(0, 60).map(lambda n: today - timedelta(days=n)))
    application = _object(draw, {"via": st.sampled_from(("online_portal", "job_board", "email", "post", "in_person")),
                                 "deadline": days})
    if sent_on:
        application = {**(application or {}), "sent_on": _iso(sent_on)}
    _put(data, "application", application)
    _put(data, "posting", _object(draw, {"forbids_calls": st.booleans(), "forbids_emails": st.booleans(),
                                         "shortlisted_only": st.booleans(), "answer_expected_by": days}))
    _put(data, "contact", _object(draw, {"name": st.just("Mette Jensen"), "email": st.just("mj@example.dk"),
                                         "phone": st.just("+45 12 34 56 78"),
                                         "phone_kind": st.sampled_from(("work", "main", "private")),
                                         "linkedin": st.booleans(), "asked_for": st.sampled_from(CHANNELS),
                                         "insider": st.booleans()}))
    first = sent_on or today - timedelta(days=60)
    interview_day = None
    if stage == "interviewed":  # a field of a later stage than ``stage`` is refused
        interview_day = first + timedelta(days=draw(st.integers(0, (today - first).days)))
        at = draw(st.sampled_from(("", "T10:00", "T16:30")))
        interview = {"date": _iso(interview_day) + at}
        interview.update(_object(draw, {"format": st.sampled_from(("in_person", "online", "phone")),
                                        "invited_by": st.sampled_from(("phone", "email", "linkedin")),
                                        "answer_promised_by": days, "tone": st.sampled_from(("warm", "neutral", "cold")),
                                        "thanked": st.booleans()}) or {})
        data["interview"] = interview
    if stage != "considering":
        offsets = sorted(draw(st.lists(st.integers(0, (today - first).days), max_size=4)))
        follow_ups = [{"date": _iso(first + timedelta(days=n)), "via": draw(st.sampled_from(CHANNELS)),
                       **({"answered": a} if (a := _maybe(draw, st.booleans())) is not None else {})} for n in offsets]
        _put(data, "follow_ups", follow_ups or None)
    _put(data, "competing_offer", _object(draw, {"answer_by": days, "kind": st.sampled_from(("offer", "interview"))})
         if draw(st.booleans()) else None)
    if "competing_offer" in data and "answer_by" not in data["competing_offer"]:
        data["competing_offer"]["answer_by"] = _iso(today + timedelta(days=3))
    return parse_situation(json.dumps(data), "<generated>.json")


# --- Conditions ---------------------------------------------------------------------------------


def _fact_types() -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Every fact a rule can name → (type, allowed values if an enum), read from the schema."""
    out: dict[str, tuple[str, tuple[Any, ...]]] = {}

    def walk(prefix: str, spec: dict[str, Any]) -> None:
        for name, sub in spec.get("properties", {}).items():
            path = f"{prefix}{name}"
            sub = local_definition(sub, load_schema("situation"))
            if sub.get("type") == "object":
                out[path] = ("object", ())
                walk(path + ".", sub)
            elif "enum" in sub:
                out[path] = ("enum", tuple(sub["enum"]))
            elif sub.get("type") in ("string", "boolean", "integer"):
                out[path] = (sub["type"], ())

    walk("", load_schema("situation"))
    for name, info in DERIVED_FACTS.items():
        out[name] = ("enum", info.enum) if info.enum else (info.type, ())
        out[name.split(".")[0]] = ("object", ())
    for gone in ("follow_ups", "notes"):  # lists and free text never reach the rules
        out.pop(gone, None)
    out.update({"unknown_fact": ("string", ()), "stage.below_a_string": ("string", ()),
                "contacts.unknown": ("integer", ())})
    return out


FACTS = _fact_types()
STRINGS = ("applied", "Mette Jensen", "mj@example.dk", "2026-11-11", "2026-03-02", "DK", "", "Æ \"ø\"", "missing")


def _values(kind: str, enum: tuple[Any, ...], near: Any = None) -> st.SearchStrategy[Any]:
    """Values of a fact's type; with ``near`` (the fact's value in a situation), often close to it."""
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        values = st.one_of(st.integers(-5, 65), st.integers(-400, 400), st.integers(-400, 4000).map(lambda n: n / 10))
        if isinstance(near, int) and not isinstance(near, bool):
            close = st.sampled_from((near, near - 1, near + 1, near - 0.5, near + 0.5, float(near)))
            values = st.one_of(close, close, values)
        return values
    if kind == "enum":
        return st.sampled_from((*enum, "not_a_value"))
    values = st.one_of(st.sampled_from(STRINGS), st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=6))
    return st.one_of(st.just(near), values) if isinstance(near, str) else values


def _present(facts: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every fact path present in ``facts`` (objects too) with its value."""
    out: dict[str, Any] = {}
    for key, value in facts.items():
        out[prefix + key] = value
        if isinstance(value, dict):
            out.update(_present(value, f"{prefix}{key}."))
    return out


@st.composite
def leaves(draw: Any, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """One condition on any fact a rule can name; given ``facts``, often one present in them."""
    present = {p: v for p, v in _present(facts).items() if p in FACTS} if facts else {}
    if present and draw(st.booleans()):
        fact = draw(st.sampled_from(sorted(present)))
    else:
        fact = draw(st.sampled_from(sorted(FACTS)))
    kind, enum = FACTS[fact]
    operators = ["exists"]
    if kind != "object":
        operators += ["equals", "not_equals", "in", "not_in"]
    if kind == "integer":
        operators += ["less_than", "at_most", "greater_than", "at_least"]
    op = draw(st.sampled_from(operators))
    values = _values(kind, enum, present.get(fact))
    if op == "exists":
        return {"fact": fact, "exists": draw(st.booleans())}
    if op in ("in", "not_in"):
        return {"fact": fact, op: draw(st.lists(values, min_size=1, max_size=4))}
    return {"fact": fact, op: draw(values)}


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
                            st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
                            inner.map(lambda c: {"not": c})),
    max_leaves=8)

SOURCE = Source("000", ("T2",), "test")
#: Fires on every situation. A ruleset whose first evaluation fires nothing makes durable_rules
#: 2.0.28 crash when that session is deleted (a segfault), so each generated ruleset has it.
ALWAYS = {"fact": "stage", "exists": True}


def ruleset_of(when_list: list[dict[str, Any]]) -> MergedRuleset:
    """A merged ruleset of one rule per condition, plus one that always fires."""
    rules = tuple(Rule(f"r{i}", f"rule {i}", parse_condition(when), Effect(action="wait"), "test", SOURCE,
                       Origin("base", "<generated>"))
                  for i, when in enumerate([ALWAYS, *when_list]))
    merged = MergedRuleset("generated", None, (), rules)
    return MergedRuleset("generated", None, (), rules, digest=digest_of(merged.to_data()))


EVALUATOR = Evaluator()  # a host of its own: the generated rulesets stay out of the shared one


def assert_agreement(merged: MergedRuleset, situation: Situation) -> None:
    facts = build_facts(situation)
    fired = set(EVALUATOR.fired(merged, facts))
    for rule in merged.rules:
        held = rule.when.explain(facts).held
        assert held == (rule.id in fired), (
            f"durable_rules {'fired' if rule.id in fired else 'did not fire'} {rule.id} but explain says "
            f"held={held}\ncondition: {json.dumps(rule.to_data()['when'])}\nfacts: {json.dumps(facts, sort_keys=True)}")
    assert explain_rules(merged, facts, fired).disagreements == ()


@pytest.mark.slow
@settings(max_examples=examples(200), **COMMON)
@given(when_list=st.lists(conditions, min_size=1, max_size=6), batch=st.lists(situations(), min_size=8, max_size=14))
def test_explain_agrees_with_durable_rules_on_generated_rules(when_list: list[dict[str, Any]],
                                                              batch: list[Situation]) -> None:
    merged = ruleset_of(when_list)
    for situation in batch:
        assert_agreement(merged, situation)


@pytest.mark.slow
@settings(max_examples=examples(800), **COMMON)
@given(situation=situations(), data=st.data())
def test_every_operator_on_every_fact_agrees(situation: Situation, data: st.DataObject) -> None:
    condition = data.draw(leaves(build_facts(situation)))  # values drawn near the situation's own
    assert_agreement(ruleset_of([condition, {"not": condition}]), situation)


SHIPPED = Engine(library=Library.load())


def _warm_up() -> None:
    # One evaluation per shipped ruleset that fires something, before any generated one (the
    # crash above). Every example fires rules; the other countries get the base rules.
    for example in sorted(EXAMPLES.glob("*.yaml")):
        situation = load_situation(example)
        for country in (*SHIPPED.library.countries(), *COUNTRIES):
            SHIPPED.advise(replace(situation, country=country))


_warm_up()


@pytest.mark.slow
@settings(max_examples=examples(1500), **COMMON)
@given(situation=situations())
def test_shipped_rules_trace_agrees_with_durable_rules(situation: Situation) -> None:
    advice = SHIPPED.advise(situation)
    explanation = explain(advice)
    assert explanation.disagreements == ()
    fired = {entry.id for entry in advice.trace}
    assert {r.id for r in explanation.rules if r.fired} == fired
    assert len(explanation.rules) == len(SHIPPED.ruleset_for(situation.country).rules)
