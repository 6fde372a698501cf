"""``followup advise`` and ``followup validate``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from followup.base.errors import InputError, InputErrors, Location
from followup.engine.facts import CHANNELS
from followup.api import LANGUAGES, Rules
from followup.render.text import verdict
from followup.render.words import say
from followup.audit.decision import append_line
from followup.render.text import to_json_line
from followup.rules.catalogue import is_catalogue
from followup.rules.ruleset import load_layer
from followup.load.situation import situation_from_document
from followup.load.yamlio import load_document
from followup.cli.common import as_date, rules_option, today_option


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for tools (with the decision record and the trace of every rule).")
@click.option("--audit-log", "audit_log", type=click.Path(dir_okay=False), metavar="LOG",
              help="Append the decision (situation, advice, full trace) to LOG as one JSON line; "
                   "safe for several processes at once. 'followup replay LOG' re-checks it.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="The language to read the advice in (the verdict, the reasons, the points, the dates). "
                   "The draft is in the language you write to the employer in (the file's 'language').")
@today_option
@rules_option
def advise(file: str, fmt: str, audit_log: str | None, lang: str, today: datetime | None,
           rules_dirs: tuple[str, ...]) -> None:
    """Advise on the situation in FILE (YAML or JSON): whether, when and how to follow up, and what to send."""
    rules = Rules(rules_dirs)
    situation = rules.situation(file, as_date(today))
    decision = rules.advise(situation, lang=lang, log=_LineLog(audit_log) if audit_log else None)
    click.echo(decision.to_json() if fmt == "json" else decision.text(), nl=fmt == "json")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Write the draft in this language instead of the file's 'language' (by default the "
                   "country's: da, sv, nb; en elsewhere).")
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="The draft for one of the advice's alternatives instead (insider: a word with the person you "
                   "know there, asking when to contact the contact person).")
@today_option
@rules_option
def draft(file: str, lang: str | None, channel: str | None, today: datetime | None,
          rules_dirs: tuple[str, ...]) -> None:
    """Print only the draft for FILE: the message to send (or what to say on the phone), ready to paste.

    Exits 1, saying why on stderr, when the advice is not to follow up now (nothing to send).
    """
    rules = Rules(rules_dirs)
    decision = rules.advise(rules.situation(file, as_date(today)))
    found = decision.draft(lang, channel)
    if found is None:
        if channel and decision.action == "follow_up":
            raise InputError(f"the advice does not offer {channel}; it offers: "
                             f"{', '.join((decision.channel or '', *decision.alternatives)).strip(', ')}",
                             Location(None, None, "channel"))
        click.echo(say(lang or "en", "text.no_draft", verdict=verdict(decision.advice, lang or "en")), err=True)
        click.get_current_context().exit(1)
    click.echo(found.text(), nl=False)


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

    A file with a top-level 'ruleset' key is a ruleset, one with 'translation' a catalogue (a
    layer's texts in another language); anything else is a situation.
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
    if is_catalogue(document.data):
        load_layer(Path(file))
        return "catalogue"
    situation_from_document(document)
    return "situation"
