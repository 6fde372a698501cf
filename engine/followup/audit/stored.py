"""A merged ruleset as a decision log stores it: once, named by its digest.

A decision entry carries the compact trace (``compact.py``), which names its ruleset by digest
and holds only what the situation decided. To give the full trace back years later, after the
shipped rules have changed, the log keeps each ruleset it references once::

    {"digest": "sha256:...", "ruleset": <MergedRuleset.to_data()>,
     "provenance": {"layers": [["base", "0.2.0"], ...],
                    "overrides": {"rule-id": [{"layer", "replaced_layer", "fields", "because", "source"}]}}}

``ruleset`` is exactly what the digest is taken over, so a stored ruleset is checked against
the digest the decisions name before anything is read from it. ``provenance`` is what the full
trace shows beyond it (which overlay replaced which parts of a rule); it is checked to agree
with ``ruleset`` (the layers spell its version, the last override is the layer in force).

``ruleset_from_stored`` rebuilds a ``MergedRuleset`` from that record alone: the rule data is
validated with the ruleset schema first, so a tampered record is an ``InputError`` naming it,
never a traceback. ``advise_under`` advises a situation under such a ruleset, durable_rules
deciding, as ``Engine.advise`` does with a loaded one.
"""

from __future__ import annotations

from typing import Any, Mapping

from followup.base.canonical import digest_of
from followup.base.errors import InputError, Location
from followup.base.records import to_json_data
from followup.engine.advice import Advice
from followup.engine.engine import advise_under as engine_advise_under
from followup.engine.vocabulary import check_facts
from followup.load.schema import validate
from followup.load.situation import Situation
from followup.load.yamlio import Document
from followup.rules.rule import Disabled, Origin, Override, Rule, Source, source_from_data
from followup.rules.ruleset import Layer, MergedRuleset, check_limits

#: The keys of a stored ruleset record, in the canonical (sorted) order its line starts with.
KEYS = ("digest", "provenance", "ruleset")
_RULE_ONLY = ("layer", "defined_in")  # merged-rule keys a layer's rule does not have


def stored_ruleset(merged: MergedRuleset) -> dict[str, Any]:
    """The record a log stores for ``merged`` (see the module docstring)."""
    overrides = {rule.id: [{"layer": o.layer, "replaced_layer": o.replaced_layer, "fields": list(o.fields),
                            "because": o.because, "source": to_json_data(o.source)} for o in rule.overrides]
                 for rule in merged.rules if rule.overrides}
    return {"digest": merged.digest, "ruleset": merged.to_data(),
            "provenance": {"layers": [[layer.name, layer.version] for layer in merged.layers],
                           "overrides": overrides}}


def is_stored_ruleset(data: Any) -> bool:
    """Whether a log entry's JSON is a stored ruleset rather than a decision."""
    return isinstance(data, Mapping) and "decision" not in data and set(data) == set(KEYS)


def ruleset_from_stored(record: Mapping[str, Any], where: Location, digest: str | None = None) -> MergedRuleset:
    """The ``MergedRuleset`` a stored record holds, checked; an ``InputError`` at ``where`` if it cannot be.

    ``digest``, when given, is the one a decision names: the record must be that ruleset.
    """
    def bad(message: str) -> InputError:
        return InputError(f"stored ruleset {str(record.get('digest'))[:80] if isinstance(record, Mapping) else ''}: "
                          f"{message}", where)

    if not is_stored_ruleset(record):
        raise bad("not a stored ruleset (expected digest, provenance and ruleset)")
    data = record["ruleset"]
    if digest is not None and record["digest"] != digest:
        raise bad(f"is not the ruleset {digest} the decision names")
    if digest_of(data) != record["digest"]:
        raise bad("its rules do not hash to its digest: the record was changed after it was written")
    try:
        merged = _rebuild(data, record["provenance"], where)
    except InputError as exc:
        raise bad(f"cannot be read back ({exc.message})") from None
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # data no schema promised anything about
        raise bad(f"cannot be read back ({type(exc).__name__})") from None
    if digest_of(merged.to_data()) != record["digest"]:
        raise bad("its rules do not read back as written")
    return merged


def _rebuild(data: Any, provenance: Any, where: Location) -> MergedRuleset:
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not isinstance(provenance, dict):
        raise InputError("rules missing")
    rules_data = [r for r in data["rules"] if isinstance(r, dict)]
    layer_form = {"ruleset": data.get("ruleset"), "version": "0",
                  "rules": [{k: v for k, v in r.items() if k not in _RULE_ONLY} for r in rules_data]}
    if len(rules_data) != len(data["rules"]) or any(not all(isinstance(r.get(k), str) for k in _RULE_ONLY)
                                                    for r in rules_data):
        raise InputError("a rule lacks its layer or defined_in")
    validate(Document(layer_form, where.file or "<log>"), "ruleset")
    ids = [r["id"] for r in rules_data]
    if len(set(ids)) != len(ids):
        raise InputError(f"rule {next(i for i in ids if ids.count(i) > 1)!r} is stored twice")
    layers = _layers(provenance.get("layers"), data.get("version"), where)
    overrides = _overrides(provenance.get("overrides"), rules_data, where)
    rules = tuple(_rule(r, overrides.get(r["id"], ()), where) for r in rules_data)
    disabled = tuple(_disabled(d, where) for d in _list(data.get("disabled"), "disabled"))
    country = data.get("country")
    if country is not None and not isinstance(country, str):
        raise InputError("country must be text")
    merged = MergedRuleset(layer_form["ruleset"], country, layers, rules, disabled, (), digest="")
    check_limits(merged)  # what the engine checks of a loaded ruleset before durable_rules sees it
    check_facts(merged)
    return MergedRuleset(merged.name, country, layers, rules, disabled, (), digest=digest_of(merged.to_data()))


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{name} must be a list")
    return value


def _layers(value: Any, version: Any, where: Location) -> tuple[Layer, ...]:
    pairs = _list(value, "provenance.layers")
    if not pairs or not all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs):
        raise InputError("provenance.layers must be [name, version] pairs")
    layers = tuple(Layer(name, ver, Document({"ruleset": name, "version": ver}, where.file or "<log>"), False)
                   for name, ver in pairs)
    if "+".join(f"{layer.name}@{layer.version}" for layer in layers) != version:
        raise InputError("provenance.layers do not spell the ruleset's version")
    return layers


def _overrides(value: Any, rules: list[dict[str, Any]], where: Location) -> dict[str, tuple[Override, ...]]:
    if not isinstance(value, dict):
        raise InputError("provenance.overrides must be an object")
    by_id = {r["id"]: r for r in rules}
    out: dict[str, tuple[Override, ...]] = {}
    for rule_id, parts in value.items():
        if rule_id not in by_id:
            raise InputError(f"provenance.overrides names rule {rule_id[:80]!r}, which the ruleset lacks")
        out[rule_id] = tuple(_override(p, where) for p in _list(parts, f"provenance.overrides.{rule_id}"))
        if not out[rule_id] or out[rule_id][-1].layer != by_id[rule_id]["layer"]:
            raise InputError(f"provenance.overrides.{rule_id} does not end in the rule's layer")
    return out


def _override(part: Any, where: Location) -> Override:
    if not (isinstance(part, dict) and all(isinstance(part.get(k), str) for k in ("layer", "replaced_layer", "because"))
            and isinstance(part.get("fields"), list) and all(isinstance(f, str) for f in part["fields"])):
        raise InputError("an override must have layer, replaced_layer, fields and because")
    return Override(part["layer"], part["replaced_layer"], tuple(part["fields"]), part["because"],
                    _source(part.get("source")), where.file or "<log>", None)


def _source(value: Any) -> Source:
    if not (isinstance(value, dict) and isinstance(value.get("seed"), str) and isinstance(value.get("quote"), str)
            and isinstance(value.get("items"), list) and all(isinstance(i, str) for i in value["items"])):
        raise InputError("a source must have seed, items and quote")
    return source_from_data(value)


def _rule(data: dict[str, Any], overrides: tuple[Override, ...], where: Location) -> Rule:
    rule = Rule.from_data(data, Origin(data["defined_in"], where.file or "<log>", None))
    if not overrides and data["layer"] != data["defined_in"]:
        raise InputError(f"rule {data['id']} is in force from another layer than its own, with no override")
    return Rule(rule.id, rule.title, rule.when, rule.then, rule.because, rule.source, rule.origin, rule.priority,
                overrides)


def _disabled(value: Any, where: Location) -> Disabled:
    if not (isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("id", "layer", "reason"))):
        raise InputError("a disabled rule must have id, layer and reason")
    return Disabled(value["id"], value["layer"], value["reason"], where.file or "<log>", None)


def advise_under(merged: MergedRuleset, situation: Situation) -> Advice:
    """The advice for ``situation`` under ``merged`` (a ruleset read back from a log): the engine's
    own pipeline (``engine.advise_under``), durable_rules deciding; only the ruleset comes from
    the log instead of the rules folders."""
    return engine_advise_under(merged, situation)


__all__ = ["KEYS", "advise_under", "is_stored_ruleset", "ruleset_from_stored", "stored_ruleset"]
