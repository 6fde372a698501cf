"""Compiling a merged ruleset into a durable_rules ruleset definition.

Each rule becomes one durable_rules rule whose single pattern is the rule's condition ANDed
with ``_kind == "situation"``. The tag matters: after every action durable_rules asserts a
state fact of its own, and a condition built only on absent fields (``exists: false``) would
match that fact and fire forever. Each rule gets a unique ``pri`` (its position) because the
maintainers do not guarantee the order of ties.
"""

from __future__ import annotations

from typing import Any, Callable

from .condition import to_durable
from .ruleset import MergedRuleset

SITUATION_TAG = {"_kind": "situation"}


def compile_ruleset(merged: MergedRuleset, action_for: Callable[[str], Callable[[Any], None]]) -> dict[str, Any]:
    """The durable_rules definition of ``merged``; ``action_for(rule_id)`` gives each rule's action."""
    definition: dict[str, Any] = {}
    for position, rule in enumerate(merged.rules, start=1):
        definition[rule.id] = {
            "all": [{"m": {"$and": [SITUATION_TAG, to_durable(rule.when)]}}],
            "pri": position,
            "run": action_for(rule.id),
        }
    return definition


def durable_name(merged: MergedRuleset) -> str:
    """A durable_rules ruleset name unique to this merged ruleset's content."""
    return "followup_" + merged.digest.split(":")[-1][:16]
