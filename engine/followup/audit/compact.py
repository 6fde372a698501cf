"""The compact trace: what one situation decided, with the ruleset's static parts left out.

The full trace (``explain.py``) repeats, on every decision, each rule's title, reason, source
quote and condition skeleton: 80% of a batch line is ruleset text. The compact trace keeps
only what the situation decided, and names the merged ruleset by its digest::

    {"form": "compact", "ruleset": "sha256:...",
     "fired": ["rule-id", ...],                  # definition order
     "facts": {"stage": "applied", ...},          # each fact a condition reads; missing ones left out
     "verdicts": "0110...",                       # each distinct condition of the ruleset, held (1) or not
     "overridden_by": {"rule-id": [{...}], ...}}  # fired rules with effects set aside, and by what

``verdicts`` is in the order of the ruleset's condition table (``Reading``), which depends on
the rules alone; ``expand`` checks the digest and the table's size before it reads it.
``expand(compact, merged)`` is the one way back to the full trace; ``tests/test_compact.py``
proves ``expand(compact(x)) == full(x)`` on generated situations.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from followup.audit.explain import EFFECT, Explanation, full_trace, reading_of, rule_static_json
from followup.base.errors import InputError
from followup.base.records import to_json_data
from followup.engine.prepared import per_ruleset
from followup.rules.condition import MISSING
from followup.rules.rule import Rule
from followup.rules.ruleset import MergedRuleset

#: The value of ``form`` that marks a compact trace.
FORM = "compact"
#: The ways a document may carry its trace (``--trace``).
TRACES = ("full", "compact", "none")


def compact_trace(explanation: Explanation) -> dict[str, Any]:
    """The compact form of a full trace (see the module docstring)."""
    merged = explanation.merged
    reading = explanation.reading
    looked, held = explanation.verdicts
    fired = explanation.fired_ids
    facts = {path: value for path, (present, value) in zip(reading.paths, looked) if present}
    return {"form": FORM, "ruleset": merged.digest,
            "fired": [rule.id for rule in merged.rules if rule.id in fired],
            "facts": facts,
            "verdicts": "".join("1" if h else "0" for h in held),
            "overridden_by": {rule_id: [to_json_data(o) for o in parts]
                              for rule_id, parts in sorted(explanation.overridden.items())
                              if parts and rule_id in fired}}


def expand(compact: Mapping[str, Any], merged: MergedRuleset, where: str = "trace") -> dict[str, Any]:
    """The full trace (``Explanation.to_json()``) that ``compact`` stands for, read against ``merged``.

    ``merged`` must be the ruleset the decision was made with: a different digest, or a
    trace that does not fit its condition table, is an ``InputError`` naming ``where``.
    """
    if not isinstance(compact, Mapping) or compact.get("form") != FORM:
        raise InputError(f"{where}: not a compact trace")
    if compact.get("ruleset") != merged.digest:
        raise InputError(f"{where}: the trace was made with ruleset {str(compact.get('ruleset'))[:80]}, "
                         f"not {merged.digest}")
    reading = reading_of(merged)
    verdicts = compact.get("verdicts")
    facts = compact.get("facts")
    fired = compact.get("fired")
    overridden = compact.get("overridden_by")
    if (not isinstance(verdicts, str) or len(verdicts) != reading.size or set(verdicts) - {"0", "1"}
            or not isinstance(facts, Mapping) or not _texts(fired) or not isinstance(overridden, Mapping)):
        raise InputError(f"{where}: the compact trace does not fit ruleset {merged.digest}")
    unknown = set(fired) - {rule.id for rule in merged.rules}
    if unknown:
        raise InputError(f"{where}: the trace names rule {sorted(unknown)[0]!r}, which ruleset {merged.digest} lacks")
    looked = [(True, facts[path]) if path in facts else (False, None) for path in reading.paths]
    held = [c == "1" for c in verdicts]
    return full_trace(merged, reading, (looked, held), frozenset(fired),
                      {k: list(v) for k, v in overridden.items()})


def expand_document(document: Mapping[str, Any], merged: MergedRuleset, where: str = "document") -> dict[str, Any]:
    """The advice document with the full trace that a document with the compact one stands for.

    A compact document leaves out both the full ``explanation`` and the advice's ``trace`` (the
    fired rules with their titles, reasons and sources: ruleset text too); both come back here.
    """
    out = dict(document)
    compact = out.pop("compact_explanation", None)
    if compact is None:
        raise InputError(f"{where}: has no compact trace to expand")
    out["explanation"] = expand(compact, merged, where)
    out["trace"] = fired_trace(compact, merged)
    return out


def fired_trace(compact: Mapping[str, Any], merged: MergedRuleset) -> list[dict[str, Any]]:
    """The advice's ``trace`` (``FiredRule.to_json`` of each fired rule), from a checked compact trace."""
    facts = compact["facts"]
    overridden = compact["overridden_by"]
    static = per_ruleset(merged, "fired trace static", lambda: {rule.id: _fired_static(rule) for rule in merged.rules})
    out = []
    for rule_id in compact["fired"]:
        part, paths = static[rule_id]
        out.append({**part, "facts": {path: facts.get(path, MISSING) for path in paths},
                    "overridden_by": list(overridden.get(rule_id, ()))})
    return out


def _fired_static(rule: Rule) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A fired rule's trace entry but its facts and fate, and the facts its condition reads, in order."""
    part = rule_static_json(rule)
    part["effect"] = part.pop(EFFECT)
    return part, tuple(dict.fromkeys(leaf.fact for leaf in rule.when.leaves()))


def _texts(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and all(isinstance(v, str) for v in value)


__all__ = ["FORM", "TRACES", "compact_trace", "expand", "expand_document", "fired_trace"]
