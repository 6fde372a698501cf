"""Lint of what is written in other languages: catalogues, declared languages, draft templates.

- a layer that declares ``languages: [en, da]`` needs a catalogue ``NAME.da.yaml`` for each
  language but English (a warning: the advice falls back to English and says so);
- a catalogue entry must name a rule or override of its layer, with as many say/avoid/caution
  points as the rule has (a warning: a wrong count is never used);
- a draft template should have a text in every language drafts are written in (a warning:
  a missing one falls back to English), and its ``when`` may only name facts that exist,
  compared with values of their type (an error, as for rules).
"""

from __future__ import annotations

from typing import Iterable

from followup.authoring.lint.findings import Finding
from followup.engine.vocabulary import Vocabulary, leaf_problems
from followup.rules.catalogue import catalogue_problems
from followup.rules.ruleset import Layer, Library, MergedRuleset
from followup.rules.templates import LANGUAGES


def language_findings(library: Library, own: Iterable[Layer], merged: Iterable[MergedRuleset],
                      vocab: Vocabulary, shipped: bool = True) -> list[Finding]:
    """Findings about the catalogues and templates of the layers linted (``shipped``: the shipped folder's)."""
    own = list(own)
    names = {layer.name for layer in own}
    findings: list[Finding] = []
    for layer in own:
        for lang in layer.data.get("languages", []):
            if lang != "en" and f"{layer.name}.{lang}" not in library.catalogues:
                findings.append(Finding(layer.file, layer.line("languages"), None, "missing-language",
                                        f"layer '{layer.name}' declares language '{lang}' but has no catalogue "
                                        f"{layer.name}.{lang}.yaml beside it: its texts are shown in English"))
    for catalogue in library.catalogues.values():
        if catalogue.shipped != shipped:
            continue  # only the catalogues of the folders linted
        target = catalogue.data["translation"]
        for path, kind, message in catalogue_problems(catalogue, library.layers.get(target)):
            rule = path[1] if len(path) > 1 else None
            findings.append(Finding(catalogue.file, catalogue.line(*path), rule, kind, message))
    seen: set[tuple[str, str]] = set()
    for ruleset in merged:
        for template in ruleset.templates:
            if template.layer not in names or (template.layer, template.id) in seen:
                continue
            seen.add((template.layer, template.id))
            where = template.overrides[-1] if template.overrides else template.origin
            missing = [lang for lang in LANGUAGES if lang not in template.text]
            if missing:
                findings.append(Finding(where.file, where.line, template.id, "template-language",
                                        f"template '{template.id}' has no text in {', '.join(missing)}: drafts in "
                                        "that language are written in English"))
            for leaf in template.when.leaves() if template.when is not None else ():
                for kind, message in leaf_problems(leaf, vocab):
                    findings.append(Finding(where.file, where.line, template.id, kind,
                                            f"template '{template.id}': {message}"))
    return findings


