"""Compiling a merged ruleset into a durable_rules ruleset definition, and measuring its size.

Each rule becomes one durable_rules rule whose single pattern is the rule's condition ANDed
with ``_kind == "situation"``. The tag matters: should a state fact ever reach the session
(the stock host asserts one after every action), a condition built only on absent fields
(``exists: false``) would match it and fire forever. Each rule gets a unique ``pri`` (its
position) because the maintainers do not guarantee the order of ties.

``footprint`` measures what durable_rules' fixed-size tables hold for a definition, so that
``ruleset.check_limits`` can refuse a ruleset that would make registration fail or never
return, or matching fail (see the limits in ``ruleset.py``, the measurements behind them in
the README, and ``tests/rules/test_limits.py``).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup.rules.condition import Condition, Group, to_durable

if TYPE_CHECKING:  # ruleset.check_limits imports this module; no import cycle at run time
    from followup.rules.ruleset import MergedRuleset

SITUATION_TAG = {"_kind": "situation"}
_GROUPS = ("$and", "$or")


def rule_pattern(condition: Condition) -> dict[str, Any]:
    """The durable_rules pattern (``m``) of one rule's condition, tag included."""
    return {"$and": [SITUATION_TAG, to_durable(condition)]}


def compile_ruleset(merged: MergedRuleset) -> dict[str, Any]:
    """The durable_rules definition of ``merged`` (rule id → pattern and ``pri``), without actions."""
    return {rule.id: {"all": [{"m": rule_pattern(rule.when)}], "pri": position}
            for position, rule in enumerate(merged.rules, start=1)}


#: An internal rule that fires first on every situation. durable_rules 2.0.28 never initialises
#: a new session's action context (state.c, createStateNode) and frees it when the session is
#: deleted: a session in which no action ever ran may free garbage and crash the process (seen
#: on the first evaluation of a ruleset that fired nothing). One action makes the context valid.
#: The name cannot clash: rule ids start with a letter or digit.
SENTINEL = "_every_situation"


def definition_json(merged: MergedRuleset) -> str:
    """The definition durable_rules registers, as JSON: the rules, and the sentinel first."""
    definition = {SENTINEL: {"all": [{"m": SITUATION_TAG}], "pri": 0}, **compile_ruleset(merged)}
    return durable_json(definition)


def durable_json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True)``, with numbers durable_rules can read.

    durable_rules' JSON reader (json.c, getNumber) takes an exponent only after a fraction:
    ``1e-05``, which is how Python writes 0.00001, fails the whole ruleset (error 204), while
    ``1.0e-05`` is read by ``atof`` as the same double. Everything else is written as
    ``json.dumps`` writes it, so the definition of a ruleset without such numbers is unchanged.
    Whole numbers beyond 64 bits (which its ``atol`` would saturate) and NaN or infinities are
    refused before this, when the ruleset is loaded (``vocabulary.leaf_problems``).
    """
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {durable_json(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(durable_json(v) for v in value) + "]"
    if isinstance(value, float):
        return durable_float(value)
    return json.dumps(value, ensure_ascii=False)


def durable_float(value: float) -> str:
    """``repr(value)`` (the shortest text that reads back as the same double), with a fraction
    before any exponent: ``1e-05`` → ``1.0e-05``."""
    if not math.isfinite(value):
        raise ValueError(f"durable_rules cannot read the number {value!r}")
    text = repr(value)
    mantissa, exponent, power = text.partition("e")
    if exponent and "." not in mantissa:
        return f"{mantissa}.0e{power}"
    return text


def durable_name(merged: MergedRuleset) -> str:
    """A durable_rules ruleset name unique to this merged ruleset's content."""
    return "followup_" + merged.digest.split(":")[-1][:16]


# --- how much of durable_rules' tables a ruleset takes -------------------------------------
#
# durable_rules compiles patterns into an alpha network of fixed-size tables (rete.c, events.c):
# - a node keeps the tests below it in a 512-slot hash table; once all 512 slots are taken, the
#   next lookup probes forever (registration never returns);
# - a node keeps "is absent" tests and the ends of ``$or`` branches in a 128-slot list (error 107);
# - a node feeds at most 256 rules (error 108); a rule has 32 expression slots, 2 per group (113);
# - matching walks the network with a stack of 64 nodes (error 303; deleting the session after
#   it crashed the process here).
# ``footprint`` rebuilds the network's shape the way rete.c does (a test under the same parent is
# shared; every ``$or`` gets a new forward node that each branch's end links to) and measures it.
# It never decides whether a rule fires: that stays durable_rules' job.


@dataclass
class _Node:
    """One alpha node of the network's shape: its tests below, its list, the rules it feeds."""

    tests: dict[tuple[str, str, str], "_Node"]
    listed: list["_Node"]
    key: tuple[str, str, str] | None = None
    rules: int = 0


def _node(key: tuple[str, str, str] | None = None) -> _Node:
    return _Node({}, [], key)


@dataclass(frozen=True)
class RuleFootprint:
    """One rule's share: expression slots, and how many times it can fire on one situation."""

    groups: int
    matches: int


@dataclass(frozen=True)
class Footprint:
    """What a compiled ruleset asks of durable_rules' fixed-size tables (maxima over all nodes)."""

    rules: dict[str, RuleFootprint]
    widest: int        # tests under one node (hash table of 512)
    longest_list: int  # absent-tests and $or links of one node (list of 128)
    most_rules: int    # rules fed by one node (256)
    stack: int         # the deepest the matching stack can get (64)

    @property
    def total_matches(self) -> int:
        """The most rule firings one situation can cause (an upper bound)."""
        return sum(r.matches for r in self.rules.values())


#: Footprints by ruleset digest: linting and registering measure the same ruleset once.
_FOOTPRINTS: dict[str, Footprint] = {}


def footprint(merged: MergedRuleset) -> Footprint:
    """Measure ``merged`` as durable_rules would build it (once per ruleset digest)."""
    digest = getattr(merged, "digest", "")  # a ruleset still being built (lint, tests) has none
    found = _FOOTPRINTS.get(digest) if digest else None
    if found is None:
        found = _measure(merged)
        if digest:
            if len(_FOOTPRINTS) >= 64:
                _FOOTPRINTS.clear()
            _FOOTPRINTS[digest] = found
    return found


def _measure(merged: MergedRuleset) -> Footprint:
    root = _node()
    _build(SITUATION_TAG, root).rules += 1  # the sentinel
    rules: dict[str, RuleFootprint] = {}
    for rule in merged.rules:
        pattern = rule_pattern(rule.when)
        _build(pattern, root).rules += 1
        rules[rule.id] = RuleFootprint(_groups(pattern), matches(rule.when))
    nodes = _all_nodes(root)
    return Footprint(rules, max(len(n.tests) for n in nodes), max(len(n.listed) for n in nodes),
                     max(n.rules for n in nodes), _stack(root))


def _build(expression: dict[str, Any], parent: _Node) -> _Node:
    """Add ``expression`` below ``parent`` as rete.c's createAlpha does; returns its end node."""
    (key, value), = expression.items()
    if key == "$and":
        for part in value:
            parent = _build(part, parent)
        return parent
    if key == "$or":
        forward = _node()
        for part in value:
            _build(part, parent).listed.append(forward)
        return forward
    test = _test_key(key, value)
    if test[1] == "$nex":
        found = next((n for n in parent.listed if n.key == test), None)
        if found is None:
            found = _node(test)
            parent.listed.append(found)
        return found
    return parent.tests.setdefault(test, _node(test))


def _test_key(key: str, value: Any) -> tuple[str, str, str]:
    if key.startswith("$"):
        (fact, operand), = value.items()
        return fact, key, json.dumps(operand)
    return key, "$eq", json.dumps(value)


def _groups(expression: dict[str, Any]) -> int:
    (key, value), = expression.items()
    return 1 + sum(_groups(part) for part in value) if key in _GROUPS else 0


def _all_nodes(root: _Node) -> list[_Node]:
    seen: dict[int, _Node] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.listed)
            stack.extend(node.tests.values())
    return list(seen.values())


def _stack(root: _Node) -> int:
    """An upper bound of events.c's matching stack (handleAlpha, a depth-first walk).

    Popping a node pushes every entry of its list (forward nodes always, absent-tests when the
    fact is absent) and every test below it that holds. Tests of one fact with ``$eq`` hold
    together only for values durable_rules coerces to the same (``1``, ``1.0``, ``"1"``,
    ``true``); all other tests may hold together.
    """
    memo: dict[int, int] = {}

    def deepest(node: _Node) -> int:
        if id(node) not in memo:
            pushed = len(node.listed) + _holding_together(node.tests)
            children = [*node.listed, *node.tests.values()]
            memo[id(node)] = max([pushed, *(pushed - 1 + deepest(c) for c in children)])
        return memo[id(node)]

    return deepest(root)


def _holding_together(tests: dict[tuple[str, str, str], _Node]) -> int:
    equal: Counter[tuple[str, Any]] = Counter()
    others = 0
    for fact, operator, operand in tests:
        if operator == "$eq":
            equal[(fact, _coerced(json.loads(operand)))] += 1
        else:
            others += 1
    most: dict[str, int] = {}
    for (fact, _), count in equal.items():
        most[fact] = max(most.get(fact, 0), count)
    return others + sum(most.values())


def _coerced(value: Any) -> Any:
    """The value durable_rules' equality sees: numbers, booleans and numeric text as one number."""
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return json.dumps(value)


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
