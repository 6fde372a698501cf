"""What a rule can name: every fact, its type, and which parts of a situation it depends on.

The vocabulary is read from the two places that define it, never restated here: the situation
schema (a field's type and enum) and the almanac (``facts.build_facts`` and ``DERIVED_FACTS``).
A field of the schema that ``build_facts`` does not pass on (``notes``, ``follow_ups``) is not
a fact. Which inputs a fact depends on is measured the same way: remove one part of a complete
situation, build the facts again, and see which facts are gone.
"""

from __future__ import annotations

import copy
import difflib
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Iterator

from followup.base.errors import InputError, InputErrors, Location
from followup.engine.facts import DERIVED_FACTS, build_facts
from followup.rules.condition import Leaf
from followup.base.words import QUOTE_LIMIT as LIMIT
from followup.base.words import quoted
from followup.rules.ruleset import MergedRuleset, RuleError, when_location
from followup.load.schema import inlined_schema, local_definition
from followup.load.situation import situation_from_data

#: The day witness situations are advised for: a Wednesday with no public holiday near it in
#: the Nordic countries, so "N working days" and "N days" differ only by weekends.
TODAY = date(2026, 3, 11)



def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


#: A situation with every field given. ``tests/authoring/test_lint_vocabulary.py`` checks that it
#: still covers every field of the situation schema.
FULL: dict[str, Any] = {
    "country": "DK", "today": _day(0), "stage": "interviewed", "outcome": "pending", "position": "Analyst",
    "feels_right": True, "applicant": {"name": "Alex", "phone": "+45 11 22 33 44"}, "language": "da",
    "employer": {"name": "Acme", "size": "small", "sector": "law"}, "role_kind": "sales",
    "application": {"sent_on": _day(-30), "via": "email", "deadline": _day(-25)},
    "posting": {"forbids_calls": False, "forbids_emails": False, "answer_expected_by": _day(-5),
                "shortlisted_only": False},
    "contact": {"name": "Kim", "email": "kim@example.com", "phone": "+45 12 34 56 78", "phone_kind": "work",
                "linkedin": True, "asked_for": "email", "insider": True},
    "interview": {"date": _day(-10), "format": "online", "invited_by": "email", "answer_promised_by": _day(-3),
                  "tone": "warm", "thanked": True},
    "follow_ups": [{"date": _day(-2), "via": "email", "answered": False}],
    "competing_offer": {"answer_by": _day(5), "kind": "offer"},
    "notes": "private",
}

#: What the situation checks (``situation.check_dates``) add to the schema, as lint needs it;
#: ``tests/authoring/test_lint_vocabulary.py`` checks every entry against generated valid situations.
#: A part of the situation one value of a fact requires (stage 'interviewed' needs an interview):
VALUE_IMPLIES: dict[tuple[str, Any], str] = {("stage", "interviewed"): "interview"}
#: Parts one value of a fact rules out (a field of a later stage than ``stage`` is refused):
VALUE_EXCLUDES: dict[tuple[str, Any], frozenset[str]] = {
    ("stage", "considering"): frozenset({"application.sent_on", "interview"}),
    ("stage", "applied"): frozenset({"interview"})}
#: The smallest value of a count: nothing that happened can be in the future, and a history
#: of follow-ups has at least one.
MINIMUM: dict[str, int] = {
    **{f"{kind}.{since}": 0 for kind in ("days_since", "working_days_since")
       for since in ("sent", "interview", "last_follow_up")},
    **{f"contacts.{count}": 0 for count in ("unanswered", "calls", "unanswered_calls", "since_interview",
                                             "unanswered_since_interview")},
    "contacts.total": 1,
}


@dataclass(frozen=True)
class FactType:
    """One fact: its kind (string, date, integer, boolean, object), enum, and meaning."""

    path: str
    kind: str
    enum: tuple[Any, ...] = ()
    meaning: str = ""
    derived: bool = False

    def describe(self) -> str:
        """``text, one of 'a', 'b'`` / ``a whole number``."""
        if self.enum:
            return "one of " + ", ".join(repr(v) for v in self.enum)
        return {"string": "text", "date": "a date (YYYY-MM-DD)", "integer": "a whole number",
                "boolean": "true or false", "object": "a group of facts"}[self.kind]


@dataclass(frozen=True)
class Vocabulary:
    """Every fact rules can test, and the removable parts of a situation each one needs."""

    facts: dict[str, FactType]
    schema_fields: frozenset[str]
    #: fact → the parts of a situation (field paths) whose absence removes the fact.
    units: dict[str, frozenset[str]]

    def needs(self, fact: str) -> frozenset[str]:
        """The situation parts ``fact`` needs (empty: always present, like ``stage``)."""
        return self.units.get(fact, frozenset())

    def can_be_absent(self, fact: str) -> bool:
        return bool(self.needs(fact))

    def implied_by(self, present: set[str], parts: set[str] = frozenset()) -> set[str]:
        """Every fact present whenever all of ``present`` are and the situation ``parts`` are given."""
        given = set(parts)
        for fact in present:
            given |= self.needs(fact)
        return {f for f in self.facts if self.needs(f) <= given}


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, measured once per process."""
    types = fact_types()
    schema_types = dict(_schema_fields(inlined_schema("situation"), ""))
    return replace(types, units=_measure_units(schema_types, types.facts))


@cache
def fact_types() -> Vocabulary:
    """The facts and their types only, without what each depends on (which is slow to measure).

    Enough to tell an unknown fact or a mistyped value, which is all loading a ruleset needs.
    """
    schema_types = dict(_schema_fields(inlined_schema("situation"), ""))
    full_facts = build_facts(_parse(FULL))
    # A list (``interviews``) is never a fact: build_facts passes on what it holds as facts of their own.
    facts = {path: FactType(path, kind, enum) for path, (kind, enum) in schema_types.items()
             if kind != "array" and _present(full_facts, path)}
    for path, info in DERIVED_FACTS.items():
        kind = "date" if info.type == "string" and path.endswith("_on") else info.type
        facts[path] = FactType(path, kind, info.enum, info.meaning, derived=True)
        for prefix in _prefixes(path):
            facts.setdefault(prefix, FactType(prefix, "object", derived=True))
    return Vocabulary(facts, frozenset(schema_types), {})


def _schema_fields(schema: dict[str, Any], prefix: str,
                   root: dict[str, Any] | None = None) -> Iterator[tuple[str, tuple[str, tuple[Any, ...]]]]:
    root = root if root is not None else schema
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        sub = local_definition(sub, root)
        if "enum" in sub:
            yield path, ("string", tuple(v for v in sub["enum"]))
        elif sub.get("type") == "object":
            yield path, ("object", ())
            yield from _schema_fields(sub, path + ".", root)
        elif sub.get("type") == "string" and str(sub.get("format", "")).startswith("date"):
            yield path, ("date", ())
        elif sub.get("type") in ("string", "boolean", "integer", "number", "array"):
            yield path, (sub["type"], ())


def _measure_units(schema_types: dict[str, tuple[str, tuple[Any, ...]]],
                   facts: dict[str, FactType]) -> dict[str, frozenset[str]]:
    full = build_facts(_parse(FULL))
    units: dict[str, set[str]] = {f: set() for f in facts}
    for part in schema_types:
        reduced = copy.deepcopy(FULL)
        if not _remove(reduced, part):
            continue
        if "interview" not in reduced:  # without an interview, the stage it needs goes too
            reduced["stage"] = "applied"
        try:
            without = build_facts(_parse(reduced))
        except InputError:  # a required field: not a part that can be left out on its own
            continue
        for fact in facts:
            if _present(full, fact) and not _present(without, fact):
                units[fact].add(part)
    minimal = build_facts(_parse({"country": FULL["country"], "today": FULL["today"], "stage": "applied"}))
    for fact, needed in units.items():
        if not needed and not _present(minimal, fact):
            # Present if any one of several parts is given (``days_since`` with any date): no
            # single part guarantees it, so nothing does.
            needed.add(f"<one of the parts {fact} is made from>")
    return {f: frozenset(u) for f, u in units.items()}


def _parse(data: dict[str, Any]):
    return situation_from_data(data, "<vocabulary>")


def _remove(data: dict[str, Any], path: str) -> bool:
    *parents, last = path.split(".")
    for part in parents:
        data = data.get(part)
        if not isinstance(data, dict):
            return False
    return data.pop(last, None) is not None


def _present(facts: dict[str, Any], path: str) -> bool:
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


NUMERIC_OPS = ("less_than", "at_most", "greater_than", "at_least")

# --- Refusing what durable_rules would read differently ---------------------------------------

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
        return list(_number_problems(leaf, leaf.value))
    values = leaf.value if leaf.op in ("in", "not_in") else (leaf.value,)
    return [problem for value in values for problem in _value_problems(leaf, fact, value)]


#: durable_rules reads a whole number with C's ``atol``: beyond 64 bits it silently saturates.
INT64 = (-2**63, 2**63 - 1)


def _number_problems(leaf: Leaf, value: Any) -> Iterator[tuple[str, str]]:
    """A number durable_rules would read as another number (or not at all)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        yield "type", (f"{leaf.fact} is compared with {_json(value)}, beyond the 64-bit whole numbers durable_rules "
                       f"reads ({INT64[0]} to {INT64[1]}); it would read another number")
    elif isinstance(value, float) and not math.isfinite(value):
        yield "type", f"{leaf.fact} is compared with {value}, which is not a number durable_rules can read"


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
    elif fact.kind == "integer":
        yield from _number_problems(leaf, value)
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
    """A value as a message shows it, cut short: ruleset values can be any length."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return quoted(value) if isinstance(value, str) else _short(str(value))


def _short(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT] + "\u2026"


# --- what a condition guarantees ----------------------------------------------------------


#: Kinds of lint finding that would make durable_rules and the Python reading of a condition
#: disagree (durable_rules coerces mismatched types) or name nothing at all: never loaded.
REFUSED_AT_LOAD = ("unknown-fact", "type")


def check_facts(merged: MergedRuleset) -> None:
    """Refuse conditions on facts that do not exist or compared with a value of another type."""
    vocab = fact_types()
    errors: list[InputError] = []
    for rule in merged.rules:
        where = when_location(rule)
        for leaf in rule.when.leaves():
            errors += [RuleError(f"rule '{rule.id}': {message}", where, rule.id, kind)
                       for kind, message in leaf_problems(leaf, vocab) if kind in REFUSED_AT_LOAD]
    for template in merged.templates:  # a draft's ``when`` is a condition like a rule's
        origin = template.overrides[-1] if template.overrides else template.origin
        for leaf in template.when.leaves() if template.when is not None else ():
            errors += [RuleError(f"template '{template.id}': {message}", Location(origin.file, origin.line, "when"),
                                 template.id, kind)
                       for kind, message in leaf_problems(leaf, vocab) if kind in REFUSED_AT_LOAD]
    if errors:
        raise InputErrors(errors)
