"""Static checks of a rule's ``when``: facts that exist, values of the right type, timing anchors
the condition guarantees, and conditions that can never hold.

Nothing here decides whether a rule fires on a situation; that is durable_rules' job. Where a
check has to judge a condition on a value, it asks ``Leaf.explain`` (the Python reading of
``condition.py``, proven to agree with durable_rules) about a one-fact situation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable

from followup.rules.condition import Condition, Leaf
from followup.rules.rule import Rule
from followup.engine.vocabulary import (MINIMUM, VALUE_EXCLUDES, VALUE_IMPLIES, Vocabulary)

#: A condition's alternatives (its disjunctive normal form) are enumerated up to this many;
#: a larger condition is not checked for satisfiability or conflicts (it is also unreadable).
MAX_ALTERNATIVES = 256

ABSENT = object()
#: A text value equal to no constant of any rule.
FRESH = "\u2063fresh"


@dataclass(frozen=True)
class Literal:
    """One leaf of a condition, required to hold (``positive``) or not to hold."""

    leaf: Leaf
    positive: bool

    def holds(self, facts: dict[str, Any]) -> bool:
        """Judge with the Python reading of the condition."""
        return self.leaf.explain(facts).held == self.positive

    def describe(self) -> str:
        return self.leaf.describe() if self.positive else f"not ({self.leaf.describe()})"


Conjunct = tuple[Literal, ...]


# --- facts and their types ----------------------------------------------------------------

def guaranteed(condition: Condition, vocab: Vocabulary) -> set[str]:
    """The facts every situation on which ``condition`` holds is sure to give."""
    facts, parts = _must(condition, False, vocab)
    return vocab.implied_by(facts, parts)


def _must(condition: Condition, negated: bool, vocab: Vocabulary) -> tuple[set[str], set[str]]:
    if isinstance(condition, Leaf):
        return _leaf_must(condition, negated)
    if condition.kind == "not":
        return _must(condition.children[0], not negated, vocab)
    results = [_must(child, negated, vocab) for child in condition.children]
    if (condition.kind == "all") != negated:  # every child holds: each one's guarantees add up
        return set().union(*(f for f, _ in results)), set().union(*(p for _, p in results))
    closed = [vocab.implied_by(f, p) for f, p in results]  # one child holds: only shared guarantees
    parts = [p | {part for fact in f for part in vocab.needs(fact)} for f, p in results]
    return set.intersection(*closed), set.intersection(*parts)


def _leaf_must(leaf: Leaf, negated: bool) -> tuple[set[str], set[str]]:
    if negated:
        return ({leaf.fact}, set()) if leaf.op == "exists" and leaf.value is False else (set(), set())
    if leaf.op == "exists" and not leaf.value:
        return set(), set()
    values = leaf.value if leaf.op == "in" else (leaf.value,) if leaf.op == "equals" else ()
    implied = [VALUE_IMPLIES.get((leaf.fact, v)) for v in values]
    parts = {implied[0]} if implied and implied[0] and all(p == implied[0] for p in implied) else set()
    return {leaf.fact}, parts


def unguaranteed_anchors(rule: Rule, vocab: Vocabulary) -> list[str]:
    """The dates the rule's timing counts from that its ``when`` does not make sure of."""
    sure = guaranteed(rule.when, vocab)
    return sorted(a for a in rule.then.anchors() if a != "today" and a not in sure)


# --- alternatives and contradictions ------------------------------------------------------

class TooLarge(Exception):
    """The condition has more alternatives than ``MAX_ALTERNATIVES``."""


def alternatives(condition: Condition, negated: bool = False) -> list[Conjunct]:
    """The condition as alternatives (disjunctive normal form): it holds iff one of them does."""
    if isinstance(condition, Leaf):
        return [(Literal(condition, not negated),)]
    if condition.kind == "not":
        return alternatives(condition.children[0], not negated)
    parts = [alternatives(child, negated) for child in condition.children]
    if (condition.kind == "any") != negated:
        out = [c for p in parts for c in p]
    else:
        size = 1
        for p in parts:
            size *= len(p)
        if size > MAX_ALTERNATIVES:
            raise TooLarge()
        out = [tuple(lit for c in combo for lit in c) for combo in itertools.product(*parts)]
    if len(out) > MAX_ALTERNATIVES:
        raise TooLarge()
    return out


def contradiction(conjunct: Conjunct, vocab: Vocabulary) -> str | None:
    """Why no situation can satisfy every literal of ``conjunct``, or None if one might.

    Each fact's literals are judged on every value that could decide them (``domain``); then
    whether the facts that must be given, and those that must not, fit together.
    """
    by_fact: dict[str, list[Literal]] = {}
    for literal in conjunct:
        by_fact.setdefault(literal.leaf.fact, []).append(literal)
    possible: dict[str, list[Any]] = {}
    for fact, literals in by_fact.items():
        possible[fact] = [v for v in domain(fact, literals, vocab) if all(l.holds(nest(fact, v)) for l in literals)]
        if not possible[fact]:
            return _words(literals) + " cannot all hold"
    deciding = sorted({f for f, _ in (*VALUE_IMPLIES, *VALUE_EXCLUDES)} & set(by_fact))
    reasons = [_presence_contradiction(by_fact, possible, dict(zip(deciding, choice)), vocab)
               for choice in itertools.product(*([v for v in possible[f] if v is not ABSENT] for f in deciding))]
    return reasons[0] if reasons and all(reasons) else None


def _presence_contradiction(by_fact: dict[str, list[Literal]], possible: dict[str, list[Any]],
                            values: dict[str, Any], vocab: Vocabulary) -> str | None:
    """Why the facts that must be given and those that must not cannot go together (given ``values``)."""
    present = [f for f in by_fact if ABSENT not in possible[f]]
    absent = [f for f in by_fact if possible[f] == [ABSENT]]
    parts = {VALUE_IMPLIES[(f, v)] for f, v in values.items() if (f, v) in VALUE_IMPLIES}
    excluded = set().union(*(VALUE_EXCLUDES.get((f, v), frozenset()) for f, v in values.items()))
    chosen = " and ".join(f"{f} is {v!r}" for f, v in values.items())
    clash = next((f for f in present if vocab.needs(f) & excluded), None)
    if clash is not None:
        return f"{_words(by_fact[clash])} cannot hold when {chosen}"
    for fact in absent:
        if fact in vocab.implied_by(set(present), parts):
            because = next((f for f in present if f != fact and fact in vocab.implied_by({f})), None)
            why = _words(by_fact[because]) if because else chosen
            return f"{_words(by_fact[fact])} cannot hold" + (f" when {why}" if why else "")
    return None


def _words(literals: list[Literal]) -> str:
    return " and ".join(l.describe() for l in literals)


def domain(fact: str, literals: Iterable[Literal], vocab: Vocabulary) -> list[Any]:
    """Values of ``fact`` that between them decide every literal: if none satisfies, nothing does."""
    info = vocab.facts.get(fact)
    constants = [v for l in literals for v in (l.leaf.value if isinstance(l.leaf.value, tuple) else (l.leaf.value,))
                 if l.leaf.op != "exists"]
    values: list[Any]
    if info is None:
        values = constants + [FRESH]
    elif info.kind == "object":
        values = [{}]
    elif info.kind == "boolean":
        values = [True, False]
    elif info.enum:
        values = list(info.enum)
    elif info.kind == "integer":
        values = [v for v in _critical_integers(constants) if v >= MINIMUM.get(fact, v)]
    else:
        values = [c for c in constants if isinstance(c, str)] + [FRESH]
    if info is None or vocab.can_be_absent(fact):
        values.append(ABSENT)
    return values


def _critical_integers(constants: list[Any]) -> list[int]:
    """Integers around every constant: between two of them, every comparison keeps its verdict."""
    numbers = [c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
    points = {0}
    for c in numbers:
        base = int(c)
        points |= {base - 2, base - 1, base, base + 1, base + 2}
    return sorted(points)


def nest(path: str, value: Any) -> dict[str, Any]:
    """A facts dict with just ``path`` set (nothing, for ``ABSENT``)."""
    if value is ABSENT:
        return {}
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def leaves_with_paths(data: Any, path: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The document path of every leaf of a ``when``, in the order of ``Condition.leaves()``."""
    if isinstance(data, list):
        return [p for i, d in enumerate(data) for p in leaves_with_paths(d, path + (i,))]
    for kind in ("all", "any"):
        if kind in data:
            return [p for i, d in enumerate(data[kind]) for p in leaves_with_paths(d, path + (kind, i))]
    if "not" in data:
        return leaves_with_paths(data["not"], path + ("not",))
    return [path]
