"""``followup rules coverage``: every advice-catalogue item and the rules that encode it."""

from __future__ import annotations

import textwrap

import click

from followup.authoring.coverage import Coverage, CoverageGap, build_coverage, catalogue_path, load_catalogue
from followup.render.text import to_json_text
from followup.rules.ruleset import Library
from followup.cli.common import emit, rules_option


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for tools.")
@rules_option
def coverage(fmt: str, rules_dirs: tuple[str, ...]) -> None:
    """List every advice-catalogue item with the rules that cite it.

    Exits 1 if an item is cited by no rule, or a rule cites an item the catalogue does not
    have. The catalogue is rulesets/catalogue.md, or the one in the last --rules folder that
    has a catalogue.md.
    """
    path = catalogue_path(rules_dirs)
    report = build_coverage(Library.load(rules_dirs), load_catalogue(path), str(path))
    emit(to_json_text(report.to_json()) if fmt == "json" else render(report), nl=fmt == "json", json_text=fmt == "json")
    problems = []
    if report.uncovered:
        problems.append(f"{len(report.uncovered)} catalogue item(s) cited by no rule: {', '.join(report.uncovered)}")
    if report.unknown:
        problems.append("rules cite items the catalogue does not have: "
                        + ", ".join(f"{item} by {c}" for item, c in report.unknown))
    if problems:
        raise CoverageGap("; ".join(problems))


def render(report: Coverage, width: int = 100) -> str:
    """The report for people: one item per line with its rules, then a summary."""
    layers = ", ".join(f"{name} {version}" for name, version in report.layers)
    lines = [f"Advice catalogue: {len(report.items)} items ({report.catalogue})", f"Layers: {layers}", ""]
    for entry in report.items:
        head = f"{entry.item.id:<4} {entry.item.kind:<8} "
        cited = ", ".join(str(c) for c in entry.citations) or "NOT COVERED"
        lines += textwrap.wrap(cited, width, initial_indent=head, subsequent_indent=" " * len(head),
                               break_on_hyphens=False, break_long_words=False)  # rule ids stay whole
    for item, citation in report.unknown:
        lines.append(f"?    {item} is not in the catalogue, but {citation} cites it")
    rules = {(c.rule, c.layer) for e in report.items for c in e.citations}
    covered = len(report.items) - len(report.uncovered)
    layer_count = f"{len(report.layers)} layer{'s' if len(report.layers) != 1 else ''}"
    lines += ["", f"{covered} of {len(report.items)} items are cited by at least one rule "
                  f"({len(rules)} rules and overrides in {layer_count})."]
    return "\n".join(lines) + "\n"
