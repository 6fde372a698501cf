"""All applications at once: each situation file's next step, sorted by what is due first.

The agenda holds no timing logic of its own: each file's steps are its plan
(``followup.plan.make_plan``), and the agenda only measures them against one day, the
agenda's ``today``. Two days are in play, on purpose:

- a file is planned from **its own** ``today`` (the day its facts are as of; the agenda's day
  for a file without one). Planned from the agenda's day instead, a step the seeker let pass
  would silently move to "today" and nobody would see it was missed;
- the agenda's day (``--today``, else the current date) is what "due in 3 days" and
  "closed 6 days ago" count from, the same for every file, so the rows can be sorted.

A step whose window closed before the agenda's day is **overdue**; so is one the engine
itself says closed (a ``window_closed`` conflict). A plan that ends with the rules saying
stop, before any step, is **stop**. A file that cannot be read or is invalid is an **error**
row with its messages; the others are still listed (exit code 2 says so).

Folders are read one level deep: a folder of applications is flat, and a recursive search
would take up any other YAML under it (rulesets, CI files) as a broken situation.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from followup.api import Rules
from followup.base.errors import ExitCode, FollowupError, InputError, InputErrors, Location
from followup.load.situation import Situation, situation_from_document
from followup.load.yamlio import load_document, parse_text
from followup.render.timeline import TimelineRow, timeline_row
from followup.plan import FOLLOW_UP_DATE, Plan, PlanStep, application_identity, deciding_rules, make_plan

#: What a folder's situation files are called.
SUFFIXES = (".yaml", ".yml", ".json")

#: Row statuses, in the order the agenda lists them (then by day within each).
STATUSES = ("overdue", "open", "upcoming", "stop", "later", "ended", "error")
_MEANING = {
    "overdue": "the window for the next step closed before today",
    "open": "the window for the next step is open today",
    "upcoming": "the next step's window opens later",
    "stop": "the rules say to stop following up",
    "later": "nothing is due by the end of the agenda (--until)",
    "ended": "the rules foresee no step (no date to act, or the plan could go no further)",
    "error": "the file could not be read or is not a valid situation",
}


@dataclass(frozen=True)
class Entry:
    """One file of the agenda: its plan and where the next step stands, or its error."""

    file: str
    status: str
    situation: Situation | None = None
    plan: Plan | None = None
    error: FollowupError | None = None
    today: date | None = None  #: the agenda's day

    @property
    def step(self) -> PlanStep | None:
        """The next step: the plan's first."""
        return self.plan.steps[0] if self.plan and self.plan.steps else None

    @property
    def due(self) -> date | None:
        """The day that orders the row: an overdue window's last day, else the next step's first day
        (or, for a plan with no step, the day it ends)."""
        step = self.step
        if step is not None:
            return step.last if self.status == "overdue" and step.last else step.first
        return self.plan.end.day if self.plan else None

    @property
    def days(self) -> int | None:
        """Days until the window opens (positive), or since it closed (negative, overdue); 0 when open."""
        step, today = self.step, self.today
        if step is None or today is None:
            return None
        if step.first > today:
            return (step.first - today).days
        if self.status == "overdue":
            closed = step.last or step.decision.timing.closes or today
            return -(today - closed).days
        return 0

    @property
    def rule(self) -> str | None:
        """The id of the rule that set the next step (or said stop): the first deciding rule."""
        decision = self.step.decision if self.step else (self.plan.end.decision if self.plan else None)
        if decision is None:
            return None
        rules = deciding_rules(decision)
        return rules[0].id if rules else None

    def sort_key(self) -> tuple[Any, ...]:
        return (STATUSES.index(self.status), self.due or date.max, self.file)

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON data; the plan's document under ``plan`` (as ``followup plan --format json``)."""
        out: dict[str, Any] = {"file": self.file, "status": self.status, "meaning": _MEANING[self.status]}
        if self.error is not None:
            errors = self.error.errors if isinstance(self.error, InputErrors) else [self.error]
            out["errors"] = [{**e.to_json(), "text": e.format_message()} for e in errors]
            out["exit_code"] = int(self.error.exit_code)
            return out
        assert self.situation is not None and self.plan is not None
        ident = application_identity(self.situation)
        out.update(application=ident, due=_iso(self.due), days=self.days, rule=self.rule,
                   planned_from=self.situation.today.isoformat())
        step = self.step
        if step is not None:
            d = step.decision
            out["next"] = {"slot": step.slot, "action": d.action, "channel": d.channel, "purpose": d.purpose,
                           "window": {"first": _iso(step.first), "last": _iso(step.last)}}
            # No verdict here: it names the contact, and an agenda of many people's files is
            # often shared (a counsellor's); `followup plan FILE` gives it for one.
        else:
            out["next"] = None
        out["end"] = self.plan.end.to_dict()
        return out


@dataclass(frozen=True)
class Agenda:
    """Every file's entry, sorted by what is due first, and the day they count from."""

    today: date
    until: date | None
    entries: tuple[Entry, ...]

    @property
    def errors(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.status == "error")

    @property
    def exit_code(self) -> int:
        """``INTERNAL`` if a file met a bug of ours, else ``BAD_INPUT`` if any file is bad, else ``OK``."""
        return ExitCode.of_many(int(e.error.exit_code) for e in self.errors if e.error is not None)

    def calendar_plans(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The plan documents for one calendar, and a note for each application found in two files.

        A calendar's UIDs must differ, and the plan's application id is the same for two files
        of one application (or two people applying for one job on one day: the id leaves out
        the applicant). The file that sorts first by path keeps the id, so its events stay the
        ones ``followup plan --ics`` makes; each later one gets the id qualified by its file's
        name (and applicant), stable whatever the day.
        """
        documents: list[dict[str, Any]] = []
        owner: dict[str, str] = {}
        notes: list[str] = []
        for entry in sorted((e for e in self.entries if e.plan is not None), key=lambda e: e.file):
            document = entry.plan.to_dict()  # type: ignore[union-attr]
            ident = document["application"]["id"]
            if not document["steps"]:  # no event, so no UID to keep apart
                pass
            elif ident in owner:
                who = f"{Path(entry.file).name}\0{entry.situation.applicant_name or ''}"  # type: ignore[union-attr]
                qualified = f"{ident}-{hashlib.sha256(who.encode('utf-8')).hexdigest()[:8]}"
                document = {**document, "application": {**document["application"], "id": qualified}}
                notes.append(f"{entry.file}: the same application as {owner[ident]} (country, employer, position "
                             "and date); its calendar events are kept apart by the file's name")
            else:
                owner[ident] = entry.file
            documents.append(document)
        return documents, notes

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for e in self.entries if e.status == s) for s in STATUSES}
        return {"today": self.today.isoformat(), "until": _iso(self.until),
                "counts": {k: v for k, v in counts.items() if v}, "entries": [e.to_dict() for e in self.entries]}


def situation_files(paths: Iterable[str]) -> tuple[list[str], list[Entry]]:
    """The files named, and the situation files in the folders named (sorted, one level deep).

    A path that does not exist, or a folder with no situation file, is an error entry.
    """
    files: list[str] = []
    errors: list[Entry] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(str(p) for p in Path(path).iterdir()
                           if p.suffix.lower() in SUFFIXES and not p.name.startswith(".") and p.is_file())
            if not found:
                errors.append(_error_entry(path, InputError(
                    f"no situation files ({', '.join('*' + s for s in SUFFIXES)}) in this folder", Location(path))))
            files += found
        elif os.path.exists(path):
            files.append(path)
        else:
            errors.append(_error_entry(path, InputError("no such file or folder", Location(path))))
    # A file named twice (given, and in a folder given) is one application, listed once.
    unique: dict[str, str] = {}
    for file in files:
        unique.setdefault(os.path.realpath(file), file)
    return list(unique.values()), errors


def make_agenda(rules: Rules, paths: Iterable[str], today: date, until: date | None = None) -> Agenda:
    """The agenda of every situation file in ``paths`` as of ``today``; steps planned up to ``until``."""
    files, entries = situation_files(paths)
    entries += [entry_for(rules, file, today, until) for file in files]
    return Agenda(today, until, tuple(sorted(entries, key=Entry.sort_key)))


def agenda_of_texts(rules: Rules, texts: Iterable[tuple[str, str]], today: date,
                    until: date | None = None) -> Agenda:
    """The agenda of situations given as ``(name, text)`` pairs (pasted or uploaded, never on disk).

    ``name`` is how messages call each one (``a.yaml``; a ``.json`` name is parsed as JSON).
    """
    entries = [entry_for(rules, name, today, until, text=text) for name, text in texts]
    return Agenda(today, until, tuple(sorted(entries, key=Entry.sort_key)))


def entry_for(rules: Rules, file: str, today: date, until: date | None = None, *, text: str | None = None) -> Entry:
    """One file's entry (or ``text`` under that name); any error is caught into the entry, never raised."""
    try:
        document = load_document(file) if text is None else parse_text(text, file)
        own_day = isinstance(document.data, dict) and document.data.get("today") is not None
        situation = situation_from_document(document, None if own_day else today)
        plan = make_plan(rules, situation, horizon=until)
    except FollowupError as exc:
        return _error_entry(file, exc)
    except Exception as exc:  # a bug of ours with one file must not hide the others
        return _error_entry(file, FollowupError(f"internal error: {type(exc).__name__}: {exc}", Location(file)))
    return Entry(file, _status(plan, today, until), situation, plan, today=today)


def _status(plan: Plan, today: date, until: date | None) -> str:
    if not plan.steps:
        if plan.end.kind == "stop":
            return "stop"
        return "later" if plan.end.kind == "horizon" else "ended"
    step = plan.steps[0]
    closed = any(c.kind == "window_closed" for c in step.decision.conflicts)
    if closed or (step.last is not None and step.last < today):
        return "overdue"
    if until is not None and step.first > until:
        return "later"
    return "open" if step.first <= today else "upcoming"


@dataclass(frozen=True)
class Activity:
    """One line of the activity export: an application sent, an interview, or a follow-up recorded."""

    day: date | None
    kind: str  #: ``application``, ``interview`` or ``follow-up``
    employer: str | None
    position: str | None
    channel: str | None
    answered: bool | None  #: None where the question does not apply (an interview)
    file: str


def activities(agenda: Agenda) -> list[Activity]:
    """What each valid file records as done, oldest first: what a public job service's log asks for.

    Read from the ``Situation`` record (never the file's keys). The application's ``answered``
    is whether the employer has answered it at all: an interview, or an outcome other than
    pending. Planned steps are not activities: only what was recorded.
    """
    rows: list[Activity] = []
    for entry in agenda.entries:
        s = entry.situation
        if s is None:
            continue
        who, what = s.employer.name, s.position
        if s.stage != "considering":
            heard = s.interview is not None or s.outcome != "pending" or any(f.answered for f in s.follow_ups)
            rows.append(Activity(s.application.sent_on, "application", who, what, s.application.via, heard, entry.file))
        if s.interview is not None:
            rows.append(Activity(s.interview.day, "interview", who, what, s.interview.format, None, entry.file))
        rows += [Activity(getattr(f, FOLLOW_UP_DATE), "follow-up", who, what, f.via, f.answered, entry.file)
                 for f in s.follow_ups]
    order = {"application": 0, "interview": 1, "follow-up": 2}
    return sorted(rows, key=lambda a: (a.day or date.min, a.file, order[a.kind]))


def timeline_rows(agenda: Agenda) -> list[TimelineRow]:
    """The timeline's rows: one per valid file, in agenda order, a bar per planned step."""
    return [timeline_row(e.plan.to_dict(), status=e.status) for e in agenda.entries if e.plan is not None]


def _error_entry(file: str, error: FollowupError) -> Entry:
    return Entry(file, "error", error=error)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


__all__ = ["Activity", "Agenda", "activities", "agenda_of_texts", "Entry", "STATUSES", "SUFFIXES", "entry_for", "make_agenda", "situation_files", "timeline_rows"]
