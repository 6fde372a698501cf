"""``followup agenda``: every application's next step at once, a timeline, a calendar, an activity export."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from followup.agenda import activities, make_agenda, timeline_rows
from followup.api import Rules, as_day
from followup.base.errors import ExitCode, InputError, InputErrors, Location
from followup.base.output import write_bytes
from followup.cli.common import as_date, emit, error_text, rules_option, say, today_option
from followup.render.agenda import activity_csv, agenda_json, agenda_text
from followup.render.ics import agenda_calendar
from followup.render.timeline import timeline_svg


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--until", metavar="YYYY-MM-DD", default=None,
              help="Plan no further than this day; applications with nothing due by then are only counted.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "svg"]), default="text",
              show_default=True,
              help="text: one line per application; json for tools; csv: the activity log (applications and "
                   "follow-ups made); svg: the timeline picture.")
@click.option("-o", "--output", metavar="FILE", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True), help="Where to write it; '-' is standard output.")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False), metavar="OUT.ics",
              help="Also write every application's steps as one calendar (importing it again updates them).")
@click.option("--bom", is_flag=True, help="Start the CSV with a byte order mark, so spreadsheets read it as UTF-8.")
@today_option
@rules_option
def agenda(paths: tuple[str, ...], until: str | None, fmt: str, output: str, ics_path: str | None, bom: bool,
           today: datetime | None, rules_dirs: tuple[str, ...]) -> None:
    """The next step of every situation file in PATH... (files, or folders of *.yaml, *.yml, *.json).

    One line per application, what is due first on top: overdue windows and applications the
    rules say to stop are marked. Each file is planned from its own 'today' (the day its facts
    are as of), so a step you let pass shows as overdue; --today is the day the agenda counts
    from (default: the current date). A file that is invalid is listed with its error and the
    others still are; the exit code is then 2. Folders are read one level deep.
    """
    day = as_date(today) or date.today()
    end = as_day(until, "until")
    if end is not None and end < day:
        raise InputErrors([InputError(f"{end.isoformat()} is before today ({day.isoformat()})",
                                      Location(None, None, "until"))])
    if bom and fmt != "csv":
        raise InputErrors([InputError("--bom is for --format csv", Location(None, None, "bom"))])
    rules = Rules(rules_dirs)
    result = make_agenda(rules, paths, day, end)
    for entry in result.errors:
        say(error_text(entry.error))  # type: ignore[arg-type]
    if ics_path:
        documents, notes = result.calendar_plans()
        for note in notes:
            say(f"note: {note}")
        write_bytes(ics_path, agenda_calendar(documents, day))
        count = sum(len(d["steps"]) for d in documents)
        say(f"{ics_path}: {count} reminder{'s' if count != 1 else ''} written")
    if fmt in ("text", "json"):
        text = agenda_text(result.to_dict()) if fmt == "text" else agenda_json(result.to_dict())
        if output == "-":
            emit(text, nl=False, json_text=fmt == "json")
        else:
            write_bytes(output, text.encode("utf-8"))
    else:
        data = (activity_csv(activities(result), bom=bom) if fmt == "csv"
                else timeline_svg(timeline_rows(result), day, title=f"Follow-ups as of {day.isoformat()}").encode("utf-8"))
        write_bytes(output, data)
    if result.exit_code != ExitCode.OK:
        sys.exit(result.exit_code)
