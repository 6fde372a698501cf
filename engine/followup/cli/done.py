"""``followup done``: record what you did in the situation file, then print the new advice."""

from __future__ import annotations

from datetime import datetime

import click

from followup.api import Decision, Rules
from followup.base.errors import InputError, Location
from followup.cli.common import DAY, as_date, rules_option, today_option
from followup.done import Record, already, record
from followup.load.situation import Situation
from followup.load.yamlio import load_document


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--on", "on", type=DAY, default=None, metavar="YYYY-MM-DD",
              help="The day you did it (default: today).")
@click.option("--via", metavar="CHANNEL", default=None,
              help="How: email, phone, linkedin, in_person, letter, insider (default: the channel the advice gives).")
@click.option("--answered", is_flag=True,
              help="They answered. Alone: your last follow-up got its answer. With --on/--via: the follow-up "
                   "you record was answered (a call that reached them).")
@click.option("--thanked", is_flag=True, help="You sent the thank-you after the (latest) interview round (its thanked).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the new advice.")
@today_option
@rules_option
def done(file: str, on: datetime | None, via: str | None, answered: bool, thanked: bool, fmt: str,
         today: datetime | None, rules_dirs: tuple[str, ...]) -> None:
    """Record in FILE what you did, keeping everything else in it as it was, and print the new advice.

    Without options it records what the advice says to do, done today: the thank-you if that
    is the advice, else a follow-up by the advised channel. Nothing is written if the result
    would be invalid (exit 2): an unknown channel, a day after today or before the application.
    """
    rules = Rules(rules_dirs)
    situation = rules.situation(file, as_date(today))
    what = _what(file, situation, rules.advise(situation), as_date(on), via, answered, thanked)
    if already(what, load_document(file).data):
        message = f"{file}: already recorded: {what.describe()}; nothing was written."
    else:
        situation = record(file, what, as_date(today))
        message = f"Recorded in {file}: {what.describe()}."
    decision = rules.advise(situation)
    if fmt == "json":
        click.echo(message, err=True)
        click.echo(decision.to_json())
    else:
        click.echo(f"{message}\n\n{decision.text()}", nl=False)


def _what(file: str, situation: Situation, advice: Decision, on: object, via: str | None, answered: bool,
          thanked: bool) -> Record:
    """What to record, from the options and, where they say nothing, from the current advice."""
    if thanked:
        if on is not None or via is not None or answered:
            raise InputError("--thanked records the thank-you alone; --on, --via and --answered are for follow-ups",
                             Location(file, None, "--thanked"))
        return Record("thanked")
    if answered and on is None and via is None:
        return Record("answered")
    if on is None and via is None and advice.purpose == "thank_you":
        return Record("thanked")  # the advice was the thank-you: it is recorded as the rules read it
    channel = via or advice.channel
    if channel is None:
        raise InputError("the advice names no channel; say how you followed up with --via CHANNEL",
                         Location(file, None, "--via"))
    return Record("follow_up", on or situation.today, channel, answered)  # type: ignore[arg-type]
