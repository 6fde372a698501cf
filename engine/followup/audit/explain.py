"""The full trace: every rule of the merged ruleset, fired or not, condition by condition.

json-rules-engine records condition results but not those a short-circuit skipped; GoRules
ZEN records nothing for a rule that did not match. This trace holds, for every rule:
- whether it fired, as durable_rules decided (nothing here matches anything again);
- for every condition, however deep in ``all``/``any``/``not``: the fact, the operator, the
  expected value, the actual value (or ``missing``) and whether it held. This is
  ``Condition.explain``, the Python reading of the same condition tree, which
  ``tests/audit/test_explain_agrees.py`` shows agrees with durable_rules on generated rules and
  situations. Should they ever disagree, the rule is listed in ``disagreements``, never hidden;
- the rule's layer, effect, ``because`` and source, and for a fired rule every part of its
  effect that a higher rule or the resolver set aside (``overridden_by``).

It is computed on demand and at most once per advice (cached on the advice's ``Basis``), so
advice printed as text never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Collection, Mapping

from followup.engine.advice import Advice, Basis, OverriddenBy
from followup.rules.condition import GroupResult, Reading, Result, Verdicts
from followup.base.errors import EngineError
from followup.engine.prepared import per_ruleset
from followup.base.records import make, to_json_data
from followup.rules.rule import Rule
from followup.rules.ruleset import Disabled, MergedRuleset


@dataclass(frozen=True)
class RuleTrace:
    """One rule of the merged ruleset in one evaluation."""

    rule: Rule
    fired: bool
    result: Result
    overridden_by: tuple[OverriddenBy, ...] = ()

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def agrees(self) -> bool:
        """Whether the Python reading of the condition gives durable_rules' verdict."""
        return self.fired == self.result.held

    def blocking(self) -> Result | None:
        """The first condition that kept this rule from firing; None if it fired.

        In an ``all`` that is its first failing part (looked into); a failed ``any`` or
        ``not`` is blocking as a whole, since no single part of it is to blame.
        """
        if self.fired:
            return None
        result = self.result
        while isinstance(result, GroupResult) and result.condition.kind == "all":
            result = next(child for child in result.children if not child.held)
        return result

    def to_json(self, static: dict[str, Any] | None = None) -> dict[str, Any]:
        """The entry as JSON data; ``static`` is ``rule_static_json(self.rule)``, if already made."""
        return entry_json(self.rule, self.fired, self.result, self.overridden_by, static)


def entry_json(rule: Rule, fired: bool, result: Result, overridden_by: tuple[OverriddenBy, ...],
               static: dict[str, Any] | None = None) -> dict[str, Any]:
    """One trace entry as JSON data.

    The effect is given for fired rules only: it is what they did. What a rule that did not
    fire would have done is in the ruleset (``followup rules show``), named by its digest.
    """
    static = static or rule_static_json(rule)
    out = {**static, "fired": fired, "when": result.to_dict()}
    if fired:
        out["effect"] = static[EFFECT]
        out["overridden_by"] = [to_json_data(o) for o in overridden_by]
    del out[EFFECT]
    return out


#: Where the static part keeps a rule's effect, for the entries of fired rules only.
EFFECT = "_effect"


def rule_static_json(rule: Rule) -> dict[str, Any]:
    """The parts of a trace entry that depend on the rule alone, not on the situation."""
    return {"id": rule.id, "title": rule.title, "ruleset": rule.layer, "defined_in": rule.origin.layer,
            "priority": rule.priority, "because": rule.because, "source": to_json_data(rule.source),
            "layer_overrides": [{"layer": o.layer, "replaced_layer": o.replaced_layer, "fields": list(o.fields)}
                                for o in rule.overrides], EFFECT: to_json_data(rule.then)}


@dataclass(frozen=True)
class Explanation:
    """Every rule of one evaluation, in definition order, and the rules overlays switched off.

    It holds the verdict of every distinct condition of the ruleset (``Reading.judge``) and
    the ids that fired; each rule's ``Result`` tree and ``RuleTrace`` record are made only
    when asked for, since the JSON form needs neither.
    """

    merged: MergedRuleset = field(compare=False, repr=False)
    reading: Reading = field(compare=False, repr=False)
    verdicts: Verdicts
    fired_ids: frozenset[str]
    overridden: Mapping[str, tuple[OverriddenBy, ...]] = field(default_factory=dict)

    @cached_property
    def results(self) -> tuple[Result, ...]:
        """Each rule's condition result, in definition order."""
        nodes = self.reading.results(self.verdicts)
        return tuple(nodes[root] for root in self.reading.roots)

    @cached_property
    def rules(self) -> tuple[RuleTrace, ...]:
        """Every rule's trace, in definition order."""
        fired = self.fired_ids
        return tuple(make(RuleTrace, {"rule": rule, "fired": rule.id in fired, "result": result,
                                      "overridden_by": self.overridden.get(rule.id, ()) if rule.id in fired else ()})
                     for rule, result in zip(self.merged.rules, self.results))

    @property
    def disabled(self) -> tuple[Disabled, ...]:
        return self.merged.disabled

    def fired(self) -> tuple[RuleTrace, ...]:
        return tuple(r for r in self.rules if r.fired)

    def not_fired(self) -> tuple[RuleTrace, ...]:
        return tuple(r for r in self.rules if not r.fired)

    def entry(self, rule_id: str) -> RuleTrace | None:
        """The trace of one rule, or None if the merged ruleset has no such rule."""
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def disagreements(self) -> tuple[str, ...]:
        """Rules whose conditions, read in Python, do not give durable_rules' verdict (a bug)."""
        held = self.verdicts[1]
        return tuple(rule.id for rule, root in zip(self.merged.rules, self.reading.roots)
                     if held[root] != (rule.id in self.fired_ids))

    def to_json(self) -> dict[str, Any]:
        """The ``explanation`` of an advice document (see ``schemas/advice.schema.json``).

        Each rule's static part is made once per merged ruleset and shared by every document
        made from it, and rules with the same condition share its ``when``: treat the result
        as read-only.
        """
        overridden = {rule_id: [to_json_data(o) for o in parts] for rule_id, parts in self.overridden.items()}
        return full_trace(self.merged, self.reading, self.verdicts, self.fired_ids, overridden)


def full_trace(merged: MergedRuleset, reading: Reading, verdicts: Verdicts, fired: Collection[str],
               overridden: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The full trace as JSON data, from the verdicts of ``reading`` (``merged``'s condition table).

    The one place the full form is made: ``Explanation.to_json`` and ``compact.expand`` both
    call it, so a compact trace expands to exactly the bytes the full one would have been.
    """
    static = per_ruleset(merged, "trace static", lambda: tuple(_split_static(r) for r in merged.rules))
    nodes = reading.node_dicts(verdicts)
    held = verdicts[1]
    rules = []
    disagreements = []
    for rule, root, (part, effect) in zip(merged.rules, reading.roots, static):
        if rule.id in fired:
            rules.append({**part, "fired": True, "when": nodes[root], "effect": effect,
                          "overridden_by": list(overridden.get(rule.id, ()))})
        else:
            rules.append({**part, "fired": False, "when": nodes[root]})
        if held[root] != (rule.id in fired):
            disagreements.append(rule.id)
    return {"rules": rules,
            "disabled": [{"id": d.id, "layer": d.layer, "reason": d.reason} for d in merged.disabled],
            "disagreements": disagreements}


def _split_static(rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rule's static trace part without its effect, and its effect (shown for fired rules only)."""
    part = rule_static_json(rule)
    return {k: v for k, v in part.items() if k != EFFECT}, part[EFFECT]


def explain_rules(merged: MergedRuleset, facts: dict[str, Any], fired: Collection[str],
                  overridden: Mapping[str, tuple[OverriddenBy, ...]] | None = None) -> Explanation:
    """The trace of every rule of ``merged`` on ``facts``, given the ids durable_rules fired.

    Every distinct condition is judged once (``Reading``), however many rules share it.
    """
    reading = reading_of(merged)
    return Explanation(merged, reading, reading.judge(facts), frozenset(fired), overridden or {})


def reading_of(merged: MergedRuleset) -> Reading:
    """The condition table of ``merged``'s rules, made once per ruleset."""
    return per_ruleset(merged, "reading", lambda: Reading([rule.when for rule in merged.rules]))


def explain(advice: Advice) -> Explanation:
    """The full trace of an advice, computed the first time it is asked for."""
    basis = basis_of(advice)
    explanation = basis.cache.get("explanation")
    if explanation is None:
        fired = {entry.id for entry in advice.trace}
        overridden = {entry.id: entry.overridden_by for entry in advice.trace}
        explanation = explain_rules(basis.merged, basis.facts, fired, overridden)
        basis.cache["explanation"] = explanation
    return explanation


def basis_of(advice: Advice) -> Basis:
    """What the advice was decided from; every advice the engine gives has it."""
    if advice.basis is None:
        raise EngineError("this advice was not made by the engine, so it has no trace to explain")
    return advice.basis
