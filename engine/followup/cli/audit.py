"""``followup explain`` (why, and why not) and ``followup replay`` (re-check recorded decisions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from followup.api import Rules
from followup.audit.entry import NotARecord
from followup.audit.log import open_log
from followup.audit.replay import Refused, Reproduced, exit_code, replay_log, replayed_text, reproduce, summary
from followup.audit.whynot import SUBJECTS, why_not
from followup.audit.explain import explain
from followup.base.errors import InputError, InputErrors, Location
from followup.load.situation import situation_from_document
from followup.render.report import explanation_markdown, explanation_text, why_not_markdown, why_not_text
from followup.render.text import advice_document, to_json_text
from followup.cli.common import as_date, emit, read_document, rules_option, today_option


@click.command("explain")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), required=False)
@click.option("--log", "log_path", metavar="LOG", help="Explain a logged decision instead (with --id), under the rules "
              "it was made with, as the log stored them.")
@click.option("--id", "decision_id", metavar="ID", help="The id of the logged decision to explain (with --log).")
@click.option("--why-not", "subjects", multiple=True, type=click.Choice(SUBJECTS), metavar="CHANNEL|follow_up",
              help="Why the advice is not to use CHANNEL (email, phone, linkedin, in_person, letter, insider), "
                   "or with follow_up, why not to follow up now: the rules in the way, their sources, and what "
                   "would have to change. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="text for a terminal, markdown to paste into a message, json for tools.")
@today_option
@rules_option
def explain_command(file: str | None, log_path: str | None, decision_id: str | None, subjects: tuple[str, ...],
                    fmt: str, today: datetime | None, rules_dirs: tuple[str, ...]) -> None:
    """Explain the advice for FILE ('-' for standard input): every rule, whether it applied, and why (or why not).

    Rules that applied come first, each condition with the value it saw; then the rules that
    did not, grouped by the first condition that failed. With --log LOG --id ID, the logged
    decision ID instead, from the log alone: the rules as they were when it was made.
    """
    if log_path is not None or decision_id is not None:
        if file is not None or log_path is None or decision_id is None or today is not None or rules_dirs:
            raise InputError("explain a logged decision with --log LOG --id ID, and no FILE, --today or --rules")
        logged = _logged(log_path, decision_id)
        advice, record, document = logged.advice, logged.record, logged.document
    elif file is None:
        raise InputError("name the situation FILE to explain ('-' for standard input), or --log LOG --id ID")
    else:
        decision = Rules(rules_dirs).advise(situation_from_document(read_document(file), as_date(today)))
        advice, record = decision.advice, decision.record
        document = advice_document(advice, record)
    answers = [why_not(advice, subject) for subject in subjects]
    if fmt == "json":
        document = dict(document)
        if answers:
            document["why_not"] = [answer.to_json() for answer in answers]
        emit(to_json_text(document), json_text=True)
    elif answers:
        render = why_not_markdown if fmt == "markdown" else why_not_text
        emit("\n".join(render(answer, record) for answer in answers), nl=False)
    else:
        render_all = explanation_markdown if fmt == "markdown" else explanation_text
        emit(render_all(advice, explain(advice), record), nl=False)


def _logged(log_path: str, decision_id: str) -> Reproduced:
    """Decision ``decision_id`` of the log, made again under the rules the log stored for it."""
    with open_log(log_path) as opened:
        entry = opened.decision(decision_id)
        return reproduce(opened, entry)


#: The lines shown of a file that holds no decision record at all.
_FIRST_SHOWN = 3


@click.command("replay")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--id", "decision_id", metavar="ID", help="Replay only the decision with this id (or id prefix).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_option
def replay_command(log: str, decision_id: str | None, fmt: str, rules_dirs: tuple[str, ...]) -> None:
    """Re-evaluate the decisions recorded in LOG (from 'advise --audit-log') with the current rules.

    For each decision: "same", or what differs (advice fields, rules that fire or not, changed
    effects). A line that is not a decision record (not JSON, over 1,000,000 bytes, a part
    missing or of the wrong type, a situation the loader refuses) is reported with its line
    number and the rest are still replayed; a file with none at all (a situation, a batch's
    input) shows its first three lines and what replay reads. Exits 0 if every decision is
    the same, 1 if any differs, 2 if any line was refused, even when decisions also differ (a
    bad log is reported first: what could not be replayed cannot be called the same).
    """
    results: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    errors: list[InputError] = []
    replayed = different = bad = 0
    with open_log(log) as decisions:  # an unusable LOG is refused before the rules are loaded
        for outcome in replay_log(decisions, Rules(rules_dirs).advice, decision_id):
            if isinstance(outcome, Refused):
                bad += 1
                if bad <= MAX_REPORTED:  # a log of a million bad lines must not become a million messages in memory
                    errors.extend(outcome.errors)
                    refused.append({"file": outcome.file, "line": outcome.line,
                                    "messages": [e.message for e in outcome.errors]})
                continue
            replayed, different = replayed + 1, different + (not outcome.same)
            if fmt == "json":
                results.append(outcome.to_json())
            else:
                emit(replayed_text(outcome), nl=False)
    if bad and not replayed and errors and all(isinstance(e, NotARecord) for e in errors):
        # Perhaps no log at all (a situation file, a batch's input): the first lines, then what replay reads.
        shown = min(len(errors), _FIRST_SHOWN)
        errors = [*errors[:shown], InputError(
            f"holds no decision records: none of its {bad:,} line{'s' if bad > 1 else ''} is one"
            f"{f' (the first {shown} are shown)' if bad > shown else ''}; replay reads a decision log, "
            "as 'followup advise --audit-log LOG' writes it", Location(log))]
    elif bad > MAX_REPORTED:
        errors.append(InputError(f"{bad - MAX_REPORTED:,} more lines refused (the first {MAX_REPORTED} are shown)",
                                 Location(log)))
    if decision_id is not None and not replayed:
        raise InputErrors([*errors, InputError(f"no decision with id {decision_id}", Location(log))])
    if fmt == "json":
        document: dict[str, Any] = {"decisions": results, "summary": summary(replayed, different, bad)}
        if refused:
            document["refused"] = refused
        emit(to_json_text(document), json_text=True)
    else:
        emit(summary(replayed, different, bad))
    if errors:
        raise InputErrors(errors)  # every refused line on stderr, file:line, and exit 2
    code = exit_code(different, bad)
    if code:
        click.get_current_context().exit(code)


#: Refused lines reported one by one; the rest are counted.
MAX_REPORTED = 100
