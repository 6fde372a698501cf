"""Building an example situation on which a set of literals holds, for lint to show and confirm.

The literals of a conjunct name facts; a situation is made of fields. Each fact is traced to
the one field (or the follow-up history) that sets it, using the vocabulary's measured
dependencies, and each field gets candidate values that make its own literals hold (judged
by ``Leaf.explain`` on a small situation). Combinations of candidates are then assembled into
whole situations, best candidates first, validated like any situation file, and kept only if
every literal holds on the facts the almanac builds from them. The caller confirms the result
with durable_rules: this module proposes, the engine decides.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Iterator

from followup.base.errors import InputError
from followup.engine.facts import CHANNELS, build_facts
from followup.load.mapping import document_from_data
from followup.load.schema import inlined_schema
from followup.load.situation import FollowUp, Situation, situation_from_data
from followup.authoring.lint.conditions import ABSENT, Conjunct, Literal, nest
from followup.engine.vocabulary import FULL, TODAY, Vocabulary

#: Combinations of candidate values tried per conjunct before giving up.
MAX_COMBINATIONS = 300
HISTORY = "follow_ups"
#: The longest history tried: a count of follow-ups compared with a larger number is not met.
MAX_FOLLOW_UPS = 30
_DATE_OFFSETS = (-3, -10, -1, 0, 2, 5, -20)
#: Facts whose value (not presence) also depends on another field: that field is searched too.
_VALUE_DEPENDS = {"contacts.since_interview": "interview.date", "contacts.unanswered_since_interview": "interview.date"}
#: Days filled in for a required date no literal asked for: today is after every other date.
_REPAIRS = {"interview.date": TODAY.isoformat()}


@dataclass(frozen=True)
class Witness:
    """A valid situation (as data and as parsed) and the facts built from it."""

    data: dict[str, Any]
    situation: Situation
    facts: dict[str, Any]


def find_witnesses(conjunct: Conjunct, vocab: Vocabulary, country: str) -> Iterator[Witness]:
    """Valid situations on which every literal of ``conjunct`` holds, best first."""
    by_var: dict[str, list[Literal]] = {}
    for literal in conjunct:
        by_var.setdefault(variable_of(literal.leaf.fact, vocab), []).append(literal)
        if literal.leaf.fact in _VALUE_DEPENDS:
            by_var.setdefault(_VALUE_DEPENDS[literal.leaf.fact], [])
    base = {"country": country, "today": TODAY.isoformat(), "stage": "applied"}
    names = sorted(by_var, key=lambda v: (_is_date(v, vocab) or v == HISTORY, v == HISTORY, v))
    choices = [_candidates(name, by_var[name], vocab, base) for name in names]
    if any(not c for c in choices):
        return
    for combo in itertools.islice(_best_first(choices), MAX_COMBINATIONS):
        witness = _assemble(base, dict(zip(names, combo)), conjunct)
        if witness is not None:
            yield witness


def _best_first(choices: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
    """Every combination of one candidate per field, by the sum of the candidates' ranks.

    In the order of ``itertools.product`` the budget would go on the hundreds of histories
    tried with the first candidate of every other field (an application sent after the
    interview, a date where the literal wants none), before any other field's second.
    """
    sizes = [len(c) for c in choices]
    for total in range(sum(sizes) - len(sizes) + 1):
        for ranks in _ranks(sizes, total):
            yield tuple(c[r] for c, r in zip(choices, ranks))


def _ranks(sizes: list[int], total: int) -> Iterator[tuple[int, ...]]:
    """The rank in each of lists of these ``sizes`` that add up to ``total``."""
    if not sizes:
        yield ()
        return
    rest = sum(sizes[1:]) - len(sizes[1:])
    for rank in range(max(0, total - rest), min(sizes[0] - 1, total) + 1):
        for tail in _ranks(sizes[1:], total - rank):
            yield (rank, *tail)


def variable_of(fact: str, vocab: Vocabulary) -> str:
    """The situation field (or ``follow_ups``) whose value decides ``fact``."""
    needs = vocab.needs(fact)
    if HISTORY in needs:
        return HISTORY
    leaves = [p for p in needs if p in _leaf_fields()]
    if fact in _leaf_fields():
        return fact
    if leaves:
        return max(leaves, key=len)
    for part in sorted(needs, key=len, reverse=True):
        if part in _required_child():
            return _required_child()[part]
    return fact


@cache
def _leaf_fields() -> frozenset[str]:
    return frozenset(_walk(inlined_schema("situation"), ""))


def _walk(schema: dict[str, Any], prefix: str) -> Iterator[str]:
    for name, sub in schema.get("properties", {}).items():
        if sub.get("type") == "object":
            yield from _walk(sub, f"{prefix}{name}.")
        elif sub.get("type") != "array":
            yield f"{prefix}{name}"


@cache
def _required_child() -> dict[str, str]:
    """Object field → the field it cannot be given without (``interview`` → ``interview.date``)."""
    out = {}
    for name, sub in inlined_schema("situation")["properties"].items():
        if sub.get("type") == "object":
            required = sub.get("required") or list(sub.get("properties", {}))[:1]
            out[name] = f"{name}.{required[0]}"
    return out


def _is_date(name: str, vocab: Vocabulary) -> bool:
    info = vocab.facts.get(name)
    return info is not None and info.kind == "date"


def _candidates(name: str, literals: list[Literal], vocab: Vocabulary, base: dict[str, Any]) -> list[Any]:
    if name == HISTORY:
        values: list[Any] = list(_histories(literals))
    elif _is_date(name, vocab):
        values = [_day(o) for o in _offsets(literals)] + [ABSENT]
    else:
        values = _plain_values(name, literals, vocab)
    own = [l for l in literals if l.leaf.fact not in _VALUE_DEPENDS]  # the others are judged when assembled
    return [v for v in values if _judge(name, v, own, base)]


def _plain_values(name: str, literals: list[Literal], vocab: Vocabulary) -> list[Any]:
    info = vocab.facts.get(name)
    constants = [v for l in literals if l.leaf.op != "exists"
                 for v in (l.leaf.value if isinstance(l.leaf.value, tuple) else (l.leaf.value,))]
    if info is not None and info.kind == "boolean":
        values: list[Any] = [True, False]
    elif info is not None and info.enum:
        values = list(info.enum)
    else:
        texts = [c for c in constants if isinstance(c, str)]
        values = list(dict.fromkeys(texts + [_fresh(_sample(name), texts)]))
    if info is None or vocab.can_be_absent(name):
        values.append(ABSENT)
    return values


def _sample(name: str) -> Any:
    value: Any = FULL
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if value is not None else "x"


def _fresh(sample: Any, constants: list[str]) -> Any:
    """``sample``, or if a literal names it a text like it that none names (for a ``not``)."""
    if not isinstance(sample, str):
        return sample
    while sample in constants:
        sample += sample[-1:] or "x"  # the last character doubled keeps most patterns' shape
    return sample


def _offsets(literals: list[Literal]) -> list[int]:
    offsets = list(_DATE_OFFSETS)
    for literal in literals:
        leaf = literal.leaf
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for c in values:
            if isinstance(c, bool) or not isinstance(c, (int, float)):
                continue
            c = int(c)
            if leaf.fact.startswith("days_since."):
                offsets += [-c - 1, -c, -c + 1]
            elif leaf.fact.startswith("days_until."):
                offsets += [c - 1, c, c + 1]
            elif leaf.fact.startswith("working_days_since."):
                centre = -round(c * 7 / 5)
                offsets += list(range(centre - 6, centre + 7))
    return list(dict.fromkeys(o for o in offsets if abs(o) < 365 * 4))


def _histories(literals: list[Literal]) -> Iterator[Any]:
    """Follow-up histories: none, then one to three follow-ups ending a few days before today.

    Each follow-up is by email, phone or a channel a literal names (and one no literal names,
    when they name both email and phone: for ``last_via`` is none of them). A literal counting
    follow-ups up to a larger number gets histories that long too: a three-long one after
    earlier follow-ups on the day of its first, by its channel, all answered or none (so
    every count of unanswered ones at the end up to three comes with each length).
    """
    yield ABSENT
    named = [v for l in literals for v in _channel_constants(l)]
    vias = list(dict.fromkeys(["email", "phone"] + named))
    vias += [c for c in CHANNELS if c not in named][:1] if set(vias) <= set(named) else []
    gaps = list(dict.fromkeys([1, 0, 4, 15] + [g for l in literals for g in _gap_constants(l)]))
    for length in (1, 2, 3):
        for steps in itertools.product(itertools.product(vias, (False, True)), repeat=length):
            for gap in gaps:
                yield _spaced(steps, gap)
    for length in sorted({n for l in literals for n in _count_lengths(l)}):
        for steps in itertools.product(itertools.product(vias, (False, True)), repeat=3):
            for earlier in (False, True):
                for gap in gaps:
                    first = _follow_up(-gap - 4, steps[0][0], earlier)
                    yield tuple(dict(first) for _ in range(length - 3)) + _spaced(steps, gap)


def _spaced(steps: tuple[tuple[str, bool], ...], gap: int) -> tuple[dict[str, Any], ...]:
    """Follow-ups by these (via, answered) steps, two days apart, the last ``gap`` days before today."""
    return tuple(_follow_up(-gap - (len(steps) - 1 - i) * 2, via, answered) for i, (via, answered) in enumerate(steps))


def _follow_up(offset: int, via: str, answered: bool) -> dict[str, Any]:
    return {"date": _day(offset), "via": via, "answered": answered}


def _channel_constants(literal: Literal) -> list[str]:
    values = literal.leaf.value if isinstance(literal.leaf.value, tuple) else (literal.leaf.value,)
    return [v for v in values if v in CHANNELS]


def _count_lengths(literal: Literal) -> list[int]:
    """Lengths beyond three a history needs for a count of follow-ups to reach ``literal``'s numbers."""
    if not literal.leaf.fact.startswith("contacts.") or literal.leaf.op == "exists":
        return []
    values = literal.leaf.value if isinstance(literal.leaf.value, tuple) else (literal.leaf.value,)
    return [n for c in values if isinstance(c, int) and not isinstance(c, bool) for n in (c, c + 1)
            if 3 < n <= MAX_FOLLOW_UPS]


def _gap_constants(literal: Literal) -> list[int]:
    if not literal.leaf.fact.endswith("since.last_follow_up") or literal.leaf.op == "exists":
        return []
    values = literal.leaf.value if isinstance(literal.leaf.value, tuple) else (literal.leaf.value,)
    return [g for c in values if isinstance(c, int) and not isinstance(c, bool) for g in (c - 1, c, c + 1) if 0 <= g < 365]


def _judge(name: str, value: Any, literals: list[Literal], base: dict[str, Any]) -> bool:
    """Whether the literals on this one field hold with it set to ``value`` and nothing else."""
    if all(l.leaf.fact == name for l in literals):
        return all(l.holds(nest(name, value)) for l in literals)
    if name == HISTORY:
        # Hundreds of histories per conjunct: built directly (the final situation is validated).
        history = () if value is ABSENT else tuple(FollowUp(date.fromisoformat(f["date"]), f["via"], f["answered"])
                                                     for f in value)
        situation = Situation(base["country"], base["stage"], TODAY, follow_ups=history)
        return all(l.holds(build_facts(situation)) for l in literals)
    witness = _build(_with(base, name, value))
    return witness is not None and all(l.holds(witness.facts) for l in literals)


def _assemble(base: dict[str, Any], values: dict[str, Any], conjunct: Conjunct) -> Witness | None:
    data = dict(base)
    for name, value in values.items():
        data = _with(data, name, value)
    witness = _build(data)
    if witness is None or not all(l.holds(witness.facts) for l in conjunct):
        return None
    return witness


def _with(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """``data`` with the field ``name`` set (or left out), and the fields it cannot go without."""
    # A copy in plain JSON values, as a situation file gives (tuples as lists, dates as text),
    # whose nested mappings can be changed below without changing ``data``.
    out = document_from_data(data, "<example>").data
    if value is ABSENT:
        return _repaired(out)
    if name == HISTORY:
        out[HISTORY] = list(value)
        return _repaired(out)
    *parents, last = name.split(".")
    target = out
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
    return _repaired(out)


def _repaired(data: dict[str, Any]) -> dict[str, Any]:
    """Fill in what a situation cannot go without: an interview's day, an offer's answer day."""
    properties = inlined_schema("situation")["properties"]
    for parent, child in _required_child().items():
        key = child.split(".", 1)[1]
        if isinstance(data.get(parent), dict) and key in properties[parent].get("required", []):
            data[parent].setdefault(key, _REPAIRS.get(child, _sample(child)))
    if data.get("stage") == "interviewed" and "interview" not in data:
        data["interview"] = {"date": _REPAIRS["interview.date"]}
    # A field of a later stage than ``stage`` is refused (load/situation.py): the stage follows it.
    if "interview" in data:
        data["stage"] = "interviewed"
    elif data.get("stage") == "considering" and data.get("application", {}).get("sent_on"):
        data["stage"] = "applied"
    return data


def _build(data: dict[str, Any]) -> Witness | None:
    try:
        situation = situation_from_data(data, "<example>")
    except InputError:
        return None
    return Witness(data, situation, build_facts(situation))


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()
