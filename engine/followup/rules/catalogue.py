"""Catalogues: a ruleset layer's texts in another language, in a file beside the layer.

``rulesets/base.da.yaml`` translates the layer ``base`` into Danish::

    translation: base     # the layer (ruleset name) it translates
    language: da
    rules:
      <rule-id>:          # a rule or an override of that layer
        title: "…"
        because: "…"
        say: ["…"]        # the same count and order as the rule's then.say (so avoid, caution)

A catalogue has no ``ruleset`` key: the loader tells it from a layer by its ``translation``
key, and it may sit in the shipped folder or in a user's rules folder. Each text of a merged
rule is translated by the catalogue of the layer that wrote that text (an override that
replaces ``then`` brings its own points, so its layer's catalogue translates them); a text
no catalogue translates stays English, and the advice says so once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from followup.load.schema import validate
from followup.load.yamlio import Document
from followup.rules.rule import Rule

POINT_FIELDS = (("say", "say"), ("avoid", "avoid"), ("caution", "caution"))


def is_catalogue(data: Any) -> bool:
    """Whether a parsed rules-folder file is a catalogue rather than a layer."""
    return isinstance(data, dict) and "translation" in data and "ruleset" not in data


def check_catalogue(document: Document) -> None:
    """Schema-validate a catalogue file."""
    validate(document, "catalogue")


def catalogue_name(data: dict[str, Any]) -> str:
    """``base.da``: the name a catalogue goes by among the files of a library."""
    return f"{data['translation']}.{data['language']}"


@dataclass(frozen=True)
class RuleText:
    """One rule's texts in one language; None where no catalogue translates it."""

    title: str | None = None
    because: str | None = None
    say: tuple[str, ...] | None = None
    avoid: tuple[str, ...] | None = None
    caution: tuple[str, ...] | None = None


def _written_by(rule: Rule, part: str) -> str:
    """The layer that wrote ``part`` (title, because, then) of the rule as merged."""
    for override in reversed(rule.overrides):
        if part == "because" or part in override.fields:
            return override.layer
    return rule.origin.layer


def translations(rules: Iterable[Rule], catalogues: Iterable[Any]) -> dict[str, dict[str, RuleText]]:
    """Language → rule id → its texts there, for the rules of a merged ruleset."""
    by_layer: dict[tuple[str, str], dict[str, Any]] = {}
    for catalogue in catalogues:
        data = catalogue.data
        by_layer[(data["translation"], data["language"])] = data["rules"]
    languages = sorted({lang for _, lang in by_layer})
    out: dict[str, dict[str, RuleText]] = {lang: {} for lang in languages}
    for rule in rules:
        layers = {part: _written_by(rule, part) for part in ("title", "because", "then")}
        for lang in languages:
            def entry(part: str) -> dict[str, Any]:
                return by_layer.get((layers[part], lang), {}).get(rule.id, {})

            points: dict[str, tuple[str, ...] | None] = {}
            for name, _ in POINT_FIELDS:
                english = getattr(rule.then, name)
                given = entry("then").get(name)
                points[name] = () if not english else (tuple(given) if given and len(given) == len(english) else None)
            out[lang][rule.id] = RuleText(entry("title").get("title"), entry("because").get("because"), **points)
    return out


def catalogue_problems(catalogue: Any, layer: Any | None) -> list[tuple[tuple[Any, ...], str, str]]:
    """What lint says about a catalogue: ``(path, kind, message)`` for each unknown rule or wrong count."""
    data = catalogue.data
    if layer is None:
        return [(("translation",), "catalogue-unknown-layer",
                 f"translates layer '{data['translation']}', which no rules folder defines")]
    entries: dict[str, dict[str, Any]] = {}
    for section in ("rules", "override"):
        for item in layer.data.get(section, []):
            entries.setdefault(item["id"], item)
    problems: list[tuple[tuple[Any, ...], str, str]] = []
    for rule_id, text in data["rules"].items():
        item = entries.get(rule_id)
        if item is None:
            problems.append((("rules", rule_id), "catalogue-unknown-rule",
                             f"'{rule_id}' is not a rule or an override of layer '{layer.name}'"))
            continue
        then = item.get("then", {})
        for name, _ in POINT_FIELDS:
            if name in text and len(text[name]) != len(then.get(name, [])):
                problems.append((("rules", rule_id, name), "catalogue-points",
                                 f"'{rule_id}' has {len(then.get(name, []))} '{name}' point(s) in layer "
                                 f"'{layer.name}', the {data['language']} catalogue {len(text[name])}"))
        for name in ("title", "because"):
            if name in text and name not in item:
                problems.append((("rules", rule_id, name), "catalogue-unknown-rule",
                                 f"'{rule_id}' has no {name} in layer '{layer.name}' to translate"))
    return problems
