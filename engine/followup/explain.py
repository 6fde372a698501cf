"""The full trace: every rule of the merged ruleset, fired or not, condition by condition.

json-rules-engine records condition results but not those a short-circuit skipped; GoRules
ZEN records nothing for a rule that did not match. This trace holds, for every rule:
- whether it fired, as durable_rules decided (nothing here matches anything again);
- for every condition, however deep in ``all``/``any``/``not``: the fact, the operator, the
  expected value, the actual value (or ``missing``) and whether it held. This is
  ``Condition.explain``, the Python reading of the same condition tree, which
  ``tests/test_explain_agrees.py`` shows agrees with durable_rules on generated rules and
  situations. Should they ever disagree, the rule is listed in ``disagreements``, never hidden;
- the rule's layer, effect, ``because`` and source, and for a fired rule every part of its
  effect that a higher rule or the resolver set aside (``overridden_by``).

It is computed on demand and at most once per advice (cached on the advice's ``Basis``), so
advice printed as text never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping

from .advice import Advice, Basis, OverriddenBy
from .condition import GroupResult, Result
from .errors import EngineError
from .rule import Rule
from .ruleset import Disabled, MergedRuleset


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

    def to_json(self) -> dict[str, Any]:
        rule = self.rule
        return {"id": rule.id, "title": rule.title, "ruleset": rule.layer, "defined_in": rule.origin.layer,
                "priority": rule.priority, "fired": self.fired, "when": self.result.to_dict(),
                "effect": rule.then.to_data(), "overridden_by": [o.to_json() for o in self.overridden_by],
                "layer_overrides": [{"layer": o.layer, "replaced_layer": o.replaced_layer, "fields": list(o.fields)}
                                    for o in rule.overrides],
                "because": rule.because, "source": rule.source.to_data()}


@dataclass(frozen=True)
class Explanation:
    """Every rule of one evaluation in definition order, and the rules overlays switched off."""

    rules: tuple[RuleTrace, ...]
    disabled: tuple[Disabled, ...] = ()

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
        return tuple(r.id for r in self.rules if not r.agrees)

    def to_json(self) -> dict[str, Any]:
        """The ``explanation`` of an advice document (see ``schemas/advice.schema.json``)."""
        return {"rules": [r.to_json() for r in self.rules],
                "disabled": [{"id": d.id, "layer": d.layer, "reason": d.reason} for d in self.disabled],
                "disagreements": list(self.disagreements)}


def explain_rules(merged: MergedRuleset, facts: dict[str, Any], fired: Collection[str],
                  overridden: Mapping[str, tuple[OverriddenBy, ...]] | None = None) -> Explanation:
    """The trace of every rule of ``merged`` on ``facts``, given the ids durable_rules fired."""
    overridden = overridden or {}
    return Explanation(tuple(RuleTrace(rule, rule.id in fired, rule.when.explain(facts),
                                       overridden.get(rule.id, ()) if rule.id in fired else ())
                             for rule in merged.rules), merged.disabled)


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
