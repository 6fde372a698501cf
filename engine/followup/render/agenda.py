"""The agenda for people (one line per application), as JSON, and the activity export (CSV).

It renders the agenda document (``followup.agenda.Agenda.to_dict``) and the activity rows;
the calendar (``render/ics.py``) and the timeline (``render/timeline.py``) are other views
of the same plans.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Iterable, Protocol

from followup.base.names import channel_name, day
from followup.base.words import visible
from followup.render.plan import window_words
from followup.render.text import to_json_text

_MARK = {"overdue": "OVERDUE", "open": "due", "upcoming": "later", "stop": "STOP", "later": "-",
         "ended": "-", "error": "ERROR"}

#: The activity export's columns, in the order Jobnet's job log ("joblog") and
#: Arbetsförmedlingen's activity report ("aktivitetsrapport") ask for them: when, what kind of
#: activity, with whom, for which job, how, and whether they answered; the file last, as ours.
CSV_COLUMNS = ("date", "kind", "employer", "position", "channel", "answered", "file")

#: A spreadsheet reads a cell starting with one of these as a formula (and tab / carriage
#: return can start one after import): an employer called "=HYPERLINK(...)", pasted from a
#: posting, would run in the counsellor's spreadsheet. Such a cell is written with a leading
#: apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def agenda_text(document: dict[str, Any]) -> str:
    """One line per application: mark, due, employer and position, the next step, the rule, the file."""
    today = date.fromisoformat(document["today"])
    shown = [e for e in document["entries"] if e["status"] != "later"]
    rows = [_row(entry, today) for entry in shown]
    header = ("", "WHEN", "APPLICATION", "NEXT STEP", "RULE", "FILE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"Agenda for {day(today, today)} {today.year}: {_summary(document)}.", ""]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    for entry in shown:
        if entry["status"] == "error":
            lines += ["", f"{entry['file']}:"] + [f"  {e['text']}" for e in entry["errors"]]
    later = len(document["entries"]) - len(shown)
    if later:
        lines += ["", f"{later} more application{'s have' if later > 1 else ' has'} nothing due by "
                      f"{day(date.fromisoformat(document['until']), today)}."]
    return "\n".join(lines) + "\n"


def agenda_json(document: dict[str, Any]) -> str:
    """The agenda document as JSON text: ``to_json_text``'s (sorted keys, two-space indent, UTF-8 kept)."""
    return to_json_text(document) + "\n"


def _summary(document: dict[str, Any]) -> str:
    counts = document["counts"]
    total = sum(counts.values())
    parts = [f"{counts[k]} {k}" for k in ("overdue", "open", "upcoming", "stop", "error") if counts.get(k)]
    return f"{total} file{'s' if total != 1 else ''}" + (f" ({', '.join(parts)})" if parts else "")


def _row(entry: dict[str, Any], today: date) -> tuple[str, ...]:
    mark = _MARK[entry["status"]]
    if entry["status"] == "error":
        return (mark, "", "", "invalid: " + visible(entry["errors"][0]["message"])[:60], "", visible(entry["file"]))
    app = entry["application"]
    name = " - ".join(x for x in (app.get("employer"), app.get("position")) if x) or "(unnamed application)"
    step = entry["next"]
    if step is not None:
        what = f"{'thank-you' if step['purpose'] == 'thank_you' else 'follow up'}"
        how = _by(step["channel"])
        nxt = f"{what}{how}, {window_words(step['window'], today)}"
    elif entry["status"] == "stop":
        nxt = "stop following up"
    else:
        nxt = entry["end"]["message"].split(":")[0][:60]
    return (mark, _when(entry), visible(name), visible(nxt), entry["rule"] or "", visible(entry["file"]))


def _by(channel: str | None) -> str:
    """`` by e-mail``, `` in person``, `` through your contact inside the company``."""
    if not channel:
        return ""
    if channel == "in_person":
        return " in person"
    return f" {'through' if channel == 'insider' else 'by'} {channel_name(channel)}"


def _when(entry: dict[str, Any]) -> str:
    days = entry["days"]
    if days is None:
        return ""
    if entry["status"] == "overdue":
        return "closed today" if days == 0 else f"closed {-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "open now"
    return f"in {days} day{'s' if days != 1 else ''}"


class ActivityLike(Protocol):
    """What the activity export reads of a row (``followup.agenda.Activity``)."""

    day: date | None
    kind: str
    employer: str | None
    position: str | None
    channel: str | None
    answered: bool | None
    file: str


def activity_csv(rows: Iterable[ActivityLike], bom: bool = False) -> bytes:
    """The activity export as CSV bytes: a header, one row per activity, UTF-8 (with a BOM if asked).

    A spreadsheet opens UTF-8 without a BOM in the local code page ("Ã¸" for "ø"); with it,
    as UTF-8. Lines end in CRLF (RFC 4180).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        answered = "" if row.answered is None else ("yes" if row.answered else "no")
        channel = channel_name(row.channel).replace("_", " ") if row.channel else ""
        cells = (row.day.isoformat() if row.day else "", row.kind, row.employer or "", row.position or "",
                 channel, answered, row.file)
        writer.writerow([safe_cell(c) for c in cells])
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


def safe_cell(text: str) -> str:
    """``text``, with an apostrophe first if a spreadsheet would read it as a formula (``FORMULA_STARTS``)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
