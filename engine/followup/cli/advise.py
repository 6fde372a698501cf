"""``followup advise`` and ``followup validate``."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click

from followup.engine.engine import Engine
from followup.base.errors import InputError, InputErrors
from followup.audit.log import open_log
from followup.audit.record import new_record
from followup.render.text import advice_document, audit_document, render_text, to_json_text
from followup.rules.ruleset import load_layer
from followup.load.situation import load_situation, situation_from_document
from followup.load.yamlio import load_document
from followup.cli.common import as_date, rules_option, today_option


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for tools (with the decision record and the trace of every rule).")
@click.option("--audit-log", "audit_log", type=click.Path(dir_okay=False), metavar="LOG",
              help="Append the decision (situation, advice, full trace) to LOG as one JSON line; "
                   "safe for several processes at once. LOG is kept owner-only (0600): a symlink, a "
                   "device or FIFO, or a file others may read is refused (exit 2) before advising. "
                   "'followup replay LOG' re-checks it.")
@today_option
@rules_option
def advise(file: str, fmt: str, audit_log: str | None, today: datetime | None, rules_dirs: tuple[str, ...]) -> None:
    """Advise on the situation in FILE (YAML or JSON): whether, when and how to follow up."""
    situation = load_situation(file, as_date(today))
    engine = Engine(rules_dirs)
    # An unusable log (a device, a FIFO, a link, a file others may read) is refused here,
    # before advising: never advice computed and then lost to a log that cannot take it.
    with open_log(audit_log, append=True) if audit_log else nullcontext() as log:
        advice = engine.advise(situation)
        record = new_record(advice)
        if log is not None:  # logged before anything is printed: no advice leaves without its record
            log.append(audit_document(advice, record))
    if fmt == "json":
        click.echo(to_json_text(advice_document(advice, record)))
    else:
        click.echo(render_text(advice), nl=False)


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
