"""An advice document as JSON text, at orjson's speed wherever that is provably the same bytes.

``base/fastjson.py`` must look for floats in its output unless told there are none, and
that look costs as much as the encoding. In an advice document a float can only come from
the ruleset (situations hold no numbers; the engine computes only integers), so whether a
merged ruleset holds one is worked out once per ruleset, not once per line.
"""

from __future__ import annotations

from typing import Any

from followup.base.records import to_json_data
from followup.base import fastjson
from followup.engine.advice import Advice
from followup.engine.prepared import per_ruleset
from followup.rules.condition import condition_to_data
from followup.rules.ruleset import MergedRuleset


def document_line(advice: Advice, document: Any) -> str:
    """``document`` (made from ``advice``) as canonical JSON on one line: ``to_json_line``'s bytes."""
    return fastjson.line(document, floats=may_hold_floats(advice))


def document_text(advice: Advice, document: Any) -> str:
    """``document`` (made from ``advice``) as indented JSON: ``to_json_text``'s bytes."""
    return fastjson.text(document, floats=may_hold_floats(advice))


def may_hold_floats(advice: Advice) -> bool:
    """Whether a document made from ``advice`` may hold a float: only if its ruleset does."""
    if advice.basis is None:
        return True
    merged = advice.basis.merged
    return per_ruleset(merged, "holds floats", lambda: _ruleset_floats(merged))


def _ruleset_floats(merged: MergedRuleset) -> bool:
    return any(_has_float([to_json_data(rule.then), condition_to_data(rule.when), to_json_data(rule.source), rule.priority])
               for rule in merged.rules)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_float(v) for v in value)
    return False
