"""``followup plan``: every follow-up ahead, as text, JSON or calendar reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from followup.api import Rules
from followup.base.output import write_bytes
from followup.cli.common import as_date, rules_option, today_option
from followup.load.situation import Situation
from followup.plan import make_plan, horizon_day
from followup.render.ics import plan_calendar
from followup.render.plan import plan_json, plan_text
from followup.render.timeline import timeline_row, timeline_svg
from followup.render.words import say


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "svg"]), default="text", show_default=True,
              help="text for people; json for tools; svg: the steps as a timeline picture.")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False), metavar="OUT.ics",
              help="Also write the steps as calendar reminders (iCalendar); importing it again updates them.")
@click.option("--horizon", metavar="DATE|DAYS", default=None,
              help="Plan no further than this day (YYYY-MM-DD) or this many days from today.")
@click.option("--lang", default="en", show_default=True, help="The language to read the plan in (en, da, sv, nb): its words, dates and the rules' texts, "
                   "in the text and the calendar. Drafts stay in the file's 'language'.")
@today_option
@rules_option
def plan(file: str, fmt: str, ics_path: str | None, horizon: str | None, lang: str, today: datetime | None,
         rules_dirs: tuple[str, ...]) -> None:
    """The follow-ups ahead for the situation in FILE, each advised on the day it falls, until the rules say stop.

    After you have done a step, record it with 'followup done FILE'; when they answer,
    'followup done FILE --answered'. The plan is then recomputed from what you recorded.
    """
    rules = Rules(rules_dirs)
    situation = rules.situation(file, as_date(today))
    made = make_plan(rules, situation, horizon=horizon_day(horizon, situation.today), lang=lang)
    if fmt == "json" and not ics_path:  # tools read the plain document: the same in every --lang
        click.echo(plan_json(made.to_dict()), nl=False)
        return
    reader = made.reader_dict()  # what people read: the text, the calendar, the picture
    if ics_path:
        write_calendar(ics_path, reader)
    if fmt == "svg":
        click.echo(timeline_svg([timeline_row(reader)], situation.today, title=say(lang, "timeline.plan"),
                                lang=lang), nl=False)
        return
    click.echo(plan_json(made.to_dict()) if fmt == "json" else plan_text(reader), nl=False)


def write_next_step_calendar(path: str, rules: Rules, situation: Situation, lang: str = "en") -> None:
    """``advise --ics``: the next step alone as a calendar reminder (the plan's first step)."""
    write_calendar(path, make_plan(rules, situation, lang=lang, max_steps=1).reader_dict())


def write_calendar(path: str, document: dict[str, Any]) -> None:
    """Write the plan's reminders to ``path`` at once, and say so on stderr (stdout stays the advice)."""
    write_bytes(path, plan_calendar(document))
    count = len(document["steps"])
    click.echo(f"{path}: {count} reminder{'s' if count != 1 else ''} written", err=True)
