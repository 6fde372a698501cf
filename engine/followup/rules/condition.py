"""Conditions: a rule's ``when``, as a tree of facts, operators and all/any/not.

One tree has two readings that must agree:
- ``to_durable`` compiles it to a durable_rules expression; durable_rules does the matching.
- ``Condition.explain`` judges it in Python, for the trace of every condition of every rule,
  fired or not, including those a short-circuit would skip. ``Reading`` does the same for a
  whole ruleset at once, judging each distinct condition once, with the same ``HOLDS``.
  ``tests/audit/test_explain_agrees.py`` checks on thousands of generated situations that both
  readings give durable_rules' verdict.

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
from operator import itemgetter
from typing import Any, Callable, Sequence, Union

from followup.base.words import quoted
from followup.base.records import make

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
        return LeafResult(self, present, actual, HOLDS[self.op](present, actual, self.value))

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


#: One evaluation's verdicts under a ``Reading``: ``(present, actual)`` per distinct fact path,
#: and ``held`` per distinct condition (leaves first, then groups, children before parents).
Verdicts = tuple[list[tuple[bool, Any]], list[bool]]


class Reading:
    """``Condition.explain`` for many conditions at once, as a table made once per ruleset.

    Each distinct fact path is looked up once per evaluation and each distinct condition (a
    leaf, or a group of the same children) judged once, however many rules share it: the
    shipped rulesets have about 200 conditions per country, but 100 distinct leaves on 40
    facts. The verdicts are ``Condition.explain``'s, computed by the same ``HOLDS`` and
    ``all``/``any``/``not``; ``results`` makes the ``Result`` objects from them. Conditions
    count as the same only with values of the same type (``1`` and ``1.0`` and ``true`` stay apart, as they print differently).
    """

    def __init__(self, conditions: Sequence[Condition]) -> None:
        self.conditions = tuple(conditions)
        self._paths: dict[str, int] = {}
        self._leaves: dict[tuple[Any, ...], int] = {}
        leaves = [leaf for condition in self.conditions for leaf in condition.leaves()]
        for leaf in leaves:
            self._leaves.setdefault(_key(leaf), len(self._leaves))
            self._paths.setdefault(leaf.fact, len(self._paths))
        self._groups: dict[tuple[Any, ...], int] = {}
        #: Per leaf node: (its first leaf, path index, holds).
        self.leaf_nodes: list[tuple[Leaf, int, Callable[[bool, Any, Any], bool]]] = [
            None] * len(self._leaves)  # type: ignore[list-item]
        for leaf in reversed(leaves):
            self.leaf_nodes[self._leaves[_key(leaf)]] = (leaf, self._paths[leaf.fact], HOLDS[leaf.op])
        #: Per group node: (its first group, child node indices, combine, getter of the children's nodes).
        self.group_nodes: list[tuple[Group, tuple[int, ...], Callable[[Any], bool], Callable[[list[Any]], Any]]] = []
        #: Each condition's node.
        self.roots: tuple[int, ...] = tuple(self._node(c) for c in self.conditions)
        self._parts = tuple(tuple(path.split(".")) for path in self._paths)
        #: Each distinct fact path, in the order of ``judge``'s looked-up values.
        self.paths: tuple[str, ...] = tuple(self._paths)
        #: The number of distinct conditions (leaves, then groups): the length of ``judge``'s verdicts.
        self.size = len(self.leaf_nodes) + len(self.group_nodes)
        self._leaf_ops = tuple((path, holds, leaf.value) for leaf, path, holds in self.leaf_nodes)
        self._group_ops = tuple((combine, getter) for _, _, combine, getter in self.group_nodes)

    def _node(self, condition: Condition) -> int:
        if isinstance(condition, Leaf):
            return self._leaves[_key(condition)]
        nodes = tuple(self._node(child) for child in condition.children)
        key = (condition.kind, nodes)
        if key not in self._groups:
            self._groups[key] = len(self.leaf_nodes) + len(self.group_nodes)
            getter = itemgetter(*nodes) if len(nodes) > 1 else _single(nodes[0])
            self.group_nodes.append((condition, nodes, _COMBINE[condition.kind], getter))
        return self._groups[key]

    def judge(self, facts: dict[str, Any]) -> Verdicts:
        """Every distinct condition's verdict on ``facts`` (none short-circuited)."""
        looked = [lookup_parts(facts, parts) for parts in self._parts]
        held = [holds(*looked[path], value) for path, holds, value in self._leaf_ops]
        append = held.append
        for combine, getter in self._group_ops:
            append(combine(getter(held)))
        return looked, held

    def results(self, verdicts: Verdicts) -> list[Result]:
        """Each distinct condition's ``Condition.explain`` result, by node.

        A node's result stands for every equal condition (as equal conditions give equal
        results): rules with the same condition share one result object.
        """
        looked, held = verdicts
        out: list[Result] = [make(LeafResult, {"condition": leaf, "present": looked[path][0],
                                               "actual": looked[path][1], "held": h})
                             for (leaf, path, _), h in zip(self.leaf_nodes, held)]
        for (group, _, _, getter), h in zip(self.group_nodes, held[len(self.leaf_nodes):]):
            out.append(make(GroupResult, {"condition": group, "children": getter(out), "held": h}))
        return out

    def node_dicts(self, verdicts: Verdicts) -> list[dict[str, Any]]:
        """Each distinct condition's ``Result.to_dict()``, by node; groups share their children's."""
        looked, held = verdicts
        out = [{"fact": leaf.fact, "operator": leaf.op, "expected": leaf.value,
                "actual": looked[path][1] if looked[path][0] else MISSING, "held": h}
               for (leaf, path, _), h in zip(self.leaf_nodes, held)]
        for (group, nodes, _, _), h in zip(self.group_nodes, held[len(self.leaf_nodes):]):
            out.append({group.kind: [out[n] for n in nodes], "held": h})
        return out


def _key(leaf: Leaf) -> tuple[Any, ...]:
    value = leaf.value
    typed = tuple((type(v), v) for v in value) if isinstance(value, tuple) else (type(value), value)
    return leaf.fact, leaf.op, typed


def _single(index: int) -> Callable[[list[bool]], tuple[bool]]:
    return lambda held: (held[index],)


_COMBINE: dict[str, Callable[[Any], bool]] = {"all": all, "any": any, "not": lambda held: not held[0]}


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


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[bool, Any, Any], bool]:
    """An ordering operator: it holds only for a present number (a bool is not one)."""
    def holds(present: bool, actual: Any, expected: Any) -> bool:
        if not present or isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        return test(actual, expected)
    return holds


#: Operator → ``holds(present, actual, expected)``: the Python reading of one leaf.
HOLDS: dict[str, Callable[[bool, Any, Any], bool]] = {
    "exists": lambda present, actual, expected: present == bool(expected),
    "equals": lambda present, actual, expected: present and actual == expected,
    "not_equals": lambda present, actual, expected: present and not actual == expected,
    "in": lambda present, actual, expected: present and any(actual == v for v in expected),
    "not_in": lambda present, actual, expected: present and not any(actual == v for v in expected),
    "less_than": _compare(lambda a, e: a < e),
    "at_most": _compare(lambda a, e: a <= e),
    "greater_than": _compare(lambda a, e: a > e),
    "at_least": _compare(lambda a, e: a >= e),
}


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quoted(value)  # a ruleset's value, in messages too: cut short
    return str(value)


# A fact is read by its dotted path (``contact.phone_kind``) in the facts built from a situation.
def lookup(facts: dict[str, Any], path: str) -> tuple[bool, Any]:
    """``(present, value)`` of a dotted fact path."""
    return lookup_parts(facts, path.split("."))


def lookup_parts(facts: dict[str, Any], parts: Sequence[str]) -> tuple[bool, Any]:
    """``(present, value)`` of a fact path already split at its dots."""
    value: Any = facts
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value
