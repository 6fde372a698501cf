"""``followup advise`` and ``followup validate``."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

import click

from followup.base.errors import InputError, InputErrors, Location
from followup.engine.facts import CHANNELS
from followup.api import LANGUAGES, TRACES, Rules
from followup.audit.log import open_log
from followup.render.text import verdict
from followup.render.words import say
from followup.rules.catalogue import is_catalogue
from followup.rules.ruleset import layer_from_document
from followup.load.situation import situation_from_document
from followup.base.words import visible
from followup.cli.common import STDIN, STDIN_NAME, as_date, emit, read_document, rules_option, today_option
from followup.cli.common import say as note
from followup.cli.plan import write_next_step_calendar


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for tools (with the decision record and the trace of every rule).")
@click.option("--trace", "trace", type=click.Choice(TRACES), default="full", show_default=True,
              help="With --format json: the full trace of every rule, the compact one (what this situation "
                   "decided; the ruleset holds the rest), or none.")
@click.option("--no-explanation", "no_explanation", is_flag=True, help="The same as --trace none.")
@click.option("--audit-log", "audit_log", type=click.Path(dir_okay=False), metavar="LOG",
              help="Keep the decision (situation, advice, what each rule decided) in LOG: JSON Lines, or "
                   "SQLite for .sqlite/.db; each ruleset is stored once beside the decisions that name it, and "
                   "the decision's id is said on stderr; "
                   "safe for several processes at once. LOG is kept owner-only (0600): a symlink, a "
                   "device or FIFO, or a file others may read is refused (exit 2) before advising. "
                   "'followup replay LOG' re-checks it.")
@click.option("--log-personal-data", "log_personal_data", is_flag=True,
              help="Keep names, e-mail addresses, phone numbers and notes in the audit log as they are; "
                   "by default they are stored as keyed hashes (the key is in your config folder).")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False), metavar="OUT.ics",
              help="Also write the next follow-up as a calendar reminder ('followup plan --ics' writes them all).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="The language to read the advice in (the verdict, the reasons, the points, the dates). "
                   "The draft is in the language you write to the employer in (the file's 'language').")
@today_option
@rules_option
def advise(file: str, fmt: str, trace: str, no_explanation: bool, audit_log: str | None, log_personal_data: bool,
           ics_path: str | None, lang: str, today: datetime | None,
           rules_dirs: tuple[str, ...]) -> None:
    """Advise on the situation in FILE (YAML or JSON; '-' for standard input): whether, when and how to follow up, and what to send."""
    rules = Rules(rules_dirs)
    situation = situation_from_document(read_document(file), as_date(today))
    # An unusable log (a device, a FIFO, a link, a file others may read) is refused here,
    # before advising: never advice computed and then lost to a log that cannot take it.
    with open_log(audit_log, append=True) if audit_log else nullcontext() as log:
        decision = rules.advise(situation, lang=lang, log=log, log_personal_data=log_personal_data)
    if fmt == "json":
        emit(decision.to_json(trace="none" if no_explanation else trace), json_text=True)
    else:
        emit(decision.text(), nl=False)
        _unused_trace_note(file)
    if audit_log:  # on stderr, so stdout stays the advice; the id is what log show and explain --log take
        note(f"{audit_log}: decision {decision.id} kept (followup log show {audit_log} {decision.id[:8]})")
    if ics_path:
        write_next_step_calendar(ics_path, rules, situation)


def _unused_trace_note(file: str) -> None:
    """Say so when --trace or --no-explanation was given for text, which they do not change."""
    context = click.get_current_context()
    given = [f"--{name.replace('_', '-')}" for name in ("trace", "no_explanation")
             if context.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)]
    if given:
        note(f"{' and '.join(given)} only change{'s' if len(given) == 1 else ''} --format json; the text names "
             f"the rules that decided, and 'followup explain {file}' shows every rule")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
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
    decision = rules.advise(situation_from_document(read_document(file), as_date(today)))
    found = decision.draft(lang, channel)
    if found is None:
        if channel and decision.action == "follow_up":
            raise InputError(f"the advice does not offer {channel}; it offers: "
                             f"{', '.join((decision.channel or '', *decision.alternatives)).strip(', ')}",
                             Location(None, None, "channel"))
        say_text = say(lang or "en", "text.no_draft", verdict=verdict(decision.advice, lang or "en"))
        click.echo(say_text, err=True)
        click.get_current_context().exit(1)
    emit(found.text(), nl=False)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
def validate(files: tuple[str, ...]) -> None:
    """Check situation and ruleset FILES against their schemas (picked by content).

    A file with a top-level 'ruleset' key is a ruleset, one with 'translation' a catalogue (a
    layer's texts in another language); anything else is a situation; '-' is standard input.
    Exits 2 if any file is invalid, listing every problem with its line.
    """
    errors: list[InputError] = []
    for file in files:
        try:
            kind = _validate_one(file)
            emit(f"{STDIN_NAME if file == STDIN else visible(file)}: valid {kind}")
        except InputError as exc:
            errors.extend(exc.each())
    if errors:
        raise InputErrors(errors)


def _validate_one(file: str) -> str:
    document = read_document(file)
    if isinstance(document.data, dict) and "ruleset" in document.data:
        layer_from_document(document)
        return "ruleset"
    if is_catalogue(document.data):
        layer_from_document(document)
        return "catalogue"
    situation_from_document(document)
    return "situation"
