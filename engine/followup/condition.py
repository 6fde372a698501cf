"""Conditions: a rule's ``when``, as a tree of facts, operators and all/any/not.

One tree has two readings that must agree:
- ``to_durable`` compiles it to a durable_rules expression; durable_rules does the matching.
- ``Condition.explain`` judges it in Python, for the trace of every condition of every rule,
  fired or not, including those a short-circuit would skip. ``tests/test_explain_agrees.py``
  checks on thousands of generated situations that both readings give the same verdict.

Semantics, stated once:
- A comparison (``equals``, ``not_equals``, ``in``, ``not_in``, ``less_than``, ``at_most``,
  ``greater_than``, ``at_least``) holds only when the fact is present in the situation.
  durable_rules behaves this way; making the Python reading do the same keeps them equal.
- ``exists: true`` holds when the fact is present; ``exists: false`` when it is absent.
- ``not`` is plain negation: it holds whenever its inner condition does not, including when
  the fact is missing. It compiles to the negated operator OR "the fact is absent".
- ``all`` and ``any`` are the usual conjunction and disjunction.

There is deliberately no regular-expression operator: durable_rules has its own regex
dialect, and a second one in Python could disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .facts import lookup

Scalar = Union[str, int, float, bool]

#: Operator → (its durable_rules form, the operator of its negation, words for people).
OPERATORS: dict[str, tuple[str, str, str]] = {
    "equals": ("$eq", "not_equals", "is"),
    "not_equals": ("$neq", "equals", "is not"),
    "in": ("$in", "not_in", "is one of"),
    "not_in": ("$nin", "in", "is none of"),
    "less_than": ("$lt", "at_least", "is less than"),
    "at_most": ("$lte", "greater_than", "is at most"),
    "greater_than": ("$gt", "at_most", "is more than"),
    "at_least": ("$gte", "less_than", "is at least"),
    "exists": ("$ex", "exists", "is given"),
}

MISSING = "missing"


@dataclass(frozen=True)
class Leaf:
    """``fact <operator> value``."""

    fact: str
    op: str
    value: Any

    def explain(self, facts: dict[str, Any]) -> "LeafResult":
        """Judge this condition against ``facts``."""
        present, actual = lookup(facts, self.fact)
        return LeafResult(self, present, actual, _holds(self.op, self.value, present, actual))

    def leaves(self) -> list["Leaf"]:
        return [self]

    def describe(self) -> str:
        """The condition in words: ``application.via is not 'in_person'``."""
        if self.op == "exists":
            return f"{self.fact} is {'given' if self.value else 'not given'}"
        return f"{self.fact} {OPERATORS[self.op][2]} {_show(self.value)}"


@dataclass(frozen=True)
class Group:
    """``all``, ``any`` or ``not`` of child conditions (``not`` has exactly one)."""

    kind: str
    children: tuple["Condition", ...]

    def explain(self, facts: dict[str, Any]) -> "GroupResult":
        """Judge every child (no short-circuit) and combine."""
        results = tuple(child.explain(facts) for child in self.children)
        if self.kind == "all":
            held = all(r.held for r in results)
        elif self.kind == "any":
            held = any(r.held for r in results)
        else:
            held = not results[0].held
        return GroupResult(self, results, held)

    def leaves(self) -> list[Leaf]:
        return [leaf for child in self.children for leaf in child.leaves()]

    def describe(self) -> str:
        if self.kind == "not":
            return f"not ({self.children[0].describe()})"
        joiner = " and " if self.kind == "all" else " or "
        return joiner.join(f"({c.describe()})" if isinstance(c, Group) else c.describe() for c in self.children)


Condition = Union[Leaf, Group]


@dataclass(frozen=True)
class LeafResult:
    """How one condition fared: the value it saw (if the fact was present) and the verdict."""

    condition: Leaf
    present: bool
    actual: Any
    held: bool

    def to_dict(self) -> dict[str, Any]:
        c = self.condition
        return {"fact": c.fact, "operator": c.op, "expected": c.value,
                "actual": self.actual if self.present else MISSING, "held": self.held}

    def first_failure(self) -> "LeafResult | None":
        return None if self.held else self

    def leaf_results(self) -> list["LeafResult"]:
        return [self]


@dataclass(frozen=True)
class GroupResult:
    """How a group fared, with the results of all its children."""

    condition: Group
    children: tuple["Result", ...]
    held: bool

    def to_dict(self) -> dict[str, Any]:
        return {self.condition.kind: [c.to_dict() for c in self.children], "held": self.held}

    def first_failure(self) -> "Result | None":
        """The first child that made this group fail (the group itself for a failed ``not``)."""
        if self.held:
            return None
        if self.condition.kind == "not":
            return self
        for child in self.children:
            failure = child.first_failure()
            if failure is not None:
                return failure
        return self

    def leaf_results(self) -> list[LeafResult]:
        out: list[LeafResult] = []
        for child in self.children:
            out.extend(child.leaf_results() if isinstance(child, GroupResult) else [child])
        return out


Result = Union[LeafResult, GroupResult]


def parse_condition(data: dict[str, Any] | list[Any]) -> Condition:
    """Build a condition tree from validated ruleset data (a list means ``all``)."""
    if isinstance(data, list):
        return Group("all", tuple(parse_condition(d) for d in data))
    for kind in ("all", "any"):
        if kind in data:
            return Group(kind, tuple(parse_condition(d) for d in data[kind]))
    if "not" in data:
        return Group("not", (parse_condition(data["not"]),))
    (op, value), = ((k, v) for k, v in data.items() if k != "fact")
    if op in ("in", "not_in"):
        value = tuple(value)
    return Leaf(data["fact"], op, value)


def condition_to_data(condition: Condition) -> dict[str, Any]:
    """The ruleset form of a condition tree (inverse of ``parse_condition``)."""
    if isinstance(condition, Leaf):
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        return {"fact": condition.fact, condition.op: value}
    if condition.kind == "not":
        return {"not": condition_to_data(condition.children[0])}
    return {condition.kind: [condition_to_data(c) for c in condition.children]}


def to_durable(condition: Condition, negate: bool = False) -> dict[str, Any]:
    """The durable_rules expression for a condition (or for its negation)."""
    if isinstance(condition, Group):
        if condition.kind == "not":
            return to_durable(condition.children[0], not negate)
        kind = condition.kind if not negate else ("any" if condition.kind == "all" else "all")
        parts = [to_durable(c, negate) for c in condition.children]
        return parts[0] if len(parts) == 1 else {"$and" if kind == "all" else "$or": parts}
    if not negate:
        return _leaf(condition.fact, condition.op, condition.value)
    if condition.op == "exists":
        return _leaf(condition.fact, "exists", not condition.value)
    negated = _leaf(condition.fact, OPERATORS[condition.op][1], condition.value)
    return {"$or": [negated, {"$nex": {condition.fact: 1}}]}


def _leaf(fact: str, op: str, value: Any) -> dict[str, Any]:
    if op == "exists":
        return {"$ex" if value else "$nex": {fact: 1}}
    if op == "equals":
        return {fact: value}
    if op in ("in", "not_in"):
        parts = [_leaf(fact, "equals" if op == "in" else "not_equals", v) for v in value]
        return parts[0] if len(parts) == 1 else {"$or" if op == "in" else "$and": parts}
    return {OPERATORS[op][0]: {fact: value}}


def _holds(op: str, expected: Any, present: bool, actual: Any) -> bool:
    if op == "exists":
        return present == bool(expected)
    if not present:
        return False
    if op == "equals":
        return _same(actual, expected)
    if op == "not_equals":
        return not _same(actual, expected)
    if op == "in":
        return any(_same(actual, v) for v in expected)
    if op == "not_in":
        return not any(_same(actual, v) for v in expected)
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    return {"less_than": actual < expected, "at_most": actual <= expected,
            "greater_than": actual > expected, "at_least": actual >= expected}[op]


def _same(actual: Any, expected: Any) -> bool:
    return actual == expected


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)
