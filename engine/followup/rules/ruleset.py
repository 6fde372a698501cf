"""Ruleset layers and how they merge: a base ruleset and the overlays that extend it.

A layer is one YAML file (``rulesets/base.yaml``, ``rulesets/dk.yaml``, ...). An overlay names
the layer it ``extends`` and may add ``rules``, ``override`` parts of a lower layer's rule by
id, and ``disable`` one with a reason. ``Library`` finds layers in the shipped folder and in
a user's folders (a user's layer of the same name wins); ``Library.merged(country)`` returns
the ``MergedRuleset`` for a country, with each rule's layer and every override recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from followup.base.errors import InputError, InputErrors, Location, RulesetError
from followup.base.fastjson import digest_of  # canonical.digest_of's digest, from orjson's text
from followup.base.paths import rulesets_dir
from followup.base.records import fields_json
from followup.base.words import quoted
from followup.rules.catalogue import RuleText, catalogue_name, check_catalogue, is_catalogue, translations
from followup.rules.compiler import footprint
from followup.rules.ids import duplicate_ids
from followup.rules.rule import Disabled, Origin, Override, Rule, missing_from, source_from_data
from followup.rules.templates import Template, check_templates, merge_templates
from followup.load.schema import validate
from followup.load.yamlio import Document, load_document

BASE = "base"

# Limits of a merged ruleset, each below what durable_rules 2.0.28 was measured to fail at
# (``tests/rules/test_limits.py`` shows each edge; ``bench/limits.py`` walks them step by step; the
# README, "Robustness, limits and speed", has the numbers). ``compiler.footprint`` measures.
#: 257 rules fed by one condition fail (error 108); also keeps priorities and traces readable.
MAX_RULES = 200
#: Conditions (leaves) in one rule, and in a whole merged ruleset: bounds compile time.
MAX_LEAVES_PER_RULE = 40
MAX_LEAVES = 2_000
#: all/any/not groups of one compiled rule: 16 fail (error 113: 32 expression slots, 2 each).
MAX_GROUPS_PER_RULE = 15
#: Conditions below one node of durable_rules' network: with 512, registering one more never
#: returns (its 512-slot hash table is probed forever).
MAX_WIDTH = 500
#: "Is absent" tests and ``$or`` branch ends at one node: 129 fail (error 107).
MAX_LIST = 120
#: Depth durable_rules' matching stack can reach: 65 fail (error 303), and deleting the session
#: afterwards crashed the process.
MAX_STACK = 56
#: Times one rule, and all rules, can fire on one situation (nested ``any``s multiply): 3^13
#: firings took 0.35 s in durable_rules' C code alone; 50^13 would never end.
MAX_MATCHES_PER_RULE = 256
MAX_MATCHES = 4_096


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

    def entry(self, rule_id: str) -> tuple[str, int] | None:
        """Where this layer writes about ``rule_id``: ``("rules", 3)``, ``("override", 0)``, or None."""
        for section in ("rules", "override"):
            for i, entry in enumerate(self.data.get(section, [])):
                if entry.get("id") == rule_id:
                    return section, i
        return None


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
    #: Drafts (``templates.py``) and the rules' texts in other languages (``catalogue.py``):
    #: neither changes what the rules decide, so neither is part of the digest.
    templates: tuple[Template, ...] = field(default=(), compare=False)
    disabled_templates: tuple[Disabled, ...] = field(default=(), compare=False)
    translations: dict[str, dict[str, RuleText]] = field(default_factory=dict, compare=False, repr=False)

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
                "disabled": [fields_json(d, _WHERE) for d in self.disabled]}


#: Where an overlay disabled it: not in the digest, so the same rules digest the same wherever their files are.
_WHERE = frozenset({"file", "line"})


#: ISO 3166-1 alpha-2, as a situation's ``country`` (ASCII letters only: ``str.isalpha`` takes ``Æø``).
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def country_code(value: str, option: str = "--country") -> str:
    """``value`` as an upper-case country code; anything else is bad input naming ``option``."""
    if not _COUNTRY.fullmatch(value):
        raise InputError(f"{quoted(value)} is not a two-letter country code (ISO 3166-1 alpha-2, e.g. FI)",
                         Location(field=option))
    return value.upper()


def load_layer(path: str | Path, shipped: bool = False) -> Layer:
    """Read and schema-validate one ruleset file."""
    return layer_from_document(load_document(path), shipped)


def layer_from_document(document: Document, shipped: bool = False) -> Layer:
    """Schema-validate a parsed ruleset or catalogue (from a file, or from standard input for ``validate -``)."""
    if is_catalogue(document.data):  # a layer's texts in another language (catalogue.py)
        check_catalogue(document)
        return Layer(catalogue_name(document.data), "", document, shipped)
    if not isinstance(document.data, dict):
        raise RulesetError("a ruleset must be a mapping with 'ruleset', 'version' and 'rules'", Location(document.file, 1))
    validate(document, "ruleset")
    _check_unique_ids(document)
    check_templates(document)
    return Layer(document.data["ruleset"], str(document.data["version"]), document, shipped)


class RuleError(RulesetError):
    """A ruleset error about one rule: the message names it; ``rule_id`` and ``kind`` are for lint."""

    def __init__(self, message: str, location: Location, rule_id: str, kind: str) -> None:
        super().__init__(message, location)
        self.rule_id = rule_id
        self.kind = kind


def _check_unique_ids(document: Document) -> None:
    errors = [RuleError(f"duplicate rule id '{rule_id}' in '{section}' (first at line {first})",
                        document.location((section, i, "id")), rule_id, "duplicate-id")
              for section, i, rule_id, first in duplicate_ids(document, ("rules", "override", "disable"))]
    if errors:
        raise InputErrors(errors)


RULESET_SUFFIXES = (".yaml", ".yml", ".json")
#: The message for a link that leads out of a rules folder. The link is named, never followed:
#: following it echoed the target's content in messages ("ruleset: 'hunter2' does not match").
LINK_OUT = "symbolic link out of the rules folder (or to nothing); it is not read"


def is_ruleset_file(path: Path) -> bool:
    """YAML/JSON files in a rules folder are layers; ``tests/`` holds rule tests, not layers."""
    return path.is_file() and path.suffix.lower() in RULESET_SUFFIXES


def leads_out(path: Path, root: Path) -> bool:
    """Whether ``path`` is a symbolic link whose target is not inside ``root`` (or does not exist)."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop of links
        return True
    return not target.is_relative_to(root.resolve())


def folder_files(folder: Path, root: Path | None = None,
                 suffixes: tuple[str, ...] = RULESET_SUFFIXES) -> tuple[list[Path], list[InputError]]:
    """The regular files of ``folder`` with these suffixes, in name order, and an error for each
    link among them that leads out of ``root`` (the folder itself by default).

    A link to a file inside ``root`` is read like the file. FIFOs, devices and folders are not
    files: they are passed over, as before.
    """
    root = root or folder
    files: list[Path] = []
    errors: list[InputError] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in suffixes:
            continue
        if leads_out(path, root):
            errors.append(InputError(LINK_OUT, Location(str(path))))
        elif path.is_file():
            files.append(path)
    return files, errors


def load_folder(folder: str | Path, shipped: bool = False) -> tuple[list[Layer], list[InputError]]:
    """The valid layers of one rules folder, and the errors of every file that is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("rules folder not found", Location(str(folder)))
    paths, errors = folder_files(folder)
    layers: list[Layer] = []
    for path in paths:
        try:
            layers.append(load_layer(path, shipped))
        except InputError as exc:
            errors.extend(exc.each())
    return layers, errors


def is_shipped_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is the shipped rulesets folder itself (``--rules rulesets`` in a checkout)."""
    return Path(folder).resolve() == rulesets_dir().resolve()


class Library:
    """All layers that can be merged: the shipped ones, then a user's folders on top.

    A user's layer replaces the shipped layer of the same name (``Layer.shadows`` says which
    file it replaced), and a user's layer for a country is used instead of a shipped layer for
    that country. Both are reported in the merged ruleset's ``warnings``, so the advice says so.
    """

    def __init__(self, layers: Iterable[Layer], strict: bool = True) -> None:
        self.layers: dict[str, Layer] = {}
        #: Problems of the library as a whole (a name defined twice, a country claimed twice);
        #: raised at once when ``strict``, kept for ``followup rules lint`` otherwise. Not
        #: strict, the engine still refuses mistyped conditions when it registers the ruleset.
        self.strict = strict
        self.problems: list[RulesetError] = []
        layers = list(layers)
        #: Catalogues (``catalogue.py``), by name (``base.da``); a user's wins over a shipped one.
        self.catalogues: dict[str, Layer] = {l.name: l for l in layers if is_catalogue(l.data)}
        for layer in (l for l in layers if not is_catalogue(l.data)):
            previous = self.layers.get(layer.name)
            if previous is not None and not previous.shipped and not layer.shipped:
                self.problems.append(RulesetError(f"layer '{layer.name}' is defined twice (also in {previous.file})",
                                                  Location(layer.file, layer.line("ruleset"), "ruleset")))
                continue
            if previous is not None:
                layer = replace(layer, shadows=previous.file)
            self.layers[layer.name] = layer
        self._countries = self._assign_countries()
        if strict and self.problems:
            raise InputErrors(list(self.problems))

    @classmethod
    def load(cls, user_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> "Library":
        """Load the shipped layers (unless told not to) and each user folder's layers, in order."""
        layers: list[Layer] = []
        errors: list[InputError] = []
        for folder, shipped in library_folders(user_dirs, include_shipped):
            found, bad = load_folder(folder, shipped)
            layers += found
            errors += bad
        if errors:
            raise InputErrors(errors)
        return cls(layers)

    def ancestors(self, name: str) -> list[str]:
        """``name`` and the layers it extends, top down, as far as they exist (no errors here)."""
        out: list[str] = []
        current: str | None = name
        while current is not None and current in self.layers and current not in out:
            out.append(current)
            current = self.layers[current].extends
        return out

    def _assign_countries(self) -> dict[str, tuple[Layer, tuple[Layer, ...]]]:
        """Country → (the layer used for it, the shipped layers for it that a user's layer replaces)."""
        claims: dict[str, list[Layer]] = {}
        for name in sorted(self.layers):
            layer = self.layers[name]
            if layer.country:
                claims.setdefault(layer.country, []).append(layer)
        chosen: dict[str, tuple[Layer, tuple[Layer, ...]]] = {}
        for country, layers in claims.items():
            pool = [l for l in layers if not l.shipped] or layers
            tops = [l for l in pool if all(o.name in self.ancestors(l.name) for o in pool)]
            if len(tops) != 1:
                files = ", ".join(f"{l.name} ({l.file})" for l in pool)
                self.problems.append(RulesetError(
                    f"country {country} is claimed by several layers, none extending the others: {files}; "
                    "make one extend the other or give it another country",
                    Location(pool[-1].file, pool[-1].line("country"), "country")))
                continue
            top = tops[0]
            replaced = tuple(l for l in layers if l not in pool and l.name not in self.ancestors(top.name))
            chosen[country] = (top, replaced)
        return chosen

    def countries(self) -> dict[str, str]:
        """Country code → the name of the layer used for it."""
        return {country: layer.name for country, (layer, _) in sorted(self._countries.items())}

    def merged(self, country: str | None) -> MergedRuleset:
        """The merged ruleset for ``country``: its overlay chain, or the base alone."""
        choice = self._countries.get(country) if country else None
        warnings: list[str] = []
        if choice is None:
            overlay = BASE
            if country:
                known = ", ".join(sorted(self._countries)) or "none"
                warnings.append(f"no rules for country {country} (known: {known}); using the base rules only, "
                                "with weekends and that country's public holidays as days off")
        else:
            overlay = choice[0].name
            warnings += [f"layer {choice[0].name} from {choice[0].file} is used for {country} instead of the shipped "
                         f"layer {old.name} ({old.file})" for old in choice[1]]
        return self.merged_layer(overlay, country, tuple(warnings))

    def merged_layer(self, name: str, country: str | None = None, warnings: tuple[str, ...] = ()) -> MergedRuleset:
        """The merged ruleset of the layer ``name`` and the layers below it."""
        chain = self.chain(name)
        shadowing = tuple(f"layer {layer.name} from {layer.file} replaces the shipped one ({layer.shadows})"
                          for layer in chain if layer.shadows)
        return merge(chain, country, warnings + shadowing, self.catalogues.values())

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


def library_folders(user_dirs: Iterable[str | Path], include_shipped: bool = True) -> list[tuple[Path, bool]]:
    """The folders a library is loaded from, with whether each is the shipped one.

    Naming the shipped folder with ``--rules`` (as ``followup rules lint rulesets`` does in a
    checkout) loads it once, as the shipped folder, rather than shadowing every layer by itself.
    """
    folders = [(rulesets_dir(), True)] if include_shipped else []
    for folder in user_dirs:
        if not (include_shipped and is_shipped_folder(folder)):
            folders.append((Path(folder), False))
    return folders


@dataclass(frozen=True)
class Merge:
    """The outcome of applying a chain of layers: the rules in force, the disabled, the errors."""

    rules: tuple[Rule, ...]
    disabled: tuple[Disabled, ...]
    errors: tuple[InputError, ...]


def merge(chain: list[Layer], country: str | None, warnings: tuple[str, ...] = (),
          catalogues: Iterable[Layer] = ()) -> MergedRuleset:
    """Apply each layer of ``chain`` (base first): add, override and disable rules (and templates)."""
    result = merge_rules(chain)
    drafts = merge_templates(chain)
    if result.errors or drafts.errors:
        raise InputErrors(list(result.errors + drafts.errors))
    merged = MergedRuleset(chain[-1].name, country, tuple(chain), result.rules, result.disabled, warnings)
    # Digested before the limits are checked: the footprint they measure is then kept under
    # the digest, and registering the ruleset with durable_rules does not measure it again.
    merged = replace(merged, digest=digest_of(merged.to_data()))
    check_limits(merged)
    names = {layer.name for layer in chain}
    texts = translations(result.rules, [c for c in catalogues if c.data["translation"] in names])
    return replace(merged, templates=drafts.templates, disabled_templates=drafts.disabled, translations=texts)


def when_location(rule: Rule) -> Location:
    """Where the rule's ``when`` in force was written: its definition, or the override that replaced it."""
    for override in reversed(rule.overrides):
        if "when" in override.fields:
            return Location(override.file, override.line, "when")
    return Location(rule.origin.file, rule.origin.line, "when")


def merge_rules(chain: list[Layer]) -> Merge:
    """Apply the layers of ``chain`` in order, collecting every error instead of stopping at the first."""
    rules: dict[str, Rule] = {}
    disabled: dict[str, Disabled] = {}
    errors: list[InputError] = []
    for layer in chain:
        for i, entry in enumerate(layer.data.get("disable", [])):
            _disable(layer, i, entry, rules, disabled, errors)
        for i, entry in enumerate(layer.data.get("override", [])):
            _override(layer, i, entry, rules, disabled, errors)
        for i, entry in enumerate(layer.data.get("rules", [])):
            _add(layer, i, entry, rules, disabled, errors)
    return Merge(tuple(rules.values()), tuple(disabled.values()), tuple(errors))


def _add(layer: Layer, i: int, entry: dict[str, Any], rules: dict[str, Rule],
         disabled: dict[str, Disabled], errors: list[InputError]) -> None:
    rule_id = entry["id"]
    where = Location(layer.file, layer.line("rules", i, "id"), "id")
    if rule_id in rules:
        other = rules[rule_id].origin
        errors.append(RuleError(f"rule id '{rule_id}' is already defined in layer '{other.layer}' "
                                f"({other.file}:{other.line}); use 'override' to change it", where, rule_id,
                                "duplicate-id"))
    elif rule_id in disabled:
        # An id names one piece of advice for good: the trace and decision records rely on it.
        errors.append(RuleError(f"rule id '{rule_id}' was disabled by layer '{disabled[rule_id].layer}'; "
                                "a new rule needs a new id", where, rule_id, "duplicate-id"))
    else:
        rules[rule_id] = Rule.from_data(entry, Origin(layer.name, layer.file, layer.line("rules", i)))


def _disable(layer: Layer, i: int, entry: dict[str, Any], rules: dict[str, Rule],
             disabled: dict[str, Disabled], errors: list[InputError]) -> None:
    line = layer.line("disable", i, "id")
    rule_id = entry["id"]
    if rule_id not in rules:
        errors.append(RuleError(f"disables '{rule_id}', {missing_from(rule_id, disabled)}",
                                Location(layer.file, line, "disable.id"), rule_id, "unknown-id"))
        return
    del rules[rule_id]
    disabled[rule_id] = Disabled(rule_id, layer.name, entry["reason"], layer.file, line)


def _override(layer: Layer, i: int, entry: dict[str, Any], rules: dict[str, Rule],
              disabled: dict[str, Disabled], errors: list[InputError]) -> None:
    line = layer.line("override", i, "id")
    rule = rules.get(entry["id"])
    if rule is None:
        errors.append(RuleError(f"overrides '{entry['id']}', {missing_from(entry['id'], disabled)}",
                                Location(layer.file, line, "override.id"), entry["id"], "unknown-id"))
        return
    fields = tuple(k for k in ("title", "when", "then", "priority") if k in entry)
    record = Override(layer.name, rule.layer, fields, entry["because"], source_from_data(entry["source"]), layer.file, line)
    rules[entry["id"]] = rule.with_override(entry, record)


def check_limits(merged: MergedRuleset) -> None:
    """Refuse a ruleset durable_rules could not register safely (see the module constants)."""
    def _limit(rule: Rule, message: str) -> RuleError:
        return RuleError(f"rule '{rule.id}' {message}", Location(rule.origin.file, rule.origin.line, "when"),
                         rule.id, "limits")

    top = merged.layers[-1]
    if len(merged.rules) > MAX_RULES:
        raise RulesetError(f"{len(merged.rules)} rules after merging; at most {MAX_RULES} are allowed",
                           Location(top.file, 1))
    total = 0
    for rule in merged.rules:
        leaves = len(rule.when.leaves())
        total += leaves
        if leaves > MAX_LEAVES_PER_RULE:
            raise _limit(rule, f"has {leaves} conditions; at most {MAX_LEAVES_PER_RULE} are allowed")
    if total > MAX_LEAVES:
        raise RulesetError(f"{total} conditions in all; at most {MAX_LEAVES} are allowed", Location(top.file, 1))
    size = footprint(merged)
    for rule in merged.rules:
        used = size.rules[rule.id]
        if used.groups > MAX_GROUPS_PER_RULE:
            raise _limit(rule, f"nests {used.groups} all/any/not groups once compiled (a 'not' or 'in' "
                               f"adds one); durable_rules takes at most {MAX_GROUPS_PER_RULE}: flatten the condition")
        if used.matches > MAX_MATCHES_PER_RULE:
            raise _limit(rule, f"can fire {used.matches} times on one situation (each way its 'any's can hold); "
                               f"at most {MAX_MATCHES_PER_RULE} are allowed: use 'in' or split the rule")
    if size.total_matches > MAX_MATCHES:
        raise RulesetError(f"the rules can fire {size.total_matches} times on one situation; at most "
                           f"{MAX_MATCHES} are allowed", Location(top.file, 1))
    for measured, limit, what in ((size.widest, MAX_WIDTH, "different conditions under one condition"),
                                  (size.longest_list, MAX_LIST, "'any'/'in'/'not' branches ending in one condition"),
                                  (size.stack, MAX_STACK, "conditions that can hold at once along one path")):
        if measured > limit:
            raise RulesetError(f"too many {what} for durable_rules ({measured}; at most {limit}): "
                               "split the rules or share fewer conditions", Location(top.file, 1))
