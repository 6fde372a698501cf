"""followup's matching beside other rule engines, on the same ruleset and the same facts.

Run from a checkout, with ``followup`` and the bench extra installed::

    pip install -e '.[bench]'        # zen-engine (GoRules ZEN) and regopy (OPA's Rego)
    python bench/peers.py            # DK, 2,000 situations checked, 1,000 timed, 7 rounds
    python bench/peers.py --quick    # 200 checked, 100 timed, 3 rounds: a smoke test
    python bench/peers.py --country SE --json

The merged ruleset of one country is converted, rule by rule, into
- a GoRules ZEN decision table (``zen-engine``): hit policy "collect", one row per rule, one
  input column per fact tested directly under the rule's ``all``, one column of whole
  expressions for its ``any``/``not`` parts, and the rule id as the output;
- a Rego module for ``regopy``: one ``fired contains "<id>" if { ... }`` per rule, helper
  rules for ``any`` and negated groups;
- json-rules-engine rules (npm), where ``node`` is on the PATH: one rule per followup rule,
  its id as the event type, evaluated by ``bench/peers.js`` in a node process. The package is
  installed into ``bench/node_modules`` (gitignored) on first use unless ``--no-npm``.

Every peer is fed the facts followup derives (``build_facts``) and must fire exactly the rules
durable_rules fires, on every situation: situations made from the shipped examples
(``bench/situations.py``) and, when hypothesis is installed, from the situation schema
(the tests' generator, in ``tests/conftest.py``). The first difference ends the run with exit 1,
naming the peer, the situation and the rule. ZEN gives no error for a cell it cannot parse or
evaluate, it just never matches the row, so every cell is also validated and evaluated on its
own on every situation checked.

Then each contender makes one pass over the timed situations per round, in an order rotated
every round, so that load from other processes falls on all of them alike; the table gives
the median µs per evaluation and its ratio to followup's matching alone.

Exit codes: 0 all peers agree (and were timed), 1 a peer disagrees or a cell is broken, 2 bad
usage or no peer at all could be run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import followup  # noqa: E402  (after the path: situations.py sits beside this file)
from followup.base.errors import InputError  # noqa: E402
from followup.load.situation import Situation, situation_from_data  # noqa: E402
from followup.render.encode import advice_line  # noqa: E402
from followup.rules.condition import Condition, Group, Leaf, lookup  # noqa: E402
from followup.rules.ruleset import MergedRuleset  # noqa: E402
from situations import variants  # noqa: E402

#: The json-rules-engine release the node driver is written against.
JRE_PACKAGE = "json-rules-engine@7.3.1"
NODE_MODULES = HERE / "node_modules"


class Unexpressible(Exception):
    """A rule (or one of its conditions) a peer's language cannot state as followup means it."""


class Disagreement(Exception):
    """A peer fired other rules than durable_rules on a situation, or a ZEN cell is broken."""


# --- situations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One situation as data, validated, with the facts every engine gets and what followup fires.

    A witness (``witnesses``) has facts only: its ``situation`` is None and ``data`` its facts.
    """

    origin: str
    data: dict[str, Any]
    situation: Situation | None
    facts: dict[str, Any]
    fired: frozenset[str]


def example_situations(count: int, country: str, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` situations from the shipped examples (``bench/situations.py``), all in ``country``."""
    out: list[dict[str, Any]] = []
    for data in variants(seed):
        data = {**data, "country": country}
        if _valid(data):
            out.append(data)
        if len(out) == count:
            return out
    return out


def schema_situations(count: int, country: str, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` situations from the situation schema (the tests' generator, ``tests/conftest.py``), or none without hypothesis.

    Hypothesis draws them, derandomised by ``seed`` and without shrinking or its example
    database, so two runs check the same situations.
    """
    try:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as hypothesis_seed
    except ImportError:
        return []
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import situations as strategy  # the tests' generator, not a copy of it

    drawn: list[dict[str, Any]] = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy())
    def collect(data: dict[str, Any]) -> None:
        drawn.append(data)

    collect()
    out = []
    for data in drawn:
        data = {**data, "country": country}
        if _valid(data):
            out.append(data)
    return out[:count]


def _valid(data: dict[str, Any]) -> bool:
    try:
        situation_from_data(data, "<peers>")
    except InputError:  # a generated situation the new country makes invalid: left out
        return False
    return True


def cases(rules: followup.Rules, datas: Iterable[tuple[str, dict[str, Any]]]) -> list[Case]:
    """Each situation with its facts and the rules durable_rules fires on them."""
    out = []
    for origin, data in datas:
        situation = rules.situation(data)
        # Engine.fired: the facts followup derives and durable_rules' own verdict (internal, fine for a bench).
        _, facts, fired = rules._engine.fired(situation)
        out.append(Case(origin, data, situation, facts, frozenset(fired)))
    return out


def witnesses(rules: followup.Rules, merged: MergedRuleset, cases: Sequence[Case]) -> list[Case]:
    """For each rule, facts made to satisfy it: a row is checked to match where it should.

    Some rules need a rare combination (no e-mail address but a name and a LinkedIn profile)
    and fire on none of thousands of generated situations; agreement on them would then only
    be tested one way. Each witness starts from one situation's facts and sets or removes the
    rule's facts until its condition holds (by followup's own reading, ``Condition.explain``);
    durable_rules' verdict on the result is the reference, as for every case. A rule the
    simple solver cannot satisfy this way is left to the situations.
    """
    samples: dict[str, Any] = {}  # a value each fact takes somewhere, for "exists: true"
    for case in cases:
        for rule in merged.rules:
            for leaf in rule.when.leaves():
                present, value = lookup(case.facts, leaf.fact)
                if present:
                    samples.setdefault(leaf.fact, value)
    out = []
    for number, rule in enumerate(merged.rules):
        facts = json.loads(json.dumps(cases[number % len(cases)].facts))  # a deep copy
        _make(rule.when, True, facts, samples)
        if rule.when.explain(facts).held:
            fired = rules._engine.evaluator.fired(merged, facts)
            out.append(Case(f"witness for '{rule.id}'", facts, None, facts, frozenset(fired)))
    return out


def _make(condition: Condition, hold: bool, facts: dict[str, Any], samples: dict[str, Any]) -> None:
    """Change ``facts`` so that ``condition`` holds (or, ``hold=False``, does not): best effort."""
    if isinstance(condition, Group):
        if condition.kind == "not":
            _make(condition.children[0], not hold, facts, samples)
        elif (condition.kind == "all") == hold:  # all to hold, any to fail: every child
            for child in condition.children:
                _make(child, hold, facts, samples)
        else:  # any to hold, all to fail: the first child is enough
            _make(condition.children[0], hold, facts, samples)
        return
    op, value = condition.op, condition.value
    if not hold:  # a comparison fails on a missing fact; "exists: false" on a present one
        if op == "exists" and not value:
            _set(facts, condition.fact, samples.get(condition.fact, "x"))
        else:
            _set(facts, condition.fact, None)
        return
    wanted = {"equals": value, "in": value[0] if op == "in" else None, "at_least": value, "at_most": value,
              "greater_than": value + 1 if op == "greater_than" else None,
              "less_than": value - 1 if op == "less_than" else None}
    if op in wanted:
        _set(facts, condition.fact, wanted[op])
    elif op == "exists":
        _set(facts, condition.fact, samples.get(condition.fact, "x") if value else None)
    # not_equals, not_in: left as they are (the shipped rules do not use them)


def _set(facts: dict[str, Any], fact: str, value: Any) -> None:
    """Set a dotted fact (None removes it), making the objects on the way."""
    *parents, last = fact.split(".")
    for part in parents:
        if not isinstance(facts.get(part), dict):
            if value is None:
                return
            facts[part] = {}
        facts = facts[part]
    if value is None:
        facts.pop(last, None)
    else:
        facts[last] = value


# --- conversions ----------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _parts(condition: Condition) -> tuple[Condition, ...]:
    """A rule's condition as the conjuncts of its top level (a lone leaf is one conjunct)."""
    if isinstance(condition, Group) and condition.kind == "all":
        return condition.children
    return (condition,)


def _literal(value: Any) -> str:
    """A scalar as JSON text: ZEN's and Rego's literals for strings, numbers and booleans alike."""
    if value is None or not isinstance(value, (str, int, float, bool)):
        raise Unexpressible(f"value {value!r} is not a string, number or boolean")
    return json.dumps(value, ensure_ascii=False)


def _path_parts(fact: str) -> list[str]:
    parts = fact.split(".")
    if not all(_IDENTIFIER.fullmatch(p) for p in parts):
        raise Unexpressible(f"fact path {fact!r} is not a dotted path of identifiers")
    return parts


# ZEN: a cell on a fact's own column is a unary expression on ``$`` (the fact's value, null when
# absent); the expression column sees the whole input. Only full forms are written (``$ == "x"``,
# not the shorthand ``"x"`` or ``>= 3``), because zen's validate_unary_expression refuses the
# shorthands it accepts in tables: with full forms a validation failure means a real error.
_ZEN_ORDER = {"less_than": "<", "at_most": "<=", "greater_than": ">", "at_least": ">="}
_REGO_KEYWORDS = {"as", "contains", "default", "else", "every", "false", "if", "import", "in", "not", "null",
                  "package", "some", "true", "with"}


def zen_leaf(leaf: Leaf, subject: str) -> str:
    """One condition as a ZEN expression on ``subject`` (``$``, or the fact's path).

    A missing fact reads as null in ZEN. Comparisons must not hold on it (followup's semantics),
    and ordering a null is a ZEN error, which a table treats as "no match" silently, so
    also inside a ``not``, where followup would say "holds": hence the explicit guards.
    """
    s, op, value = subject, leaf.op, leaf.value
    if op == "equals":
        return f"{s} == {_literal(value)}"
    if op == "not_equals":
        return f"{s} != null and {s} != {_literal(value)}"
    if op in ("in", "not_in"):
        items = "[" + ", ".join(_literal(v) for v in value) + "]"
        return f"{s} in {items}" if op == "in" else f"{s} != null and not ({s} in {items})"
    if op in _ZEN_ORDER:
        # type(): followup's orderings hold only for numbers (a boolean is not one).
        return f'type({s}) == "number" and {s} {_ZEN_ORDER[op]} {_literal(value)}'
    if op == "exists":
        return f"{s} != null" if value else f"{s} == null"
    raise Unexpressible(f"operator {op!r}")


def zen_expression(condition: Condition) -> str:
    """A condition tree as one ZEN expression over the whole input."""
    if isinstance(condition, Leaf):
        _path_parts(condition.fact)
        return zen_leaf(condition, condition.fact)
    inner = [f"({zen_expression(c)})" for c in condition.children]
    if condition.kind == "not":
        return f"not {inner[0]}"
    return (" and " if condition.kind == "all" else " or ").join(inner)


EXPRESSION_COLUMN = "expression"


def zen_rows(merged: MergedRuleset) -> tuple[list[str], list[dict[str, str]]]:
    """The table's fact columns and one row per rule: column → cell, plus ``rule``."""
    rows: list[dict[str, str]] = []
    columns: dict[str, None] = {}
    for rule in merged.rules:
        cells: dict[str, list[str]] = {}
        for part in _parts(rule.when):
            if isinstance(part, Leaf):
                _path_parts(part.fact)
                cells.setdefault(part.fact, []).append(zen_leaf(part, "$"))
                columns.setdefault(part.fact)
            else:
                cells.setdefault(EXPRESSION_COLUMN, []).append(zen_expression(part))
        # Two tests of one fact are joined without parentheses: zen 2.1.3 fails to compile the
        # unary cell "($ >= 2 and $ <= 6)" (seemingly read as an interval, like "(2..6)"), though
        # validate_unary_expression passes it, and in a table such a row silently never matches.
        # Safe, as every zen_leaf text is a conjunction (it has no "or").
        row = {column: " and ".join(texts if column != EXPRESSION_COLUMN else [f"({t})" for t in texts])
               if len(texts) > 1 else texts[0] for column, texts in cells.items()}
        row["rule"] = rule.id
        rows.append(row)
    return sorted(columns), rows


def zen_graph(merged: MergedRuleset) -> dict[str, Any]:
    """The ruleset as a ZEN decision graph (JDM): input → decision table (collect) → output."""
    facts, rows = zen_rows(merged)
    inputs = [{"id": f"f{i}", "name": fact, "field": fact} for i, fact in enumerate(facts)]
    ids = {fact: f"f{i}" for i, fact in enumerate(facts)}
    if any(EXPRESSION_COLUMN in row for row in rows):
        inputs.append({"id": "x", "name": EXPRESSION_COLUMN})  # no field: the cell sees the whole input
        ids[EXPRESSION_COLUMN] = "x"
    table_rows = []
    for i, row in enumerate(rows):
        cells = {column_id: "" for column_id in ids.values()}  # "" matches anything
        cells.update({ids[column]: text for column, text in row.items() if column != "rule"})
        table_rows.append({"_id": f"r{i}", **cells, "o": _literal(row["rule"])})
    position = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "facts", "position": position},
            {"id": "table", "type": "decisionTableNode", "name": merged.name, "position": position,
             "content": {"hitPolicy": "collect", "inputs": inputs,
                         "outputs": [{"id": "o", "name": "rule", "field": "rule"}], "rules": table_rows}},
            {"id": "out", "type": "outputNode", "name": "fired", "position": position},
        ],
        "edges": [{"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
                  {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"}],
    }


class _RegoWriter:
    """Rego for a ruleset: rule bodies as statement lists, helper rules for ``any`` and ``not``."""

    def __init__(self) -> None:
        self.helpers: list[tuple[str, list[list[str]]]] = []

    @staticmethod
    def ref(fact: str) -> str:
        parts = _path_parts(fact)
        return "input" + "".join(f'["{p}"]' if p in _REGO_KEYWORDS else f".{p}" for p in parts)

    def leaf(self, leaf: Leaf) -> list[str]:
        """One condition as body statements. An undefined ``input`` path makes a statement fail,
        so comparisons need no guard for missing facts; ``not`` is true for them, as in followup."""
        r, op, value = self.ref(leaf.fact), leaf.op, leaf.value
        if op == "equals":
            return [f"{r} == {_literal(value)}"]
        if op == "not_equals":
            return [f"{r} != {_literal(value)}"]
        if op in ("in", "not_in"):
            items = "{" + ", ".join(_literal(v) for v in value) + "}"
            return [f"{r} in {items}"] if op == "in" else [f"_ = {r}", f"not {r} in {items}"]
        if op in _ZEN_ORDER:
            # Rego orders every type (a string is greater than any number): followup only numbers.
            return [f"is_number({r})", f"{r} {_ZEN_ORDER[op]} {_literal(value)}"]
        if op == "exists":
            # `_ = x` holds whenever x is defined, false and null included; `x == x` likewise.
            return [f"_ = {r}"] if value else [f"not {r} == {r}"]
        raise Unexpressible(f"operator {op!r}")

    def body(self, condition: Condition) -> list[str]:
        if isinstance(condition, Leaf):
            return self.leaf(condition)
        if condition.kind == "all":
            return [statement for child in condition.children for statement in self.body(child)]
        if condition.kind == "any":  # a rule with one definition per alternative is Rego's "or"
            return [self.helper([self.body(child) for child in condition.children])]
        inner = self.body(condition.children[0])
        if len(inner) == 1 and not inner[0].startswith(("_ =", "not ")):
            return [f"not {inner[0]}"]
        return [f"not {self.helper([inner])}"]

    def helper(self, bodies: list[list[str]]) -> str:
        name = f"cond_{len(self.helpers)}"
        self.helpers.append((name, bodies))
        return name


def rego_module(merged: MergedRuleset) -> str:
    """The ruleset as one Rego module: ``data.followup.fired`` is the set of fired rule ids."""
    writer = _RegoWriter()
    lines = ["package followup", "", "import rego.v1", ""]

    def block(head: str, body: list[str]) -> None:
        lines.append(head + " if {")
        lines.extend(f"\t{statement}" for statement in (body or ["true"]))
        lines.append("}")

    for rule in merged.rules:
        block(f"fired contains {_literal(rule.id)}", writer.body(rule.when))
    lines.append("")
    for name, bodies in writer.helpers:  # helpers made while writing helpers come after: fine in Rego
        for body in bodies:
            block(name, body)
    return "\n".join(lines) + "\n"


_JRE_ORDER = {"less_than": "lessThan", "at_most": "lessThanInclusive", "greater_than": "greaterThan",
              "at_least": "greaterThanInclusive"}


def jre_condition(condition: Condition) -> dict[str, Any]:
    """A condition tree as json-rules-engine conditions (``exists`` is bench/peers.js's own operator)."""
    if isinstance(condition, Group):
        if condition.kind == "not":
            return {"not": jre_condition(condition.children[0])}
        return {condition.kind: [jre_condition(c) for c in condition.children]}
    first, *rest = _path_parts(condition.fact)
    base: dict[str, Any] = {"fact": first, **({"path": ".".join(rest)} if rest else {})}
    op, value = condition.op, condition.value
    present = {**base, "operator": "exists", "value": True}
    if op == "equals":
        return {**base, "operator": "equal", "value": value}
    if op in ("in", "not_in"):
        test = {**base, "operator": "in" if op == "in" else "notIn", "value": list(value)}
        return test if op == "in" else {"all": [present, test]}
    if op == "not_equals":  # notEqual holds on an undefined fact; followup's comparisons do not
        return {"all": [present, {**base, "operator": "notEqual", "value": value}]}
    if op in _JRE_ORDER:  # these check the fact is a number themselves
        return {**base, "operator": _JRE_ORDER[op], "value": value}
    if op == "exists":
        return {**base, "operator": "exists", "value": bool(value)}
    raise Unexpressible(f"operator {op!r}")


def jre_rules(merged: MergedRuleset) -> list[dict[str, Any]]:
    """The ruleset as json-rules-engine rules: the top level must be all/any/not, so a lone leaf is wrapped."""
    out = []
    for rule in merged.rules:
        conditions = jre_condition(rule.when)
        if not ({"all", "any", "not"} & set(conditions)):
            conditions = {"all": [conditions]}
        out.append({"name": rule.id, "conditions": conditions, "event": {"type": rule.id}})
    return out


# --- peers ----------------------------------------------------------------------------------------


@dataclass
class Timed:
    """One contender of the timing: a name, what it does, and one pass over the timed cases."""

    name: str
    what: str
    one_pass: Callable[[], float]
    runs: int
    times: list[float] = field(default_factory=list)


def _loop(function: Callable[[Any], Any], inputs: Sequence[Any]) -> Callable[[], float]:
    def one_pass() -> float:
        started = time.perf_counter()
        for item in inputs:
            function(item)
        return time.perf_counter() - started
    return one_pass


class Peer:
    """Another rule engine, given a merged ruleset in its own form."""

    name = ""
    package = ""

    def fired(self, facts: dict[str, Any]) -> list[str]:
        """The ids of the rules that fire on ``facts``."""
        raise NotImplementedError

    def verify(self, cases: Sequence[Case]) -> None:
        """Checks of the peer's own beyond firing the same rules (ZEN: its cells)."""

    def timed(self, cases: Sequence[Case]) -> list[Timed]:
        return [Timed(self.name, "matching, facts given", _loop(self.fired, [c.facts for c in cases]), len(cases))]

    def close(self) -> None:
        pass


class Zen(Peer):
    """GoRules ZEN: the ruleset as one decision table, hit policy "collect"."""

    name = "ZEN"
    package = "zen-engine"

    def __init__(self, merged: MergedRuleset) -> None:
        import zen

        self.zen = zen
        self.graph = zen_graph(merged)
        self.rules = merged.rules
        self.key = merged.name
        # Evaluated by key through a static loader: ZenEngine caches the decision it loads, which
        # measured 3-5x faster here than ZenDecision.evaluate on a decision from create_decision
        # (which seems to prepare the graph anew on every call). The fastest path is the fair one.
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {self.key: self.graph}}})
        self.engine.create_decision(json.dumps(self.graph)).validate()  # the graph's own shape

    def fired(self, facts: dict[str, Any]) -> list[str]:
        return [row["rule"] for row in self.engine.evaluate(self.key, facts)["result"]]

    def fired_traced(self, facts: dict[str, Any]) -> list[str]:
        return [row["rule"] for row in self.engine.evaluate(self.key, facts, {"trace": True})["result"]]

    def cells(self) -> list[tuple[str, str | None, str]]:
        """Every non-empty cell: (rule id, its column's field or None for the expression column, text)."""
        table = self.graph["nodes"][1]["content"]
        fields = {column["id"]: column.get("field") for column in table["inputs"]}
        return [(rule.id, fields[column], text) for rule, row in zip(self.rules, table["rules"])
                for column, text in row.items() if column in fields and text]

    def verify(self, cases: Sequence[Case]) -> None:
        """Every cell parses, and evaluates alone without an error on every situation's facts.

        In a table either failure only shows as a row that never matches; followup's
        verdict could then agree by chance on every situation generated.
        """
        compiled = []
        for rule_id, fact, text in self.cells():
            where = f"the cell of rule '{rule_id}' on {fact or 'the expression column'}"
            problem = (self.zen.validate_unary_expression if fact else self.zen.validate_expression)(text)
            if problem:
                raise Disagreement(f"ZEN: {where} does not parse ({problem.get('type')}: {problem.get('source')}): "
                                   f"{text}")
            # Compiled too: validation passes some cells the compiler (and so the table) refuses,
            # e.g. the unary "($ >= 2 and $ <= 6)".
            try:
                expression = (self.zen.compile_unary_expression if fact else self.zen.compile_expression)(text)
            except RuntimeError as exc:
                raise Disagreement(f"ZEN: {where} does not compile ({str(exc).splitlines()[0]}): {text}") from None
            compiled.append((rule_id, fact, text, expression))
        for number, case in enumerate(cases):
            for rule_id, fact, text, expression in compiled:
                context = {"$": _value(case.facts, fact)} if fact else case.facts
                try:
                    result = expression.evaluate(context)
                except Exception as exc:  # zen raises RuntimeError with a JSON text; any failure counts
                    raise Disagreement(f"ZEN: the cell of rule '{rule_id}' on {fact or 'the expression column'} fails "
                                       f"on situation {number} ({case.origin}): {str(exc).splitlines()[0]}\n"
                                       f"  cell: {text}\n  situation: {json.dumps(case.data, ensure_ascii=False)}")
                if not isinstance(result, bool):
                    raise Disagreement(f"ZEN: the cell of rule '{rule_id}' gives {result!r}, not a boolean: {text}")

    def timed(self, cases: Sequence[Case]) -> list[Timed]:
        facts = [c.facts for c in cases]
        return [Timed("ZEN", "decision table, facts given", _loop(self.fired, facts), len(cases)),
                Timed("ZEN with trace", "the same, with its trace (rows that matched)",
                      _loop(self.fired_traced, facts), len(cases))]


def _value(facts: dict[str, Any], fact: str) -> Any:
    present, value = lookup(facts, fact)
    return value if present else None


class Rego(Peer):
    """OPA's Rego, run by regopy (rego-cpp): the module's ``fired`` set."""

    name = "regopy"
    package = "regopy"

    def __init__(self, merged: MergedRuleset) -> None:
        import regopy

        self.module = rego_module(merged)
        self.interpreter = regopy.Interpreter()
        self.interpreter.add_module("followup", self.module)
        # Compiled once into a bundle (rego-cpp's plan); querying it is the fast path.
        self.bundle = self.interpreter.build("fired = data.followup.fired")
        if not self.bundle.ok():
            raise Unexpressible(f"regopy could not compile the module: {self.bundle.node().json()}")

    def fired(self, facts: dict[str, Any]) -> list[str]:
        self.interpreter.set_input(facts)
        output = self.interpreter.query_bundle(self.bundle)
        if not output.ok():
            raise Disagreement(f"regopy: the query failed: {output}")
        return list(output.results[0].bindings["fired"]) if output.results else []

    def timed(self, cases: Sequence[Case]) -> list[Timed]:
        return [Timed("regopy", "Rego module (compiled bundle), facts given",
                      _loop(self.fired, [c.facts for c in cases]), len(cases))]


class JsonRulesEngine(Peer):
    """json-rules-engine in a node process (``bench/peers.js``), one rule per followup rule."""

    name = "json-rules-engine"
    package = JRE_PACKAGE

    def __init__(self, merged: MergedRuleset, modules: Path) -> None:
        self.process = subprocess.Popen(["node", str(HERE / "peers.js")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, encoding="utf-8", env={**os.environ, "NODE_PATH": str(modules)})
        self.ask({"rules": jre_rules(merged)})

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise Disagreement(f"json-rules-engine: node exited ({self.process.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise Disagreement(f"json-rules-engine: {reply['error']}")
        return reply

    def fired(self, facts: dict[str, Any]) -> list[str]:
        return self.ask({"check": facts})["fired"]

    def timed(self, cases: Sequence[Case]) -> list[Timed]:
        self.ask({"keep": [c.facts for c in cases]})
        return [Timed("json-rules-engine", f"rules, facts given (timed in node {_node_version()})",
                      lambda: self.ask({"time": True})["seconds"], len(cases))]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True)
    return done.stdout.strip()


def jre_modules(install: bool) -> Path | str:
    """Where json-rules-engine is installed, or why it cannot be used (a message)."""
    if shutil.which("node") is None:
        return "node is not on the PATH"
    if (NODE_MODULES / "json-rules-engine" / "package.json").exists():
        return NODE_MODULES
    if not install:
        return f"json-rules-engine is not in {NODE_MODULES} (run without --no-npm to install it)"
    if shutil.which("npm") is None:
        return "npm is not on the PATH, so json-rules-engine cannot be installed"
    print(f"installing {JRE_PACKAGE} into {NODE_MODULES} ...", file=sys.stderr)
    # --no-save, --no-package-lock: node_modules only, no package.json or lock file in bench/.
    done = subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
                           "--prefix", str(HERE), JRE_PACKAGE], capture_output=True, text=True)
    if done.returncode != 0:
        return f"npm install {JRE_PACKAGE} failed: {done.stderr.strip()[-300:]}"
    return NODE_MODULES


PEERS = ("zen", "rego", "jre")


def make_peers(merged: MergedRuleset, wanted: Sequence[str], npm: bool = True) -> tuple[list[Peer], list[str]]:
    """The peers that can run here, and a message for each that cannot."""
    peers: list[Peer] = []
    skipped: list[str] = []
    for key in wanted:
        try:
            if key == "zen":
                peers.append(Zen(merged))
            elif key == "rego":
                peers.append(Rego(merged))
            elif key == "jre":
                modules = jre_modules(npm)
                if isinstance(modules, str):
                    skipped.append(f"json-rules-engine skipped: {modules}")
                else:
                    peers.append(JsonRulesEngine(merged, modules))
        except ImportError as exc:
            extra = {"zen": "zen-engine", "rego": "regopy"}[key]
            skipped.append(f"{extra} skipped: not installed ({exc}); pip install -e '.[bench]'")
    return peers, skipped


# --- the check ------------------------------------------------------------------------------------


def check(peer: Peer, merged: MergedRuleset, cases: Sequence[Case]) -> None:
    """Raise ``Disagreement`` at the first situation where ``peer`` fires other rules than durable_rules."""
    peer.verify(cases)
    for number, case in enumerate(cases):
        got = peer.fired(case.facts)
        if len(got) != len(set(got)):
            raise Disagreement(f"{peer.name} fired a rule twice on situation {number}: {sorted(got)}")
        if set(got) != case.fired:
            raise Disagreement(_difference(peer.name, merged, number, case, set(got)))


def _difference(name: str, merged: MergedRuleset, number: int, case: Case, got: set[str]) -> str:
    lines = [f"{name} disagrees with durable_rules on situation {number} ({case.origin}):"]
    for rule_id, says in sorted([(r, "fires") for r in got - case.fired] + [(r, "does not fire") for r in case.fired - got]):
        rule = merged.rule(rule_id)
        lines.append(f"  rule '{rule_id}': {name} {says} it, durable_rules "
                     f"{'does not' if says == 'fires' else 'does'}; when: {rule.when.describe()}")
        for leaf in rule.when.leaves():
            present, value = lookup(case.facts, leaf.fact)
            lines.append(f"    {leaf.fact} = {json.dumps(value) if present else '(missing)'}")
    lines.append(f"  situation: {json.dumps(case.data, ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines)


def coverage(merged: MergedRuleset, cases: Sequence[Case]) -> tuple[list[str], list[str]]:
    """The rules that fired on no situation checked, and those that fired on all of them.

    Agreement on those was only tested one way (the peer fires them never, or always, too).
    """
    ids = [r.id for r in merged.rules]
    never = [i for i in ids if not any(i in c.fired for c in cases)]
    always = [i for i in ids if all(i in c.fired for c in cases)]
    return never, always


# --- timing ---------------------------------------------------------------------------------------


def followup_timed(rules: followup.Rules, merged: MergedRuleset, cases: Sequence[Case]) -> list[Timed]:
    """followup's contenders: the matching alone (the ratios' base), and what a caller pays."""
    evaluator = rules._engine.evaluator  # durable_rules' C core as followup calls it, facts given
    facts = [c.facts for c in cases]
    situations = [c.situation for c in cases]
    return [
        Timed("followup", "durable_rules matching alone, facts given",
              _loop(lambda f: evaluator.fired(merged, f), facts), len(cases)),
        Timed("followup advise + full trace", "Rules.explain: facts, matching, advice, every rule's trace",
              _loop(rules.explain, situations), len(cases)),
        Timed("followup advise as JSON", "Rules.advise(...).to_json_bytes(): advise --format json's document, "
              "full trace (indented)", _loop(lambda s: rules.advise(s).to_json_bytes(), situations), len(cases)),
        Timed("followup advise as a JSON line", "the same document on one line: a batch line with --trace full",
              _loop(lambda s: _line(rules.advise(s), "full"), situations), len(cases)),
        Timed("followup advise, compact line", "a batch line as batch writes it by default (--trace compact)",
              _loop(lambda s: _line(rules.advise(s), "compact"), situations), len(cases)),
        Timed("followup advise, no trace", "a batch line with --trace none: the advice, verdict, draft, record",
              _loop(lambda s: _line(rules.advise(s), "none"), situations), len(cases)),
    ]


def _line(decision: followup.Decision, trace: str) -> bytes:
    """What ``followup batch --trace TRACE`` writes for one situation."""
    return advice_line(decision.advice, decision.record, trace=trace)


def measure(contenders: Sequence[Timed], rounds: int) -> None:
    """Round robin: each round, one pass of each contender, the order rotated every round."""
    for contender in contenders:  # warm-up pass, not counted (caches, lazy compilation, JIT)
        contender.one_pass()
    for r in range(rounds):
        shift = r % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            contender.times.append(contender.one_pass() / contender.runs * 1e6)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor()
    info = Path("/proc/cpuinfo")
    if info.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in info.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    versions = {}
    for package in ("followup", "durable-rules", "zen-engine", "regopy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    jre = NODE_MODULES / "json-rules-engine" / "package.json"
    if jre.exists():
        versions["json-rules-engine"] = json.loads(jre.read_text())["version"]
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "load_1min": os.getloadavg()[0],
            "versions": versions}


def table(contenders: Sequence[Timed], merged: MergedRuleset, checked: int, timed: int, rounds: int,
          where: dict[str, Any]) -> str:
    """The results as a markdown table for the README."""
    base = statistics.median(contenders[0].times)
    v = where["versions"]
    names = {"ZEN": "zen-engine", "ZEN with trace": "zen-engine", "regopy": "regopy",
             "json-rules-engine": "json-rules-engine", "followup": "durable-rules"}
    lines = [f"Ruleset {merged.country or merged.name} ({len(merged.rules)} rules); every peer fired exactly durable_rules' rules on "
             f"{checked:,} situations; timed on {timed:,} situations (from the shipped examples), median of "
             f"{rounds} interleaved rounds; {where['cpu']}, {where['cores']} cores shared with other work "
             f"(load {where['load_1min']:.1f} before, {os.getloadavg()[0]:.1f} after), Python {where['python']}.",
             "",
             "| engine | what is timed | µs per evaluation | × followup's matching |",
             "| --- | --- | ---: | ---: |"]
    for c in contenders:
        median = statistics.median(c.times)
        package = names.get(c.name)
        label = f"{c.name} ({package} {v[package]})" if package in v else c.name
        lines.append(f"| {label} | {c.what} | {median:,.1f} | {median / base:.2f}× |")
    lines.append("")
    lines.append("Command: `python bench/peers.py" + (f" --country {merged.country}" if merged.country != "DK" else "")
                 + "`")
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--country", default="DK", help="whose merged ruleset (default DK)")
    parser.add_argument("--situations", type=int, default=1000, metavar="N",
                        help="situations from the examples (checked and timed) and as many from the schema "
                             "(checked); default 1000")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds (default 7)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated, of {', '.join(PEERS)}")
    parser.add_argument("--quick", action="store_true", help="100 situations of each kind, 3 rounds")
    parser.add_argument("--check-only", action="store_true", help="check the peers agree; no timing")
    parser.add_argument("--no-npm", action="store_true", help="never run npm install for json-rules-engine")
    parser.add_argument("--json", action="store_true", help="also print the timings as JSON")
    args = parser.parse_args(argv)
    count, rounds = (100, 3) if args.quick else (args.situations, args.rounds)
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    if not set(wanted) <= set(PEERS) or count < 1 or rounds < 1:
        parser.error(f"--peers takes {', '.join(PEERS)}; --situations and --rounds at least 1")

    where = machine()
    rules = followup.Rules()
    merged = rules.ruleset(args.country)
    print(f"making situations for {args.country} ...", file=sys.stderr)
    examples = cases(rules, (("examples", d) for d in example_situations(count, args.country)))
    generated = cases(rules, (("schema", d) for d in schema_situations(count, args.country)))
    checked = examples + generated
    checked += witnesses(rules, merged, checked)
    if not generated:
        print("hypothesis is not installed: checking on situations from the examples only", file=sys.stderr)

    try:
        peers, skipped = make_peers(merged, wanted, npm=not args.no_npm)
    except (Unexpressible, Disagreement) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    for message in skipped:
        print(message, file=sys.stderr)
    if not peers:
        print("no peer could be run", file=sys.stderr)
        return 2
    try:
        for peer in peers:
            print(f"checking {peer.name} on {len(checked):,} situations ...", file=sys.stderr)
            check(peer, merged, checked)
        never, always = coverage(merged, checked)
        print(f"all peers agree with durable_rules on {len(checked):,} situations ({len(examples):,} from the "
              f"examples, {len(generated):,} from the schema, {len(checked) - len(examples) - len(generated)} witnesses)" + ("; every ZEN cell parses and evaluates alone"
                                                                  if any(isinstance(p, Zen) for p in peers) else ""),
              file=sys.stderr)
        for ids, how in ((never, "fired on none"), (always, "fired on all")):
            if ids:
                print(f"  {len(ids)} of {len(merged.rules)} rules {how} of them: {', '.join(ids)}", file=sys.stderr)
        if args.check_only:
            return 0
        contenders = followup_timed(rules, merged, examples)
        for peer in peers:
            contenders.extend(peer.timed(examples))
        print(f"timing {len(contenders)} contenders, {rounds} rounds of {len(examples):,} situations ...",
              file=sys.stderr)
        measure(contenders, rounds)
    except Disagreement as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for peer in peers:
            peer.close()
    print(table(contenders, merged, len(checked), len(examples), rounds, where))
    if args.json:
        print(json.dumps({"machine": where, "country": args.country, "checked": len(checked), "timed": len(examples),
                          "rounds": rounds, "us_per_evaluation": {c.name: c.times for c in contenders}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
