"""Whatever ``advise`` would refuse, ``rules lint`` reports: lint-clean means advise never fails.

Rulesets are generated as files (an overlay on the shipped Danish rules, as an author writes
one), with conditions on every fact rules can name and values chosen to be awkward: numbers
Python writes with an exponent, whole numbers at and beyond 64 bits, subnormal and huge
floats, text with quotes, backslashes, control characters and non-Latin letters. Whenever
lint finds no error, the engine must register the ruleset and evaluate situations with it,
and durable_rules must fire exactly the rules the Python reading of the conditions says hold.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, examples
from followup.authoring.lint import lint
from followup.engine.engine import Engine
from followup.engine.facts import build_facts
from followup.engine.vocabulary import fact_types
from followup.load.situation import load_situation
from conftest import rule, write_layer

VOCABULARY = fact_types().facts
FACTS = sorted(VOCABULARY) + ["no_such_fact", "stage.below"]
SITUATIONS = [load_situation(EXAMPLES / name) for name in
              ("dk-applied-email.yaml", "dk-interview-date-passed.yaml", "dk-three-unanswered.yaml")]
SHIPPED_DK_IDS = sorted({r.id for r in Engine().ruleset_for("DK").rules})
_folders = itertools.count()
ORDERINGS = ("less_than", "at_most", "greater_than", "at_least")

awkward_numbers = st.one_of(
    st.integers(-40, 40),
    st.sampled_from([0.00001, 1e-05, 1.0e16, 1e16, -1e-7, 5e-324, 1e300, -0.0, 0.5, 2**53 + 1, 2**63 - 1, -2**63,
                     2**63, -2**63 - 1, 10**30, 1e15, 123456789.123]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-2**70, 2**70))
awkward_text = st.one_of(
    st.sampled_from(["applied", "email", "", "Æ \"ø\" å", "back\\slash", "quote'd", "line\nbreak", "tab\t",
                     "\u2028", "1e-05", "1", "true", "null", "x" * 300, "日本語", "🙂"]),
    st.text(max_size=8))
any_value = st.one_of(awkward_numbers, awkward_text, st.booleans())


def own_values(fact: str, op: str) -> st.SearchStrategy[Any]:
    """Values of the fact's own type for ``op``, awkward ones among them."""
    known = VOCABULARY[fact]
    if known.enum:
        return st.sampled_from(known.enum)
    if known.kind == "integer":
        # An ordering takes any number; equality only a whole one (lint refuses 1.5 == days).
        return awkward_numbers if op in ORDERINGS else awkward_numbers.filter(lambda v: isinstance(v, int))
    if known.kind == "boolean":
        return st.booleans()
    if known.kind == "date":
        return st.sampled_from(["2026-03-11", "2025-12-31", "2026-11-20"])
    return awkward_text


def operators(fact: str) -> list[str]:
    kind = VOCABULARY[fact].kind
    if kind == "object":
        return ["exists"]
    ops = ["equals", "not_equals", "in", "not_in", "exists"]
    return ops + list(ORDERINGS) if kind == "integer" else ops


@st.composite
def typed_leaves(draw: Any) -> dict[str, Any]:
    """A condition lint has no reason to refuse: a known fact, an operator and values of its type."""
    fact = draw(st.sampled_from(sorted(VOCABULARY)))
    op = draw(st.sampled_from(operators(fact)))
    if op == "exists":
        return {"fact": fact, "exists": draw(st.booleans())}
    if op in ("in", "not_in"):
        return {"fact": fact, op: draw(st.lists(own_values(fact, op), min_size=1, max_size=4))}
    return {"fact": fact, op: draw(own_values(fact, op))}


@st.composite
def any_leaves(draw: Any) -> dict[str, Any]:
    """Any fact, any operator, any value: mostly refused by lint, and then by advise."""
    fact = draw(st.sampled_from(FACTS))
    op = draw(st.sampled_from(["equals", "not_equals", "in", "not_in", *ORDERINGS]))
    value = draw(st.lists(any_value, min_size=1, max_size=3)) if op in ("in", "not_in") else draw(any_value)
    return {"fact": fact, op: value}


def leaves() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(*[typed_leaves()] * 20, any_leaves())


def _groups(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A function, not a lambda over several lines: hypothesis reads a lambda's source to see
    # that it uses its argument, and misreads that one (a false "can't actually recurse").
    return st.one_of(st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
                     st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
                     inner.map(lambda c: {"not": c}))


conditions = st.recursive(leaves(), _groups, max_leaves=4)


@st.composite
def overlays(draw: Any) -> dict[str, Any]:
    """Rules of the overlay's own, and maybe an override of a shipped rule's condition."""
    rules = [rule(f"generated-{i}", draw(conditions), priority=draw(st.sampled_from([None, 0, 5])))
             for i in range(draw(st.integers(1, 3)))]
    override = None
    if draw(st.booleans()):
        override = {"id": draw(st.sampled_from(SHIPPED_DK_IDS)), "when": draw(conditions), "because": "generated",
                    "source": {"seed": "000", "items": ["T2"], "quote": "q"}}
    return {"rules": rules, "override": override}


def write_overlay(folder: Path, generated: dict[str, Any]) -> Path:
    path = write_layer(folder, generated["rules"], name="mine", extends="dk", country="DK")
    if generated["override"] is not None:
        import yaml  # noqa: PLC0415 (a test helper, not the package)

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["override"] = [generated["override"]]
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# Each example lints and registers a whole ruleset (about half a second): 50 here, 1,250 with FOLLOWUP_LONG=1.
PROPERTY = settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])


@pytest.mark.slow
@PROPERTY
@given(overlays())
def test_a_ruleset_lint_finds_no_error_in_is_one_advise_runs(tmp_path_factory, generated: dict[str, Any]) -> None:
    folder = tmp_path_factory.mktemp(f"generated-{next(_folders)}")
    write_overlay(folder, generated)
    report = lint([folder])
    event("lint found errors" if report.errors else "lint-clean")
    if report.errors:
        return  # lint refused it: advise may refuse it too
    engine = Engine([folder])
    merged = engine.ruleset_for("DK")  # registers it with durable_rules
    for situation in SITUATIONS:
        engine.advise(situation)
        facts = build_facts(situation)
        fired = set(engine.evaluator.fired(merged, facts))
        assert fired == {r.id for r in merged.rules if r.when.explain(facts).held}
