"""``followup log list|show|export``: the questions an auditor asks of a decision log.

Any log ``open_log`` opens: a JSON Lines file, or SQLite (``.sqlite``, ``.db``, ``sqlite:``),
where the filters are indexed queries. An entry that cannot be read (a tampered line or row)
is named on standard error and makes the exit code 2: never skipped in silence.

``show`` gives a decision with its full trace, expanded from the ruleset the log stored for it
(``--as-logged``: the entry as written, compact trace); ``export`` writes each stored ruleset
before the first decision that names it, so that what it writes is a log of its own.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Iterator

import click

from followup.audit.entry import DecisionLog, LogEntry, fired_ids
from followup.audit.erase import erase
from followup.audit.log import open_log
from followup.audit.replay import check_entry
from followup.base.errors import ExitCode, InputError
from followup.base.words import visible
from followup.render.text import to_json_line, to_json_text
from followup.cli.common import DAY, emit, error_text, say


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("--since", type=DAY, metavar="YYYY-MM-DD",
                     help="Only decisions advised for this day or later."),
        click.option("--country", metavar="CC", help="Only decisions for this country (two capital letters)."),
        click.option("--rule", "rule", metavar="ID", help="Only decisions where this rule fired."),
        click.option("--action", type=click.Choice(["follow_up", "wait", "stop"]), help="Only decisions with this action."),
    ]):
        func = option(func)
    return func


@click.group("log")
def log() -> None:
    """Read a decision log (JSON Lines, or SQLite for .sqlite/.db or sqlite:PATH)."""


@log.command("list")
@click.argument("log_path", metavar="LOG")
@_filters
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(log_path: str, since: datetime | None, country: str | None, rule: str | None, action: str | None,
                 fmt: str) -> None:
    """One line per matching decision: id, day advised for, country, action, channel, rules fired."""
    bad = _each(log_path, since, country, rule, action,
                lambda d: emit(to_json_line(_summary(d)) if fmt == "json" else _summary_text(d),
                               json_text=fmt == "json"))
    _finish(bad)


@log.command("show")
@click.argument("log_path", metavar="LOG")
@click.argument("decision_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="json", show_default=True)
@click.option("--as-logged", is_flag=True, help="The entry as it was written (its compact trace), not expanded.")
def show_command(log_path: str, decision_id: str, fmt: str, as_logged: bool) -> None:
    """The logged document of decision ID, with its full trace: every rule as it was when decided.

    The trace is expanded from the ruleset the log stored for the decision, whatever the rules
    folders hold now. A tampered entry or stored ruleset, or a missing one, exits 2, naming it.
    """
    with open_log(log_path) as opened:
        entry = opened.decision(decision_id)
        document = opened.full_document(entry)
    check_entry(replace(entry, data=document))  # a changed situation or trace is refused, never shown as logged
    if as_logged:
        document = entry.data  # type: ignore[assignment]
    emit(to_json_text(document) if fmt == "json" else _summary_text(document), json_text=fmt == "json")


@log.command("export")
@click.argument("log_path", metavar="LOG")
@_filters
def export_command(log_path: str, since: datetime | None, country: str | None, rule: str | None,
                   action: str | None) -> None:
    """The matching decisions as JSON Lines on standard output, one document a line."""
    _finish(_each(log_path, since, country, rule, action, lambda d: emit(to_json_line(d), json_text=True),
                  rulesets=True))


@log.command("erase")
@click.argument("log_path", metavar="LOG")
@click.option("--email", metavar="ADDRESS", help="Every decision about the person with this e-mail address.")
@click.option("--name", "person", metavar="NAME", help="Every decision about the person of this name.")
@click.option("--id", "decision_id", metavar="ID", help="The decision with this id.")
def erase_command(log_path: str, email: str | None, person: str | None, decision_id: str | None) -> None:
    """Remove a person's decisions from LOG (hashed or kept as given) and say how many."""
    if sum(x is not None for x in (email, person, decision_id)) != 1:
        raise InputError("say whose decisions to erase: exactly one of --email, --name or --id")
    count = erase(log_path, email=email, person=person, decision_id=decision_id)
    emit(f"erased {count:,} decision{'' if count == 1 else 's'} from {visible(log_path)}")


def _each(log_path: str, since: datetime | None, country: str | None, rule: str | None, action: str | None,
          write: Callable[[dict[str, Any]], None], rulesets: bool = False) -> list[InputError]:
    """Write each matching entry; with ``rulesets``, each stored ruleset before its first decision."""
    bad: list[InputError] = []
    written: set[str] = set()
    with open_log(log_path) as opened:
        entries: Iterator[LogEntry] = opened.query(since=since.date().isoformat() if since else None,
                                                   country=country, rule=rule, action=action)
        for entry in entries:
            try:
                if entry.error is not None:
                    raise entry.error
                assert entry.data is not None
                if rulesets:
                    _ruleset_first(opened, entry, written, write)
                write(entry.data)
            except InputError as exc:
                say(error_text(exc))
                bad.append(exc)
    return bad


def _ruleset_first(opened: DecisionLog, entry: LogEntry, written: set[str],
                   write: Callable[[dict[str, Any]], None]) -> None:
    """Write the stored ruleset ``entry`` names, checked, unless it was written already."""
    compact = entry.data.get("compact_explanation") if entry.data else None
    digest = compact.get("ruleset") if isinstance(compact, dict) else None
    if isinstance(digest, str) and digest not in written:
        opened.ruleset(digest, entry)  # missing or tampered: refused here, naming it
        stored = opened.stored(digest)
        assert stored is not None and stored.data is not None
        write(stored.data)
        written.add(digest)


def _finish(bad: list[InputError]) -> None:
    """Exit 2 if any entry could not be read (each was named on standard error as it came)."""
    if bad:
        say(f"error: {len(bad):,} entr{'y' if len(bad) == 1 else 'ies'} of the log could not be read")
        sys.exit(ExitCode.BAD_INPUT)


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    decision = document.get("decision") or {}
    return {"id": decision.get("id"), "today": decision.get("today"), "timestamp": decision.get("timestamp"),
            "country": document.get("country"), "action": document.get("action"), "channel": document.get("channel"),
            "ruleset": (decision.get("ruleset") or {}).get("digest"), "fired": fired_ids(document)}


def _summary_text(document: dict[str, Any]) -> str:
    s = _summary(document)
    return visible(f"{s['id']}  {s['today']}  {s['country']}  {s['action']:<9}  {s['channel'] or '-':<9}  "
                   f"{len(s['fired'])} rules fired")
