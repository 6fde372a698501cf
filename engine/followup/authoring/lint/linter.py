"""``followup rules lint``: every check, over the merged rulesets of a rules folder.

What is linted: the layers of the named folders (or, with none, the shipped layers), each
merged with the layers it extends (a folder's overlay is linted together with the shipped
base it builds on). Each rule is checked once per version in force (an override is a new
version), in the file and at the line where that version is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from followup.api import Rules
from followup.base.errors import InputError
from followup.engine.evaluate import default_evaluator
from followup.base.paths import rulesets_dir
from followup.rules.rule import Rule
from followup.rules.ruleset import Layer, Library, MergedRuleset, check_limits, library_folders, load_folder, merge_rules
from followup.authoring.ruletest import case_files, coverage, load_all_cases, run_case
from followup.authoring.lint.conditions import Conjunct, TooLarge, alternatives, contradiction, leaves_with_paths, unguaranteed_anchors
from followup.engine.vocabulary import leaf_problems
from followup.authoring.lint.conflicts import candidate_pairs, find_conflict
from followup.authoring.lint.findings import Finding, LintReport, from_error
from followup.authoring.lint.languages import language_findings
from followup.engine.vocabulary import Vocabulary, vocabulary


def lint(dirs: Sequence[str | Path] = ()) -> LintReport:
    """Lint the layers of ``dirs`` (the shipped layers if none) and the rule tests beside them."""
    folders = library_folders(dirs)
    layers, findings, files = _load(folders)
    library = Library(layers, strict=False)
    findings += [from_error(p) for p in library.problems]
    user_folders = [folder for folder, shipped in folders if not shipped]
    own = sorted((l for l in library.layers.values() if l.shipped != bool(user_folders)), key=lambda l: l.name)
    linter = _Linter(library, {l.name for l in own}, vocabulary())
    merged = [m for m in (linter.merge(l) for l in own) if m is not None]
    for ruleset in merged:
        linter.check_ruleset(ruleset)
    findings += linter.findings
    findings += language_findings(library, own, merged, linter.vocab, shipped=not user_folders)
    names = {m.name for m in merged}
    findings += _untested(library, [l for l in own if l.name in names], user_folders or [rulesets_dir()], files)
    unique = sorted(set(findings), key=Finding.sort_key)
    return LintReport(tuple(unique), tuple(m.name for m in merged), tuple(sorted(files)))


def _load(folders: list[tuple[Path, bool]]) -> tuple[list[Layer], list[Finding], set[str]]:
    """Every valid layer of the folders, a finding for every file that is not one, and the files read."""
    layers: list[Layer] = []
    findings: list[Finding] = []
    files: set[str] = set()
    for folder, shipped in folders:
        found, errors = load_folder(folder, shipped)
        layers += found
        findings += [from_error(e) for e in errors]
        files |= {l.file for l in found} | {e.location.file for e in errors if e.location.file}
    return layers, findings, files


@dataclass
class _Linter:
    library: Library
    names: set[str]
    vocab: Vocabulary

    def __post_init__(self) -> None:
        self.findings: list[Finding] = []
        self._checked: dict[tuple[str, str], bool] = {}
        self._alternatives: dict[tuple[str, str], list[Conjunct]] = {}
        self._pairs: set[tuple[str, str, str]] = set()

    def merge(self, layer: Layer) -> MergedRuleset | None:
        """The merged ruleset of ``layer``'s chain, or None (with findings) if it cannot be merged."""
        try:
            chain = self.library.chain(layer.name)
        except InputError as exc:
            self.findings.append(from_error(exc))
            return None
        result = merge_rules(chain)
        if result.errors:
            self.findings += [from_error(e) for e in result.errors]
            return None
        merged = MergedRuleset(layer.name, layer.country, tuple(chain), result.rules, result.disabled)
        try:
            check_limits(merged)
        except InputError as exc:
            self.findings.append(from_error(exc))
            return None
        try:
            return self.library.merged_layer(layer.name, layer.country)
        except InputError as exc:  # the templates' merge (override or disable of an unknown one)
            self.findings += [from_error(e) for e in exc.each()]
            return None

    def check_ruleset(self, merged: MergedRuleset) -> None:
        """Every rule of the linted layers, then every pair of them that may conflict."""
        ours = [r for r in merged.rules if r.layer in self.names]
        valid = {r.id for r in ours if self.check_rule(r)}
        alternatives_of = {r.id: self._alternatives[(r.layer, r.id)] for r in ours if r.id in valid}
        evaluator = default_evaluator()
        for a, b, reason in candidate_pairs(merged, valid):
            key = (a.layer, a.id, b.id)
            if key in self._pairs:
                continue
            self._pairs.add(key)
            conflict = find_conflict(a, b, reason, alternatives_of, merged, self.vocab, evaluator)
            if conflict:
                file, line = self.rule_line(b)
                _, first_line = self.rule_line(a)
                self.findings.append(Finding(
                    file, line, b.id, "conflict",
                    f"fires together with '{a.id}' (line {first_line}) at the same priority ({a.priority}) and they "
                    f"disagree: {reason}; give one of them a higher priority or narrow a condition "
                    "(durable_rules fires both on the example)", conflict.witness.data))

    def check_rule(self, rule: Rule) -> bool:
        """Check one version of a rule once; True if its condition is sound enough to pair with others."""
        key = (rule.layer, rule.id)
        if key not in self._checked:
            self._checked[key] = self._check(rule)
        return self._checked[key]

    def _check(self, rule: Rule) -> bool:
        layer, path = self.entry(rule, "when")
        when_data = _get(layer.data, path)
        leaf_paths = leaves_with_paths(when_data, path)
        sound = True
        for leaf, leaf_path in zip(rule.when.leaves(), leaf_paths):
            for kind, message in leaf_problems(leaf, self.vocab):
                self.findings.append(Finding(layer.file, layer.line(*leaf_path), rule.id, kind, message))
                sound = False
        if not sound:
            return False
        try:
            options = alternatives(rule.when)
        except TooLarge:
            return False
        reasons = [contradiction(c, self.vocab) for c in options]
        if all(reasons):
            self.findings.append(Finding(layer.file, layer.line(*path), rule.id, "never-holds",
                                         f"the condition can never hold: {reasons[0]}"))
            return False
        self._alternatives[(rule.layer, rule.id)] = [c for c, r in zip(options, reasons) if not r]
        self._check_anchors(rule)
        return True

    def _check_anchors(self, rule: Rule) -> None:
        missing = unguaranteed_anchors(rule, self.vocab)
        if not missing:
            return
        then_layer, then_path = self.entry(rule, "then")
        when_layer, when_path = self.entry(rule, "when")
        layer, path = (then_layer, then_path) if _written_at(rule, "then") >= _written_at(rule, "when") \
            else (when_layer, when_path)
        for anchor in missing:
            field = next((n for n in ("earliest", "latest") if getattr(rule.then, n) and getattr(rule.then, n).anchor == anchor), None)
            where = path + (field,) if layer is then_layer and path == then_path and field else path
            self.findings.append(Finding(
                layer.file, layer.line(*where), rule.id, "anchor",
                f"its timing counts from {anchor}, but its condition does not make sure the situation gives "
                f"{anchor}; add {{fact: {anchor}, exists: true}} to 'when'"))

    def entry(self, rule: Rule, part: str) -> tuple[Layer, tuple[str | int, ...]]:
        """The layer and document path where the version in force of ``rule``'s ``part`` is written."""
        name = next((o.layer for o in reversed(rule.overrides) if part in o.fields), rule.origin.layer)
        layer = self.library.layers[name]
        section, index = layer.entry(rule.id) or ("rules", 0)
        return layer, (section, index, part)

    def rule_line(self, rule: Rule) -> tuple[str, int | None]:
        layer = self.library.layers[rule.layer]
        section, index = layer.entry(rule.id) or ("rules", 0)
        return layer.file, layer.line(section, index, "id")


def _written_at(rule: Rule, part: str) -> int:
    """0 if ``part`` of the rule is as first defined, else the number of the last override that wrote it."""
    return max([0] + [i + 1 for i, o in enumerate(rule.overrides) if part in o.fields])


def _get(data: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


def _untested(library: Library, own: list[Layer], test_folders: Iterable[Path], files: set[str]) -> list[Finding]:
    """Warnings for rules no rule test fires, and errors for rule test files that cannot be read.

    A case whose country's rules cannot be merged is skipped: that error is reported already.
    """
    try:
        paths = [p for folder in test_folders for p in case_files(folder)]
        files |= {str(p) for p in paths}
        cases = load_all_cases(paths)
    except InputError as exc:
        return [Finding(e.location.file or "<tests>", e.location.line, None, "tests", e.message) for e in exc.each()]
    rules = Rules(library=library)
    results = []
    for case in cases:
        try:
            results.append(run_case(case, rules))
        except InputError:
            continue
    out = []
    for layer_coverage in coverage(results, own):
        for rule_id, line in layer_coverage.uncovered:
            out.append(Finding(layer_coverage.file, line, rule_id, "untested",
                               "no rule test fires this rule" + ("" if paths else " (there are no rule tests)")))
    return out
