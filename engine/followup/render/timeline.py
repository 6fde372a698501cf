"""The timeline: weeks across, one row per application, each follow-up window a bar.

An SVG made here, on the server, to look at without JavaScript: a browser shows it inline,
an image viewer opens it, and every bar's ``<title>`` is its tooltip. Today is a line;
weekends and the public holidays of the countries in the picture are shaded (a holiday's
name is its tooltip). It is accessible: ``role="img"`` with an ``aria-label``, and a
``<title>`` and ``<desc>`` that say in words what the picture shows.

Rows come from plan documents (``followup.plan.Plan.to_dict``): ``timeline_row(document)``
for one plan (the web page's result page), ``followup.agenda`` for many. Every text is
escaped for XML (names with ``<``, ``&``, quotes), and characters XML cannot hold at all are
replaced, so the output is always well-formed. Nothing depends on the clock: the same rows and
today give the same bytes. The words are in ``lang`` (the row's: a plan document's ``lang``,
from ``Plan.reader_dict``; English by default), from the message files (``render/words.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Sequence

from followup.render.words import channel_name, day as _day, day_number, say
from followup.engine.workdays import holiday_name

#: How a holiday is looked up: ``(country, day) -> its name or None``.
Holidays = Callable[[str, date], "str | None"]

#: Sizes, in SVG user units (pixels at 100 %).
DAY = 16
ROW = 30
LABEL = 380
TOP = 54
BOTTOM = 40
#: Room at the right for a row's end note ("then stop").
RIGHT = 80
#: An open-ended window ("from 5 December") is drawn this many days long, fading out.
OPEN_END_DAYS = 7
#: At most this many weeks across; a longer plan is cut at the right edge.
MAX_WEEKS = 40

_COLOURS = {"overdue": "#c0392b", "stop": "#7f8c8d", "default": "#2e6da4"}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Bar:
    """One follow-up window: its first day, its last (None: the rules give it no end), what it is."""

    first: date
    last: date | None
    label: str


@dataclass(frozen=True)
class TimelineRow:
    """One application: its label, country (for holidays), status, bars, and how its plan ends."""

    label: str
    country: str
    bars: tuple[Bar, ...]
    status: str = "upcoming"
    end: str | None = None  #: a note at the row's right, e.g. "then stop"
    end_day: date | None = None


def timeline_row(document: dict[str, Any], label: str | None = None, status: str = "upcoming") -> TimelineRow:
    """The row for one plan document: a bar per step, the plan's end as its note, in the document's ``lang``."""
    lang = document.get("lang", "en")
    app = document["application"]
    name = label or " - ".join(x for x in (app.get("employer"), app.get("position")) if x) or say(
        lang, "timeline.your_application")
    bars = tuple(Bar(date.fromisoformat(s["window"]["first"]),
                     date.fromisoformat(s["window"]["last"]) if s["window"]["last"] else None,
                     _bar_label(s, lang)) for s in document["steps"])
    end = document["end"]
    note = say(lang, "timeline.then_stop" if bars else "timeline.stop") if end["kind"] == "stop" else None
    return TimelineRow(name, document["country"], bars, status, note, date.fromisoformat(end["day"]))


def _bar_label(step: dict[str, Any], lang: str) -> str:
    what = say(lang, "timeline.thank_you" if step["purpose"] == "thank_you" else "timeline.follow_up")
    how = say(lang, "timeline.by", channel=channel_name(step["channel"], lang)) if step["channel"] else ""
    return f"{what}{how}"


def day(d: date, lang: str) -> str:
    """A date in the picture: with its year, as a tooltip read on its own needs."""
    return _day(d, None, lang)


def timeline_svg(rows: Sequence[TimelineRow], today: date, holidays: Holidays = holiday_name,
                 *, title: str = "Follow-up timeline", lang: str = "en") -> str:
    """The rows as an SVG document (text): weeks across from the Monday before the earliest day."""
    start, weeks = _span(rows, today)
    days = weeks * 7
    width = LABEL + days * DAY + RIGHT
    height = TOP + max(len(rows), 1) * ROW + BOTTOM
    countries = sorted({r.country for r in rows})
    summary = _summary(rows, today, lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(title)}: {esc(summary)}" aria-labelledby="timeline-title timeline-desc" '
        f'font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">',
        f'<title id="timeline-title">{esc(title)}</title>',
        f'<desc id="timeline-desc">{esc(summary)}</desc>',
        '<defs><linearGradient id="open-end"><stop offset="0" stop-color="#2e6da4" stop-opacity="0.9"/>'
        '<stop offset="1" stop-color="#2e6da4" stop-opacity="0"/></linearGradient></defs>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    out += _shading(start, days, countries, holidays, height, lang)
    out += _weeks(start, weeks, height, lang)
    for i, row in enumerate(rows):
        out += _row(row, i, start, days, today, lang)
    if not rows:
        out.append(f'<text x="{LABEL}" y="{TOP + 20}" fill="#555">{esc(say(lang, "timeline.nothing"))}</text>')
    out += _today(today, start, days, height, lang)
    out += _legend(height, lang)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _span(rows: Sequence[TimelineRow], today: date) -> tuple[date, int]:
    """The Monday the picture starts on and how many weeks it shows: today and every bar."""
    firsts = [today] + [b.first for r in rows for b in r.bars]
    lasts = [today] + [(b.last or b.first + timedelta(days=OPEN_END_DAYS - 1)) for r in rows for b in r.bars]
    start = min(firsts) - timedelta(days=min(firsts).weekday())
    end = max(lasts)
    weeks = min(MAX_WEEKS, (end - start).days // 7 + 1)
    return start, max(weeks, 2)


def _x(d: date, start: date) -> int:
    return LABEL + (d - start).days * DAY


def _shading(start: date, days: int, countries: list[str], holidays: Holidays, height: int,
             lang: str) -> list[str]:
    out = []
    for n in range(days):
        d = start + timedelta(days=n)
        names = [(c, holidays(c, d)) for c in countries]
        named = [f"{name} ({c})" for c, name in names if name]
        x = _x(d, start)
        if named:
            out.append(f'<rect class="holiday" x="{x}" y="{TOP - 6}" width="{DAY}" height="{height - TOP - BOTTOM + 6}" '
                       f'fill="#f5d7a1"><title>{esc(day(d, lang))}: {esc(", ".join(named))}</title></rect>')
        elif d.weekday() >= 5:
            out.append(f'<rect class="weekend" x="{x}" y="{TOP - 6}" width="{DAY}" height="{height - TOP - BOTTOM + 6}" '
                       f'fill="#eeeeee"/>')
    return out


def _weeks(start: date, weeks: int, height: int, lang: str) -> list[str]:
    out = []
    for w in range(weeks + 1):
        monday = start + timedelta(days=7 * w)
        x = _x(monday, start)
        out.append(f'<line x1="{x}" y1="{TOP - 18}" x2="{x}" y2="{height - BOTTOM}" stroke="#bbbbbb" stroke-width="1"/>')
        if w < weeks:
            iso = monday.isocalendar()
            out.append(f'<text x="{x + 4}" y="{TOP - 24}" fill="#333">{esc(say(lang, "timeline.week", week=iso.week))}'
                       '</text>')
            month = day(monday, lang).split()[1][:3]
            out.append(f'<text x="{x + 4}" y="{TOP - 10}" fill="#777" font-size="10">{day_number(monday, lang)} '
                       f'{esc(month)}</text>')
    return out


def _row(row: TimelineRow, i: int, start: date, days: int, today: date, lang: str) -> list[str]:
    y = TOP + i * ROW
    edge = LABEL + days * DAY
    colour = _COLOURS.get(row.status, _COLOURS["default"])
    label = row.label if len(row.label) <= 46 else row.label[:45] + "…"
    out = [f'<g class="application" data-status="{esc(row.status)}">',
           f'<line x1="0" y1="{y + ROW}" x2="{edge}" y2="{y + ROW}" stroke="#e3e3e3"/>',
           f'<text x="8" y="{y + 19}" fill="#111"><title>{esc(row.label)} ({esc(row.country)})</title>'
           f'{esc(label)}</text>']
    if row.status in ("overdue", "stop"):
        out.append(f'<text x="{LABEL - 8}" y="{y + 19}" text-anchor="end" fill="{colour}" font-weight="bold">'
                   f'{esc(say(lang, "timeline.overdue" if row.status == "overdue" else "timeline.stop"))}</text>')
    right = 0
    for bar in row.bars:
        x = max(LABEL, _x(bar.first, start))
        last = bar.last or bar.first
        w = max(DAY, min(edge, _x(last + timedelta(days=1), start)) - x)
        when = (say(lang, "timeline.window", first=day(bar.first, lang), last=day(bar.last, lang))
                if bar.last and bar.last != bar.first else
                day(bar.first, lang) if bar.last else say(lang, "timeline.open", day=day(bar.first, lang)))
        tip = f"{row.label}: {bar.label}, {when}"
        missed = row.status == "overdue" and last < today  # a window that closed without the step
        fill = _COLOURS["overdue"] if missed else _COLOURS["default"]
        tip += say(lang, "timeline.missed") if missed else ""
        out.append(f'<rect class="window{" missed" if missed else ""}" x="{x}" y="{y + 7}" width="{w}" '
                   f'height="{ROW - 14}" rx="3" fill="{fill}"><title>{esc(tip)}</title></rect>')
        right = max(right, x + w)
        if bar.last is None:  # no end: a fading tail says "any day from here"
            tail = min(edge - (x + w), (OPEN_END_DAYS - 1) * DAY)
            if tail > 0:
                out.append(f'<rect class="open-end" x="{x + w}" y="{y + 7}" width="{tail}" height="{ROW - 14}" '
                           f'fill="url(#open-end)"/>')
                right = max(right, x + w + tail)
    if row.end and row.end_day is not None:
        x = min(edge + 4, max(right + 6, _x(row.end_day, start)))
        out.append(f'<text x="{x}" y="{y + 19}" fill="#555" font-style="italic">{esc(row.end)}</text>')
    out.append("</g>")
    return out


def _today(today: date, start: date, days: int, height: int, lang: str) -> list[str]:
    x = _x(today, start) + DAY // 2
    if not LABEL <= x <= LABEL + days * DAY:
        return []
    return [f'<line class="today" x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{height - BOTTOM + 6}" stroke="#d35400" '
            f'stroke-width="2"><title>{esc(say(lang, "timeline.today_title", day=day(today, lang)))}</title></line>',
            f'<text x="{x}" y="{height - BOTTOM + 17}" text-anchor="middle" fill="#d35400" font-weight="bold">'
            f'{esc(say(lang, "timeline.today", day=day(today, lang)))}</text>']


def _legend(height: int, lang: str) -> list[str]:
    """What the colours mean, under the names."""
    y = height - 8
    items = tuple((colour, esc(say(lang, f"timeline.legend.{key}"))) for colour, key in (
        ("#2e6da4", "window"), ("#c0392b", "missed"), ("#eeeeee", "weekend"), ("#f5d7a1", "holiday")))
    out, x = ['<g class="legend" font-size="11" fill="#333">'], 8
    for colour, text in items:
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}" stroke="#999" stroke-width="0.5"/>'
                   f'<text x="{x + 14}" y="{y}">{text}</text>')
        x += 14 + 7 * len(text) + 14
    return out + ["</g>"]


def _summary(rows: Sequence[TimelineRow], today: date, lang: str) -> str:
    bars = sum(len(r.bars) for r in rows)
    overdue = sum(1 for r in rows if r.status == "overdue")
    applications = (say(lang, "timeline.one_application") if len(rows) == 1
                    else say(lang, "timeline.applications", count=len(rows)))
    windows = say(lang, "timeline.one_window") if bars == 1 else say(lang, "timeline.windows", count=bars)
    text = say(lang, "timeline.summary", applications=applications, windows=windows, day=day(today, lang))
    return text + (say(lang, "timeline.overdue_count", count=overdue) if overdue else "") + "."


def esc(text: object) -> str:
    """``text`` safe inside XML text and attribute values: ``& < > " '`` escaped, invalid characters replaced."""
    s = _XML_INVALID.sub("\ufffd", str(text))
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


__all__ = ["Bar", "TimelineRow", "esc", "timeline_row", "timeline_svg"]
