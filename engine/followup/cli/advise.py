"""``followup advise`` and ``followup validate``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from followup.base.errors import InputError, InputErrors
from followup.api import Rules
from followup.audit.decision import append_line
from followup.render.text import to_json_line
from followup.rules.ruleset import load_layer
from followup.load.situation import situation_from_document
from followup.load.yamlio import load_document
from followup.cli.common import as_date, rules_option, today_option
from followup.cli.plan import write_next_step_calendar


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for tools (with the decision record and the trace of every rule).")
@click.option("--audit-log", "audit_log", type=click.Path(dir_okay=False), metavar="LOG",
              help="Append the decision (situation, advice, full trace) to LOG as one JSON line; "
                   "safe for several processes at once. 'followup replay LOG' re-checks it.")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False), metavar="OUT.ics",
              help="Also write the next follow-up as a calendar reminder ('followup plan --ics' writes them all).")
@today_option
@rules_option
def advise(file: str, fmt: str, audit_log: str | None, ics_path: str | None, today: datetime | None,
           rules_dirs: tuple[str, ...]) -> None:
    """Advise on the situation in FILE (YAML or JSON): whether, when and how to follow up."""
    rules = Rules(rules_dirs)
    situation = rules.situation(file, as_date(today))
    decision = rules.advise(situation, log=_LineLog(audit_log) if audit_log else None)
    click.echo(decision.to_json() if fmt == "json" else decision.text(), nl=fmt == "json")
    if ics_path:
        write_next_step_calendar(ics_path, rules, situation)


class _LineLog:
    """The JSON Lines audit log (O_APPEND + flock, one write a line)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def append(self, document: dict) -> None:
        append_line(self.path, to_json_line(document))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check situation and ruleset FILES against their schemas (picked by content).

    A file with a top-level 'ruleset' key is a ruleset; anything else is a situation.
    Exits 2 if any file is invalid, listing every problem with its line.
    """
    errors: list[InputError] = []
    for file in files:
        try:
            kind = _validate_one(file)
            click.echo(f"{file}: valid {kind}")
        except InputError as exc:
            errors.extend(exc.each())
    if errors:
        raise InputErrors(errors)


def _validate_one(file: str) -> str:
    document = load_document(file)
    if isinstance(document.data, dict) and "ruleset" in document.data:
        load_layer(Path(file))
        return "ruleset"
    situation_from_document(document)
    return "situation"
