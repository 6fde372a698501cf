"""Compiling a merged ruleset into a durable_rules ruleset definition, and measuring its size.

Each rule becomes one durable_rules rule whose single pattern is the rule's condition ANDed
with ``_kind == "situation"``. The tag matters: should a state fact ever reach the session
(the stock host asserts one after every action), a condition built only on absent fields
(``exists: false``) would match it and fire forever. Each rule gets a unique ``pri`` (its
position) because the maintainers do not guarantee the order of ties.

``footprint`` measures what durable_rules' fixed-size tables hold for a definition, so that
``ruleset.check_limits`` can refuse a ruleset that would make registration fail or never
return (see the limits in ``ruleset.py`` and the measurements behind them in the README).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from .condition import Condition, Group, to_durable

if TYPE_CHECKING:  # ruleset.check_limits imports this module; no import cycle at run time
    from .ruleset import MergedRuleset

SITUATION_TAG = {"_kind": "situation"}
_GROUPS = ("$and", "$or")


def rule_pattern(condition: Condition) -> dict[str, Any]:
    """The durable_rules pattern (``m``) of one rule's condition, tag included."""
    return {"$and": [SITUATION_TAG, to_durable(condition)]}


def compile_ruleset(merged: MergedRuleset) -> dict[str, Any]:
    """The durable_rules definition of ``merged`` (rule id → pattern and ``pri``), without actions."""
    return {rule.id: {"all": [{"m": rule_pattern(rule.when)}], "pri": position}
            for position, rule in enumerate(merged.rules, start=1)}


def definition_json(merged: MergedRuleset) -> str:
    """The definition as the JSON text durable_rules parses."""
    return json.dumps(compile_ruleset(merged), ensure_ascii=False, sort_keys=True)


def durable_name(merged: MergedRuleset) -> str:
    """A durable_rules ruleset name unique to this merged ruleset's content."""
    return "followup_" + merged.digest.split(":")[-1][:16]


# --- how much of durable_rules' tables a ruleset takes -------------------------------------


@dataclass(frozen=True)
class RuleFootprint:
    """One rule's share: expression slots, and how many times it can fire on one situation."""

    groups: int
    matches: int


@dataclass(frozen=True)
class Footprint:
    """What a compiled ruleset asks of durable_rules' fixed-size tables."""

    rules: dict[str, RuleFootprint]
    distinct_tests: int
    busiest_test: str
    busiest_test_links: int

    @property
    def total_matches(self) -> int:
        """The most rule firings one situation can cause (an upper bound)."""
        return sum(r.matches for r in self.rules.values())


def footprint(merged: MergedRuleset) -> Footprint:
    """Measure ``merged`` as compiled: groups per rule, distinct tests, links per test.

    - Groups: every ``$and``/``$or`` takes two of a rule's 32 expression slots (error 113).
    - Distinct tests: an alpha node keeps its children in a 512-slot hash table whose lookup
      never ends once it is full; a node can have no more children than there are distinct
      ``(fact, operator, value)`` tests in the whole ruleset.
    - Links: a node keeps ``$nex`` children and the ends of ``$or`` branches in a 128-slot
      list (error 107); a test occurring N times, plus every distinct ``$nex`` test, bounds it.
    - Matches: durable_rules fires a rule once per way its ``$or``s match, so nested ``any``s
      multiply; assertion time grows with the product (3^13 ways took 0.35 s in C alone).
    """
    occurrences: Counter[str] = Counter()
    nex: set[str] = set()
    rules: dict[str, RuleFootprint] = {}
    for rule in merged.rules:
        pattern = rule_pattern(rule.when)
        groups = 0
        for kind, test in _walk(pattern):
            if kind == "group":
                groups += 1
            else:
                occurrences[test] += 1
                if test.startswith('{"$nex"'):
                    nex.add(test)
        rules[rule.id] = RuleFootprint(groups, matches(rule.when))
    busiest, links = occurrences.most_common(1)[0] if occurrences else ("", 0)
    return Footprint(rules, len(occurrences), busiest, links + len(nex))


def _walk(expression: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``("group", "")`` for each ``$and``/``$or``, ``("test", json)`` for each alpha test."""
    (key, value), = expression.items()
    if key in _GROUPS:
        yield "group", ""
        for part in value:
            yield from _walk(part)
    else:
        yield "test", json.dumps(expression, sort_keys=True)


def matches(condition: Condition, negate: bool = False) -> int:
    """At most how many times durable_rules fires a rule with this condition on one situation.

    ``any`` fires once per branch that holds; ``all`` multiplies; ``not`` swaps the two (De
    Morgan), as ``condition.to_durable`` does. A leaf fires once, except one that compiles to
    an ``$or`` of equalities (``in``, a negated ``not_in``): it fires once per listed value the
    fact equals, and durable_rules' equality coerces (``true == 1``), so every value counts.
    The ``$or`` that negates a leaf (the negated test, or the fact is absent) cannot hold twice.
    """
    if not isinstance(condition, Group):
        in_like = condition.op == ("not_in" if negate else "in")
        return len(condition.value) if in_like else 1
    if condition.kind == "not":
        return matches(condition.children[0], not negate)
    counts = [matches(child, negate) for child in condition.children]
    if (condition.kind == "any") != negate:
        return sum(counts)
    product = 1
    for count in counts:
        product *= count
    return product
