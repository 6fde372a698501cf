"""``followup rules show|list|new|lint|test``: for the people who write the rules."""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path
from typing import Any

import click
import yaml

from followup.base.records import to_json_data
from followup.base.words import quoted
from followup.base.errors import ExitCode, InputError, Location
from followup.authoring.lint import lint as run_lint
from followup.rules.rule import Effect, Rule
from followup.rules.ruleset import Library, MergedRuleset, country_code
from followup.authoring.ruletest import SuiteReport, advice_diff, run_suite
from followup.authoring.scaffold import write_skeleton
from followup.cli.common import emit, rules_option

FORMAT_HELP = "text for people, json for tools."


# --- show and list ------------------------------------------------------------------------

@click.command()
@click.option("--country", metavar="CC", help="The country whose merged rules to show (default: the base rules).")
@click.option("--format", "fmt", type=click.Choice(["text", "yaml", "json"]), default="text", show_default=True,
              help="text for people; yaml or json for the merged ruleset as data.")
@rules_option
def show(country: str | None, fmt: str, rules_dirs: tuple[str, ...]) -> None:
    """Show the merged rules for a country, each rule with the layer it comes from."""
    # Checked before any file is read: "../x" or "" is a mistake, not "no overlay, use the base".
    code = country_code(country) if country is not None else None
    merged = Library.load(rules_dirs).merged(code)
    if fmt == "text":
        emit(_show_text(merged), nl=False)
    else:
        emit(_dump(merged_document(merged), fmt), nl=False, json_text=fmt == "json")


def merged_document(merged: MergedRuleset) -> dict[str, Any]:
    """The merged ruleset as data: layers (with files), rules with their layer and overrides, disabled."""
    return {
        "ruleset": merged.name, "country": merged.country, "version": merged.version, "digest": merged.digest,
        "layers": [{"name": l.name, "version": l.version, "file": l.file, "shipped": l.shipped,
                    "replaces": l.shadows} for l in merged.layers],
        "warnings": list(merged.warnings),
        "rules": [{**rule.to_data(), "file": rule.origin.file, "line": rule.origin.line,
                   "overrides": [{"layer": o.layer, "replaced_layer": o.replaced_layer, "fields": list(o.fields),
                                  "because": o.because, "file": o.file, "line": o.line} for o in rule.overrides]}
                  for rule in merged.rules],
        "disabled": [{"id": d.id, "layer": d.layer, "reason": d.reason, "file": d.file, "line": d.line}
                     for d in merged.disabled],
    }


def _dump(data: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _show_text(merged: MergedRuleset) -> str:
    who = f"for {merged.country}" if merged.country else "(the base rules, for countries without their own)"
    lines = [f"Ruleset {merged.name} {who}: {merged.version}", f"digest {merged.digest}", "", "Layers, bottom up:"]
    for layer in merged.layers:
        note = f"replaces the shipped {layer.shadows}" if layer.shadows else ("shipped" if layer.shipped else "yours")
        lines.append(f"  {layer.name} {layer.version}  {layer.file}  ({note})")
    lines += [f"warning: {w}" for w in merged.warnings]
    lines += ["", f"Rules ({len(merged.rules)}, in order):"]
    for rule in merged.rules:
        lines += _rule_lines(rule)
    if merged.disabled:
        lines += ["", f"Disabled ({len(merged.disabled)}):"]
        lines += [f"  {d.id}  by {d.layer}: {d.reason}  ({d.file}:{d.line})" for d in merged.disabled]
    return "\n".join(lines) + "\n"


def _rule_lines(rule: Rule) -> list[str]:
    layer = rule.layer if not rule.overrides else \
        f"{rule.layer}, overriding {rule.origin.layer}: {', '.join(f for o in rule.overrides for f in o.fields)}"
    where = rule.overrides[-1] if rule.overrides else rule.origin
    out = [f"  {rule.id}  [{layer}]" + (f"  priority {rule.priority}" if rule.priority else "")
           + f"  ({Path(where.file).name}:{where.line})", f"      {rule.title}"]
    out += textwrap.wrap(f"when: {rule.when.describe()}", 96, initial_indent="      ", subsequent_indent="        ")
    out += textwrap.wrap(f"then: {effect_text(rule.then)}", 96, initial_indent="      ", subsequent_indent="        ")
    out += textwrap.wrap(f"source: {rule.source}", 96, initial_indent="      ", subsequent_indent="        ")
    return out


def effect_text(effect: Effect) -> str:
    """An effect in one line: ``action follow_up; prefer email; from 7 days after application.sent_on``."""
    data = to_json_data(effect)
    words = {"earliest": "from", "latest": "until"}
    parts = []
    for key, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) and key not in ("say", "avoid", "caution") else value
        if key in ("say", "avoid", "caution"):
            shown = " / ".join(f"\u201c{v}\u201d" for v in value)
        parts.append(f"{words.get(key, key.replace('_', ' '))} {shown}")
    return "; ".join(parts)


@click.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help=FORMAT_HELP)
@rules_option
def list_rules(fmt: str, rules_dirs: tuple[str, ...]) -> None:
    """List the countries that have rules, and the rules in force for each."""
    library = Library.load(rules_dirs)
    rulesets = [library.merged(country) for country in library.countries()] + [library.merged(None)]
    if fmt == "json":
        emit(json.dumps({"rulesets": [_list_entry(m) for m in rulesets]}, indent=2, ensure_ascii=False), json_text=True)
        return
    for merged in rulesets:
        who = merged.country or "any other country"
        disabled = f", {len(merged.disabled)} disabled" if merged.disabled else ""
        emit(f"{who}: {merged.version} ({len(merged.rules)} rules{disabled})")
        width = max((len(r.layer) for r in merged.rules), default=0) + 2
        for rule in merged.rules:
            emit(f"  {('[' + rule.layer + ']').ljust(width)} {rule.id}  {rule.title}")
        for d in merged.disabled:
            emit(f"  {'-'.ljust(width)} {d.id}  disabled by {d.layer}: {d.reason}")
        emit("")


def _list_entry(merged: MergedRuleset) -> dict[str, Any]:
    return {"country": merged.country, "ruleset": merged.name, "version": merged.version,
            "rules": [{"id": r.id, "layer": r.layer, "defined_in": r.origin.layer, "title": r.title}
                      for r in merged.rules],
            "disabled": [{"id": d.id, "layer": d.layer, "reason": d.reason} for d in merged.disabled]}


# --- new ----------------------------------------------------------------------------------

@click.command()
@click.option("--country", required=True, metavar="CC", help="The country (ISO 3166-1 alpha-2, e.g. FI).")
@click.option("--dir", "folder", default="rules", show_default=True, type=click.Path(file_okay=False),
              help="The rules folder to write into (created if missing). Not '.' by default: a folder "
                   "of situation files is not a rules folder, and every YAML file in it would be read as one.")
def new(country: str, folder: str) -> None:
    """Start the rules for a country: a commented overlay and its rule tests.

    Writes <CC>.yaml (extends the base rules; for a country that already has shipped rules,
    <cc>-local.yaml extends those) and tests/<name>.yaml. Both pass lint and test as written.
    Existing files are never overwritten.
    """
    user_dirs = [folder] if Path(folder).is_dir() else []
    paths = write_skeleton(country, folder, Library.load(user_dirs))
    for path in paths:
        emit(f"wrote {path}")
    emit(f"next: edit {paths[0].name}, then\n"
               f"  followup rules lint {folder}\n  followup rules test {folder}\n"
               f"  followup advise <situation> --rules {folder}")


# --- lint ---------------------------------------------------------------------------------

@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(file_okay=False), metavar="[DIR]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help=FORMAT_HELP)
def lint(dirs: tuple[str, ...], fmt: str) -> None:
    """Check rulesets: schema, ids, facts and types, timing, conditions that never hold, conflicts.

    Lints the layers in DIR (default: the shipped rulesets), merged with the shipped layers
    they extend. Each finding is 'file:line: rule-id: message'. Warnings (rules no rule test
    fires) do not fail; any error exits 1.
    """
    for folder in dirs:
        if not Path(folder).is_dir():
            raise InputError("rules folder not found", Location(folder))
    report = run_lint(dirs)
    if fmt == "json":
        emit(json.dumps(report.to_json(), indent=2, ensure_ascii=False), json_text=True)
    else:
        for finding in report.findings:
            emit(finding.text())
        emit(report.summary())
    if report.errors:
        sys.exit(ExitCode.FINDINGS)


# --- test ---------------------------------------------------------------------------------

class Percent(click.ParamType):
    """A percentage, 0 to 100. Not ``click.FloatRange``: NaN passes its bounds (every comparison is false)."""

    name = "percentage"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not 0 <= number <= 100:  # false for NaN too
            self.fail(f"{quoted(value)} is not a percentage between 0 and 100", param, ctx)
        return number


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False), metavar="[DIR]")
@click.option("--min-coverage", type=Percent(), default=None, metavar="PCT",
              help="Fail if fewer than PCT percent of the rules are fired by some case.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help=FORMAT_HELP)
def test(folder: str | None, min_coverage: float | None, fmt: str) -> None:
    """Run the rule tests in DIR/tests (default: the shipped ones) and report rule coverage.

    Each case runs against the merged rules of its situation's country (shipped rules plus
    DIR). Exits 1 if a case fails or coverage is below --min-coverage.
    """
    if folder is not None and not Path(folder).is_dir():
        raise InputError("rules folder not found", Location(folder))
    report = run_suite(folder)
    below = min_coverage is not None and report.percent < min_coverage
    if fmt == "json":
        data = report.to_json()
        data["coverage"]["minimum"] = min_coverage
        data["ok"] = not report.failed and not below
        emit(json.dumps(data, indent=2, ensure_ascii=False), json_text=True)
    else:
        emit(_test_text(report, min_coverage), nl=False)
    if report.failed or below:
        sys.exit(ExitCode.FINDINGS)


def _test_text(report: SuiteReport, min_coverage: float | None) -> str:
    lines: list[str] = []
    for result in report.failed:
        lines.append(f"FAIL {result.case.file}:{result.case.line}: {result.case.name}")
        lines += [f"  {failure}" for failure in result.failures]
        lines += [f"  {line}" for line in advice_diff(result)]
        if result.advice is not None:
            lines.append(f"  fired ({result.ruleset}): {', '.join(result.fired) or 'none'}")
        lines.append("")
    passed = len(report.results) - len(report.failed)
    lines.append(f"{len(report.results)} case{'' if len(report.results) == 1 else 's'}: {passed} passed, "
                 f"{len(report.failed)} failed")
    lines.append("Rule coverage (rules and overrides fired by at least one case):")
    for c in report.coverage:
        covered = len(c.rules) - len(c.uncovered)
        lines.append(f"  {c.layer}: {covered}/{len(c.rules)} ({c.percent:.0f}%)  {c.file}")
        lines += [f"    not fired: {rule} (line {line})" for rule, line in c.uncovered]
    verdict = f"  total: {report.percent:.1f}%"
    if min_coverage is not None:
        verdict += f" ({'below' if report.percent < min_coverage else 'meets'} the minimum of {min_coverage:g}%)"
    lines.append(verdict)
    if report.templates:
        lines.append("Template coverage (templates and overrides that made some case's draft):")
        for c in report.templates:
            covered = len(c.rules) - len(c.uncovered)
            lines.append(f"  {c.layer}: {covered}/{len(c.rules)}  {c.file}")
            lines += [f"    not used: {template} (line {line})" for template, line in c.uncovered]
    return "\n".join(lines) + "\n"
