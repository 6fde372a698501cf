"""Ruleset layers and how they merge: a base ruleset and the overlays that extend it.

A layer is one YAML file (``rulesets/base.yaml``, ``rulesets/dk.yaml``, ...). An overlay names
the layer it ``extends`` and may add ``rules``, ``override`` parts of a lower layer's rule by
id, and ``disable`` one with a reason. ``Library`` finds layers in the shipped folder and in
a user's folders (a user's layer of the same name wins); ``Library.merged(country)`` returns
the ``MergedRuleset`` for a country, with each rule's layer and every override recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import InputError, InputErrors, Location, RulesetError
from .paths import rulesets_dir
from .rule import Origin, Override, Rule, source_from_data
from .schema import validate
from .yamlio import Document, load_document

BASE = "base"

#: durable_rules never returns from registering ~513 rules with distinct conditions and fails
#: at 257 with identical ones; a merged ruleset is refused well before either.
MAX_RULES = 200
#: Conditions (leaves) in one rule, and in a whole merged ruleset, likewise bounded.
MAX_LEAVES_PER_RULE = 40
MAX_LEAVES = 2_000


@dataclass(frozen=True)
class Layer:
    """One ruleset file, validated."""

    name: str
    version: str
    document: Document
    shipped: bool
    shadows: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    @property
    def file(self) -> str:
        return self.document.file

    @property
    def extends(self) -> str | None:
        return self.data.get("extends")

    @property
    def country(self) -> str | None:
        return self.data.get("country")

    def line(self, *path: str | int) -> int | None:
        return self.document.line_of(tuple(path))


@dataclass(frozen=True)
class Disabled:
    """A rule an overlay switched off, and why."""

    id: str
    layer: str
    reason: str
    file: str
    line: int | None


@dataclass(frozen=True)
class MergedRuleset:
    """The rules in force for one country, in definition order, with their provenance."""

    name: str
    country: str | None
    layers: tuple[Layer, ...]
    rules: tuple[Rule, ...]
    disabled: tuple[Disabled, ...] = ()
    warnings: tuple[str, ...] = ()
    digest: str = field(default="", compare=False)

    @property
    def version(self) -> str:
        """``base@1.2.0+dk@1.0.0``: every layer's name and version, bottom up."""
        return "+".join(f"{layer.name}@{layer.version}" for layer in self.layers)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def to_data(self) -> dict[str, Any]:
        """Plain data of the merged rules: what the digest is taken over."""
        return {"ruleset": self.name, "country": self.country, "version": self.version,
                "rules": [r.to_data() for r in self.rules],
                "disabled": [{"id": d.id, "layer": d.layer, "reason": d.reason} for d in self.disabled]}


def digest_of(data: Any) -> str:
    """``sha256:<hex>`` of canonical JSON: the same meaning gives the same digest."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_layer(path: str | Path, shipped: bool = False) -> Layer:
    """Read and schema-validate one ruleset file."""
    document = load_document(path)
    if not isinstance(document.data, dict):
        raise RulesetError("a ruleset must be a mapping with 'ruleset', 'version' and 'rules'", Location(document.file, 1))
    validate(document, "ruleset")
    _check_unique_ids(document)
    return Layer(document.data["ruleset"], str(document.data["version"]), document, shipped)


def _check_unique_ids(document: Document) -> None:
    errors = []
    for section in ("rules", "override", "disable"):
        seen: dict[str, int] = {}
        for i, entry in enumerate(document.data.get(section, [])):
            rule_id = entry["id"]
            if rule_id in seen:
                errors.append(RulesetError(f"duplicate rule id '{rule_id}' (first at entry {seen[rule_id]})",
                                           document.location((section, i, "id"))))
            seen.setdefault(rule_id, i)
    if errors:
        raise InputErrors(errors)


def is_ruleset_file(path: Path) -> bool:
    """YAML/JSON files in a rules folder are layers; ``tests/`` holds rule tests, not layers."""
    return path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".json")


class Library:
    """All layers that can be merged: the shipped ones, then a user's folders on top."""

    def __init__(self, layers: Iterable[Layer]) -> None:
        self.layers: dict[str, Layer] = {}
        for layer in layers:
            previous = self.layers.get(layer.name)
            if previous is not None and not previous.shipped and not layer.shipped:
                raise RulesetError(f"layer '{layer.name}' is defined twice (also in {previous.file})",
                                   Location(layer.file, layer.line("ruleset"), "ruleset"))
            if previous is not None:
                layer = Layer(layer.name, layer.version, layer.document, layer.shipped, shadows=previous.file)
            self.layers[layer.name] = layer

    @classmethod
    def load(cls, user_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> "Library":
        """Load the shipped layers (unless told not to) and each user folder's layers, in order."""
        layers: list[Layer] = []
        errors: list[InputError] = []
        folders = ([(rulesets_dir(), True)] if include_shipped else []) + [(Path(d), False) for d in user_dirs]
        for folder, shipped in folders:
            if not folder.is_dir():
                raise InputError("rules folder not found", Location(str(folder)))
            for path in sorted(folder.iterdir()):
                if is_ruleset_file(path):
                    try:
                        layers.append(load_layer(path, shipped))
                    except InputErrors as exc:
                        errors.extend(exc.errors)
                    except InputError as exc:
                        errors.append(exc)
        if errors:
            raise InputErrors(errors)
        return cls(layers)

    def countries(self) -> dict[str, str]:
        """Country code → the name of the overlay for it."""
        return {layer.country: name for name, layer in sorted(self.layers.items()) if layer.country}

    def merged(self, country: str | None) -> MergedRuleset:
        """The merged ruleset for ``country``: its overlay chain, or the base alone."""
        overlay = self.countries().get(country) if country else None
        warnings: tuple[str, ...] = ()
        if overlay is None:
            overlay = BASE
            if country:
                known = ", ".join(sorted(self.countries())) or "none"
                warnings = (f"no rules for country {country} (known: {known}); using the base rules only, "
                            "with weekends and that country's public holidays as days off",)
        return merge(self.chain(overlay), country, warnings)

    def chain(self, name: str) -> list[Layer]:
        """The layers from the base up to ``name``."""
        chain: list[Layer] = []
        current: str | None = name
        while current is not None:
            layer = self.layers.get(current)
            if layer is None:
                where = chain[-1] if chain else None
                raise RulesetError(f"extends '{current}', which no rules folder defines",
                                   Location(where.file, where.line("extends"), "extends") if where else None)
            if any(seen.name == current for seen in chain):
                raise RulesetError(f"'extends' goes round in a circle: {' → '.join(l.name for l in chain)} → {current}",
                                   Location(layer.file, layer.line("extends"), "extends"))
            chain.append(layer)
            current = layer.extends
        return list(reversed(chain))


def merge(chain: list[Layer], country: str | None, warnings: tuple[str, ...] = ()) -> MergedRuleset:
    """Apply each layer of ``chain`` (base first): add, override and disable rules."""
    rules: dict[str, Rule] = {}
    disabled: list[Disabled] = []
    errors: list[InputError] = []
    for layer in chain:
        for i, entry in enumerate(layer.data.get("disable", [])):
            _disable(layer, i, entry, rules, disabled, errors)
        for i, entry in enumerate(layer.data.get("override", [])):
            _override(layer, i, entry, rules, errors)
        for i, entry in enumerate(layer.data.get("rules", [])):
            origin = Origin(layer.name, layer.file, layer.line("rules", i))
            if entry["id"] in rules:
                other = rules[entry["id"]].origin
                errors.append(RulesetError(
                    f"rule id '{entry['id']}' is already defined in layer '{other.layer}' ({other.file}:{other.line}); "
                    "use 'override' to change it", Location(layer.file, layer.line("rules", i, "id"), "id")))
                continue
            rules[entry["id"]] = Rule.from_data(entry, origin)
    if errors:
        raise InputErrors(errors)
    merged = MergedRuleset(chain[-1].name, country, tuple(chain), tuple(rules.values()), tuple(disabled), warnings)
    check_limits(merged)
    return MergedRuleset(merged.name, country, merged.layers, merged.rules, merged.disabled, warnings,
                         digest=digest_of(merged.to_data()))


def _disable(layer: Layer, i: int, entry: dict[str, Any], rules: dict[str, Rule],
             disabled: list[Disabled], errors: list[InputError]) -> None:
    line = layer.line("disable", i, "id")
    if entry["id"] not in rules:
        errors.append(RulesetError(f"disables '{entry['id']}', which no lower layer defines",
                                   Location(layer.file, line, "disable.id")))
        return
    del rules[entry["id"]]
    disabled.append(Disabled(entry["id"], layer.name, entry["reason"], layer.file, line))


def _override(layer: Layer, i: int, entry: dict[str, Any], rules: dict[str, Rule], errors: list[InputError]) -> None:
    line = layer.line("override", i, "id")
    rule = rules.get(entry["id"])
    if rule is None:
        errors.append(RulesetError(f"overrides '{entry['id']}', which no lower layer defines",
                                   Location(layer.file, line, "override.id")))
        return
    fields = tuple(k for k in ("title", "when", "then", "priority") if k in entry)
    record = Override(layer.name, rule.layer, fields, entry["because"], source_from_data(entry["source"]), layer.file, line)
    rules[entry["id"]] = rule.with_override(entry, record)


def check_limits(merged: MergedRuleset) -> None:
    """Refuse a ruleset durable_rules could not register safely (see the module constants)."""
    if len(merged.rules) > MAX_RULES:
        top = merged.layers[-1]
        raise RulesetError(f"{len(merged.rules)} rules after merging; at most {MAX_RULES} are allowed",
                           Location(top.file, 1))
    total = 0
    for rule in merged.rules:
        leaves = len(rule.when.leaves())
        total += leaves
        if leaves > MAX_LEAVES_PER_RULE:
            raise RulesetError(f"rule '{rule.id}' has {leaves} conditions; at most {MAX_LEAVES_PER_RULE} are allowed",
                               Location(rule.origin.file, rule.origin.line, "when"))
    if total > MAX_LEAVES:
        raise RulesetError(f"{total} conditions in all; at most {MAX_LEAVES} are allowed", Location(merged.layers[-1].file, 1))
