"""Static checks of a rule's ``when``: facts that exist, values of the right type, timing anchors
the condition guarantees, and conditions that can never hold.

Nothing here decides whether a rule fires on a situation; that is durable_rules' job. Where a
check has to judge a condition on a value, it asks ``Leaf.explain`` (the Python reading of
``condition.py``, proven to agree with durable_rules) about a one-fact situation.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator

from followup.rules.condition import Condition, Leaf
from followup.rules.rule import Rule
from followup.authoring.lint.vocabulary import MINIMUM, VALUE_EXCLUDES, VALUE_IMPLIES, FactType, Vocabulary

NUMERIC_OPS = ("less_than", "at_most", "greater_than", "at_least")
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

def leaf_problems(leaf: Leaf, vocab: Vocabulary) -> list[tuple[str, str]]:
    """``(kind, message)`` for a condition on an unknown fact or with a value of the wrong type."""
    fact = vocab.facts.get(leaf.fact)
    if fact is None:
        return [("unknown-fact", _unknown_fact(leaf.fact, vocab))]
    if leaf.op == "exists":
        return []
    if fact.kind == "object":
        return [("type", f"{leaf.fact} is a group of facts; only 'exists' can test it, not '{leaf.op}'")]
    if leaf.op in NUMERIC_OPS:
        if fact.kind != "integer":
            hint = " (count days with days_since.* or working_days_since.*)" if fact.kind == "date" else ""
            return [("type", f"'{leaf.op}' compares numbers, but {leaf.fact} is {fact.describe()}{hint}; "
                             "durable_rules would compare them anyway, with surprising results")]
        return []
    values = leaf.value if leaf.op in ("in", "not_in") else (leaf.value,)
    return [problem for value in values for problem in _value_problems(leaf, fact, value)]


def _unknown_fact(path: str, vocab: Vocabulary) -> str:
    if path in vocab.schema_fields:
        return (f"{path} is part of the situation, but rules cannot test it directly"
                + ("; use the contacts.* facts" if path.startswith("follow_ups") else ""))
    close = difflib.get_close_matches(path, list(vocab.facts), n=1, cutoff=0.75)
    return f"no fact '{path}' in the situation or the derived facts" + (f"; did you mean '{close[0]}'?" if close else "")


def _value_problems(leaf: Leaf, fact: FactType, value: Any) -> Iterator[tuple[str, str]]:
    expected = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                "boolean": lambda v: isinstance(v, bool)}.get(fact.kind, lambda v: isinstance(v, str))
    if not expected(value):
        yield "type", (f"{leaf.fact} is {fact.describe()}, but the condition compares it with "
                       f"{_json(value)}; durable_rules would coerce it silently")
    elif fact.enum and value not in fact.enum:
        close = difflib.get_close_matches(str(value), [str(v) for v in fact.enum], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        never = " so this condition never holds" if leaf.op in ("equals", "in") else " so this condition always holds when it is given"
        yield "enum", f"{_json(value)} is not a value {leaf.fact} can have ({fact.describe()}),{never}{hint}"
    elif fact.kind == "date" and not _is_date(value):
        yield "type", f"{leaf.fact} is a date, but {_json(value)} is not one (YYYY-MM-DD)"


def _is_date(value: str) -> bool:
    try:
        (datetime if "T" in value else date).fromisoformat(value)
        return True
    except ValueError:
        return False


def _json(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


# --- what a condition guarantees ----------------------------------------------------------

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
