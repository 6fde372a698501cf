"""Rule tests as data: ``rulesets/tests/*.yaml``, each case a situation and the advice expected.

A case gives a whole ``situation``, or names an ``example`` and a ``patch`` merged into it,
and lists what it ``expect``s: action, channel, purpose, dates, alternatives, forbidden
channels, rules that must or must not fire, conflict kinds. ``run_cases`` evaluates each
case through ``followup.Rules`` (the engine every caller uses), against the merged ruleset of
the case's country, and reports
every difference; ``advice_diff`` shows it as a unified diff. ``coverage`` says which rules
of which layers at least one case fired (like ``opa test --coverage``), and ``run_suite``
does all of it for a rules folder.
"""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from followup.api import Rules
from followup.engine.advice import Advice
from followup.base.errors import InputError, InputErrors, Location
from followup.base.paths import examples_dir, rulesets_dir
from followup.rules.ruleset import LINK_OUT, Layer, Library, MergedRuleset, folder_files, is_shipped_folder, leads_out
from followup.load.dates import parse_date
from followup.load.schema import validate
from followup.load.situation import Situation, situation_from_data
from followup.load.yamlio import load_document
from followup.base.words import quoted
from followup.render.draft import Draft, make_draft

#: The keys of ``expect``, in the order they are compared and shown.
EXPECT_KEYS = ("action", "channel", "purpose", "earliest", "latest", "alternatives", "forbidden", "conflicts",
               "fired", "not_fired", "beaten", "say", "avoid", "cautions")
#: Keys whose expected items need only be found in the advice (a part of a point's text will do).
POINT_KEYS = ("say", "avoid", "cautions")


@dataclass(frozen=True)
class Case:
    """One rule test case, with where it is written."""

    name: str
    file: str
    line: int | None
    situation: dict[str, Any]
    today: date | None
    expect: dict[str, Any]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: the differences found (none means it passed)."""

    case: Case
    failures: tuple[str, ...]
    advice: Advice | None
    fired: tuple[str, ...]
    #: ``(layer, rule id)`` of every rule that fired, the layer being the one whose version was in force.
    fired_in: tuple[tuple[str, str], ...] = ()
    ruleset: str = ""
    #: ``(layer, template id)`` of the draft made, if any.
    template_in: tuple[str, str] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"name": self.case.name, "file": self.case.file, "line": self.case.line, "passed": self.passed,
                "failures": list(self.failures), "ruleset": self.ruleset, "fired": list(self.fired),
                "diff": advice_diff(self)}


def load_cases(path: str | Path) -> list[Case]:
    """Read and validate a rule test file; examples are resolved and patched here."""
    document = load_document(path)
    validate(document, "ruletest")
    folder = Path(path).resolve().parent
    cases = []
    # Each example read once per file: a file's cases name the same few many times, and
    # ``patched`` copies what it changes, so one parsed example serves them all.
    examples: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(document.data["cases"]):
        location = document.location(("cases", i))
        # "situation" in raw, not raw.get: an empty situation is a situation (and refused as one).
        if "situation" in raw:
            situation = raw["situation"]
        else:
            if raw["example"] not in examples:
                examples[raw["example"]] = _example(raw["example"], folder, location)
            situation = patched(examples[raw["example"]], raw.get("patch", {}))
        today = parse_date(raw["today"]) if "today" in raw else None
        cases.append(Case(raw["name"], str(path), location.line, situation, today, raw["expect"]))
    return cases


def load_all_cases(paths: Iterable[Path]) -> list[Case]:
    """The cases of several files; every file's errors are reported together."""
    cases: list[Case] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            cases += load_cases(path)
        except InputError as exc:
            errors += exc.each()
    if errors:
        raise InputErrors(errors)
    return cases


def _example(name: str, folder: Path, location: Location) -> dict[str, Any]:
    stem = name if name.endswith((".yaml", ".yml", ".json")) else f"{name}.yaml"
    if leads_out(folder / stem, folder):
        raise InputError(f"example {quoted(name)}: {LINK_OUT}", location)
    for candidate in (folder / stem, examples_dir() / stem):
        if candidate.is_file():
            return load_document(candidate).data
    raise InputError(f"example {quoted(name)} not found next to the test file or among the shipped examples", location)


def patched(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``patch`` merged in, key by key; a null in the patch removes the key."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = patched(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def case_situation(case: Case) -> Situation:
    """The case's situation, checked as a situation file is; an invalid one is bad input.

    A case that cannot run is a broken test file (exit 2), not a failed test (exit 1): each
    error names the case's file and line, the field, and the case.
    """
    try:
        return situation_from_data(case.situation, f"{case.file}:{case.line} ({case.name})", case.today)
    except InputError as exc:
        raise InputErrors([InputError(f"case {quoted(case.name)}: {error.message}",
                                      Location(case.file, case.line, _situation_field(error.location.field)))
                           for error in exc.each()]) from None


def _situation_field(field: str | None) -> str:
    return f"situation.{field}" if field else "situation"


def run_case(case: Case, rules: Rules) -> CaseResult:
    """Evaluate one case with ``rules`` and compare the advice with what it expects (``InputError`` if it cannot run)."""
    situation = case_situation(case)
    advice = rules.advice(situation)
    merged = rules.ruleset(situation.country)
    fired = tuple(entry.id for entry in advice.trace)
    unknown = _unknown_rules(case.expect, merged)
    failures = [message for _, message in unknown] + compare(case.expect, advice, fired, {r for r, _ in unknown})
    draft = make_draft(advice)
    if "draft" in case.expect:
        failures += draft_failures(case.expect["draft"], draft)
    used = None
    if draft is not None:
        template = next(t for t in merged.templates if t.id == draft.template)
        used = (template.layer, template.id)
    return CaseResult(case, tuple(failures), advice, fired, tuple((e.layer, e.id) for e in advice.trace),
                      merged.version, used)


def draft_failures(expect: dict[str, Any] | None, draft: Draft | None) -> list[str]:
    """How the draft differs from what a case expects of it."""
    if expect is None:
        return [] if draft is None else [f"draft: expected none, got template {draft.template}"]
    if draft is None:
        return ["draft: expected one, got none"]
    failures = [f"draft {key}: expected {_show(expect[key])}, got {_show(getattr(draft, key))}"
                for key, attr in (("template", "template"), ("language", "language"), ("channel", "channel"))
                if key in expect and expect[key] != getattr(draft, attr)]
    text = f"{draft.subject or ''}\n{draft.body}"
    failures += [f"draft: does not contain {_show(part)}" for part in expect.get("contains", []) if part not in text]
    if "placeholders" in expect and list(expect["placeholders"]) != list(draft.placeholders):
        failures.append(f"draft placeholders: expected {_show(expect['placeholders'])}, got {_show(list(draft.placeholders))}")
    return failures


def run_cases(cases: Iterable[Case], rules: Rules) -> list[CaseResult]:
    """Run cases in order; the errors of every case that cannot run are raised together."""
    results: list[CaseResult] = []
    errors: dict[str, InputError] = {}
    for case in cases:
        try:
            results.append(run_case(case, rules))
        except InputError as exc:
            # A ruleset error is the same for every case of its country: say it once.
            errors.update((e.format_message(), e) for e in exc.each())
    if errors:
        raise InputErrors(list(errors.values()))
    return results


def _unknown_rules(expect: dict[str, Any], merged: MergedRuleset) -> list[tuple[str, str]]:
    """A misspelt id in ``not_fired`` would pass for ever; an unknown id is a failure of its own."""
    known = {r.id for r in merged.rules}
    disabled = {d.id: d for d in merged.disabled}
    out = []
    for key in ("fired", "not_fired", "beaten"):
        for rule_id in expect.get(key, []):
            if rule_id in disabled and key != "not_fired":
                d = disabled[rule_id]
                out.append((rule_id, f"rule {rule_id} cannot fire: layer {d.layer} disables it ({d.reason})"))
            elif rule_id not in known and rule_id not in disabled:
                out.append((rule_id, f"rule {rule_id} is not in ruleset {merged.version}"))
    return out


def _actual(advice: Advice) -> dict[str, Any]:
    got = advice.to_json()
    return {"action": got["action"], "channel": got["channel"], "purpose": got["purpose"],
            "earliest": got["timing"]["earliest"], "latest": got["timing"]["latest"],
            "alternatives": got["alternatives"], "conflicts": [c["kind"] for c in got["conflicts"]],
            "forbidden": got["forbidden"]}


def compare(expect: dict[str, Any], advice: Advice, fired: tuple[str, ...],
            reported: Iterable[str] = ()) -> list[str]:
    """Every way the advice differs from what is expected, in words (rules in ``reported`` aside)."""
    actual = _actual(advice)
    failures = [f"{key}: expected {_show(expect[key])}, got {_show(actual[key])}"
                for key in actual if key != "forbidden" and key in expect and expect[key] != actual[key]]
    missing_forbidden = [c for c in expect.get("forbidden", []) if c not in actual["forbidden"]]
    if missing_forbidden:
        failures.append(f"forbidden: expected {_show(missing_forbidden)} among {_show(actual['forbidden'])}")
    known, skip = set(fired), set(reported)
    failures += [f"rule {r} did not fire" for r in expect.get("fired", []) if r not in known and r not in skip]
    failures += [f"rule {r} fired but should not" for r in expect.get("not_fired", []) if r in known]
    beaten = _beaten(advice)
    failures += [f"rule {r} was not beaten: nothing of its effect was set aside" for r in expect.get("beaten", [])
                 if r not in beaten and r not in skip]
    for key in POINT_KEYS:
        failures += [f"{key}: no point contains {_show(text)}" for text in expect.get(key, [])
                     if not _has_point(advice, key, text)]
    return failures


def _beaten(advice: Advice) -> set[str]:
    """Rules that fired but had a part of their effect set aside by another rule or the resolver."""
    return {entry.id for entry in advice.trace if entry.overridden_by}


def _has_point(advice: Advice, key: str, text: str) -> bool:
    return any(text in point.text for point in getattr(advice, key))


def advice_diff(result: CaseResult) -> list[str]:
    """The expected advice against the advice given, as unified-diff lines (empty if they agree).

    Only what the case expects is shown. ``forbidden`` and ``fired`` list the expected items
    that are forbidden or fired; ``not_fired`` lists those that did not fire: a missing item is
    a difference.
    """
    if result.advice is None or result.passed:
        return []
    expect = result.case.expect
    actual = _actual(result.advice)
    fired = set(result.fired)
    actual["forbidden"] = [c for c in expect.get("forbidden", []) if c in actual["forbidden"]]
    actual["fired"] = [r for r in expect.get("fired", []) if r in fired]
    actual["not_fired"] = [r for r in expect.get("not_fired", []) if r not in fired]
    actual["beaten"] = [r for r in expect.get("beaten", []) if r in _beaten(result.advice)]
    for key in POINT_KEYS:
        actual[key] = [t for t in expect.get(key, []) if _has_point(result.advice, key, t)]
    keys = [k for k in EXPECT_KEYS if k in expect]
    lines = difflib.unified_diff(_lines({k: expect[k] for k in keys}), _lines({k: actual[k] for k in keys}),
                                 "expected", "got", n=len(keys) * 20, lineterm="")
    return list(lines)


def _lines(data: dict[str, Any]) -> list[str]:
    out = []
    for key, value in data.items():
        if isinstance(value, list):
            out.append(f"{key}:" + ("" if value else " []"))
            out += [f"  - {_plain(v)}" for v in value]
        else:
            out.append(f"{key}: {_plain(value)}")
    return out


def _plain(value: Any) -> str:
    return "null" if value is None else str(value)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def case_files(folder: str | Path) -> list[Path]:
    """The rule test files of a rules folder (its ``tests/`` subfolder).

    A link (the folder ``tests`` or a file in it) that leads out of the rules folder is bad
    input, named and not read.
    """
    folder = Path(folder)
    tests = folder / "tests"
    if leads_out(tests, folder):
        raise InputError(LINK_OUT, Location(str(tests)))
    if not tests.is_dir():
        return []
    paths, refused = folder_files(tests, folder)
    if refused:
        raise InputErrors(refused)
    return paths


# --- coverage -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerCoverage:
    """Which of one layer's rules (and overrides) at least one case fired."""

    layer: str
    file: str
    rules: tuple[tuple[str, int | None], ...]
    covered: frozenset[str]

    @property
    def uncovered(self) -> tuple[tuple[str, int | None], ...]:
        return tuple((r, line) for r, line in self.rules if r not in self.covered)

    @property
    def percent(self) -> float:
        return 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules) if self.rules else 100.0

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "file": self.file, "rules": len(self.rules),
                "covered": len(self.rules) - len(self.uncovered), "percent": round(self.percent, 1),
                "uncovered": [{"rule": r, "line": line} for r, line in self.uncovered]}


def coverage_units(layer: Layer) -> tuple[tuple[str, int | None], ...]:
    """What a layer asks to be tested: each rule it defines and each rule it overrides, with lines."""
    return tuple((entry["id"], layer.line(section, i, "id"))
                 for section in ("rules", "override") for i, entry in enumerate(layer.data.get(section, [])))


def coverage(results: Iterable[CaseResult], layers: Iterable[Layer]) -> list[LayerCoverage]:
    """Per layer: its rules and overrides, and which of them some case fired in that layer's version."""
    fired_in = {pair for result in results for pair in result.fired_in}
    return [LayerCoverage(layer.name, layer.file, coverage_units(layer),
                          frozenset(r for r, _ in coverage_units(layer) if (layer.name, r) in fired_in))
            for layer in layers]


def template_coverage(results: Iterable[CaseResult], layers: Iterable[Layer]) -> list[LayerCoverage]:
    """Per layer: its templates and template overrides, and which of them made some case's draft."""
    used = {result.template_in for result in results if result.template_in}
    out = []
    for layer in layers:
        units = tuple((entry["id"], layer.line(section, i, "id")) for section in ("templates", "override_templates")
                      for i, entry in enumerate(layer.data.get(section, [])))
        if units:
            out.append(LayerCoverage(layer.name, layer.file, units,
                                     frozenset(t for t, _ in units if (layer.name, t) in used)))
    return out


def total_percent(layers: Iterable[LayerCoverage]) -> float:
    """Coverage over all the given layers' rules together."""
    layers = list(layers)
    total = sum(len(c.rules) for c in layers)
    return 100.0 * sum(len(c.rules) - len(c.uncovered) for c in layers) / total if total else 100.0


# --- a whole folder -----------------------------------------------------------------------

@dataclass(frozen=True)
class SuiteReport:
    """Every case of a rules folder run, and the coverage of that folder's layers."""

    results: tuple[CaseResult, ...]
    coverage: tuple[LayerCoverage, ...]
    #: Which templates made a draft in some case (reported; ``--min-coverage`` counts rules only).
    templates: tuple[LayerCoverage, ...] = ()

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    @property
    def percent(self) -> float:
        return total_percent(self.coverage)

    def to_json(self) -> dict[str, Any]:
        return {"cases": [r.to_json() for r in self.results],
                "summary": {"cases": len(self.results), "passed": len(self.results) - len(self.failed),
                            "failed": len(self.failed)},
                "coverage": {"percent": round(self.percent, 1), "layers": [c.to_json() for c in self.coverage],
                             "templates": [c.to_json() for c in self.templates]}}


def scope_layers(library: Library, folder: str | Path | None) -> list[Layer]:
    """The layers a folder's tests are about: the folder's own, or the shipped ones if none is named."""
    shipped = folder is None or is_shipped_folder(folder)
    return [library.layers[name] for name in sorted(library.layers) if library.layers[name].shipped == shipped]


def run_suite(folder: str | Path | None = None, library: Library | None = None) -> SuiteReport:
    """Run the rule tests of ``folder`` (default: the shipped ones) against shipped + folder rules."""
    library = library or Library.load([folder] if folder else [])
    files = case_files(folder or rulesets_dir())
    if not files:
        where = Path(folder or rulesets_dir()) / "tests"
        raise InputError("no rule tests found; write them as tests/<layer>.yaml next to the rulesets "
                         "(see docs/authoring.md)", Location(str(where)))
    results = run_cases(load_all_cases(files), Rules(library=library))
    layers = scope_layers(library, folder)
    return SuiteReport(tuple(results), tuple(coverage(results, layers)), tuple(template_coverage(results, layers)))
