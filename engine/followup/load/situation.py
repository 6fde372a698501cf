"""The situation: one job seeker, one application, the day to advise for.

``load_situation`` reads a file, validates it against ``schemas/situation.schema.json``,
checks what a schema cannot (dates that contradict each other) and returns a frozen
``Situation``. ``Situation.to_dict`` is its normalised form: defaults filled in, keys sorted,
the same bytes for the same meaning, so its digest identifies it in decision records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from followup.base.concepts import Stage, values
from followup.base.countries import COMMON_MISTAKES, COUNTRIES
from followup.base.errors import InputError, InputErrors, Location
from followup.base.words import CONTROL, character_name
from followup.load.dates import parse_date, parse_date_or_local_datetime
from followup.load.schema import validate
from followup.load.mapping import document_from_data
from followup.load.spelling import modernised
from followup.load.yamlio import Document, load_document, parse_text

#: The time zone whose calendar date is "today" when neither the file nor the command says.
COUNTRY_TIME_ZONES = {"DK": "Europe/Copenhagen", "SE": "Europe/Stockholm", "NO": "Europe/Oslo",
                      "FI": "Europe/Helsinki", "IS": "Atlantic/Reykjavik", "DE": "Europe/Berlin"}

#: Dates further than this from ``today`` are almost certainly typos.
MAX_YEARS_AWAY = 5


@dataclass(frozen=True)
class Employer:
    name: str | None = None
    size: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class Application:
    sent_on: date | None = None
    via: str | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class Posting:
    forbids_calls: bool | None = None
    forbids_emails: bool | None = None
    answer_expected_by: date | None = None
    shortlisted_only: bool | None = None


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    phone_kind: str | None = None
    linkedin: bool | None = None
    asked_for: str | None = None
    insider: bool | None = None


@dataclass(frozen=True)
class Interview:
    """One interview round."""

    date: datetime
    format: str | None = None
    invited_by: str | None = None
    answer_promised_by: date | None = None
    tone: str | None = None
    thanked: bool | None = None

    @property
    def day(self) -> date:
        """The calendar day of the interview."""
        return self.date.date()


@dataclass(frozen=True)
class FollowUp:
    date: date
    via: str
    answered: bool = False


@dataclass(frozen=True)
class CompetingOffer:
    answer_by: date
    kind: str = "offer"


@dataclass(frozen=True)
class Situation:
    """A validated situation. ``today`` is always set (from the file, the CLI or the clock)."""

    country: str
    stage: str
    today: date
    outcome: str = "pending"
    feels_right: bool = True
    position: str | None = None
    role_kind: str | None = None
    applicant_name: str | None = None
    applicant_phone: str | None = None
    #: The language to write to the employer in, as the file gives it (None: the country's).
    language: str | None = None
    employer: Employer = field(default_factory=Employer)
    application: Application = field(default_factory=Application)
    posting: Posting = field(default_factory=Posting)
    contact: Contact = field(default_factory=Contact)
    #: The interview rounds, oldest first; ``interview`` is the latest.
    interviews: tuple[Interview, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    competing_offer: CompetingOffer | None = None
    source: str = "<situation>"
    #: What the loader accepted and the advice should mention (an old field spelling).
    load_notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def interview(self) -> Interview | None:
        """The latest interview round: the one the rules read as ``interview.*``."""
        return self.interviews[-1] if self.interviews else None

    def with_latest_interview(self, interview: Interview) -> "Situation":
        """This situation with its latest round replaced (e.g. marked thanked)."""
        return replace(self, interviews=(*self.interviews[:-1], interview))

    def to_dict(self) -> dict[str, Any]:
        """The normalised situation as plain JSON data (dates as ISO strings, keys sorted)."""
        out: dict[str, Any] = {"country": self.country, "stage": self.stage, "today": self.today.isoformat(),
                               "outcome": self.outcome, "feels_right": self.feels_right}
        _put(out, "position", self.position)
        _put(out, "role_kind", self.role_kind)
        applicant = {k: v for k, v in (("name", self.applicant_name), ("phone", self.applicant_phone)) if v}
        if applicant:
            out["applicant"] = applicant
        _put(out, "language", self.language)
        for name in ("employer", "application", "posting", "contact", "competing_offer"):
            value = _plain(getattr(self, name))
            if value:
                out[name] = value
        if self.interviews:  # a single ``interview:`` is normalised to one round
            out["interviews"] = [_plain(i) for i in self.interviews]
        if self.follow_ups:
            out["follow_ups"] = [_plain(f) for f in self.follow_ups]
        return {key: out[key] for key in sorted(out)}  # the parts' keys are sorted already (``_plain``)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


#: The fields of each part of a situation (an employer, a round...), sorted: ``to_dict``'s key order.
_SORTED_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(obj: Any) -> dict[str, Any] | None:
    """A part of a situation as JSON data, keys sorted; every field holds text, a flag or a date."""
    if obj is None:
        return None
    names = _SORTED_FIELDS.get(type(obj))
    if names is None:
        names = _SORTED_FIELDS[type(obj)] = tuple(sorted(obj.__dataclass_fields__))
    result: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat(timespec="minutes") if (value.hour, value.minute) != (0, 0) else value.date().isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        result[name] = value
    return result


def load_situation(path: str | Path, today: date | None = None) -> Situation:
    """Read, validate and check a situation file; ``today`` (from the CLI) wins over the file's."""
    return situation_from_document(load_document(path), today)


def parse_situation(text: str, name: str = "<situation>", today: date | None = None) -> Situation:
    """Like ``load_situation`` for text already in memory (batch lines, tests)."""
    return situation_from_document(parse_text(text, name), today)


def situation_from_data(data: Any, name: str = "<situation>", today: date | None = None) -> Situation:
    """Like ``load_situation`` for data already parsed (a mapping from JSON or YAML), never re-parsed."""
    return situation_from_document(document_from_data(data, name), today)


def situation_from_document(document: Document, today: date | None = None) -> Situation:
    """Validate a parsed document and build the ``Situation``."""
    if not isinstance(document.data, dict):
        raise InputError("a situation must be a mapping of fields (country, stage, ...)", Location(document.file, 1))
    document, notes = modernised(document)
    validate(document, "situation")
    check_text(document)
    check_country(document)
    check_stage_fields(document)
    situation = _build(document.data, document.file, today)
    check_dates(situation, document)
    return replace(situation, load_notes=notes) if notes else situation


#: The stage each stage-bound field belongs to: it records something that happens only then.
#: ``follow_ups`` are bound to no stage (a call before applying is one, C1).
LATER_STAGE_FIELDS: dict[tuple[str, ...], str] = {
    ("application", "sent_on"): "applied",
    ("interview",): "interviewed",
    ("interviews",): "interviewed",
}
#: The stages in the order an application goes through them, as ``base/concepts.py`` defines them.
STAGES = values(Stage)


def check_stage_fields(document: Document) -> None:
    """The one rule for fields and the stage: a field that records something of a later
    stage than ``stage`` is refused, naming both fields; none is silently ignored."""
    data = document.data
    stage = data["stage"]
    problems = []
    for path, belongs in LATER_STAGE_FIELDS.items():
        if _has(data, path) and STAGES.index(belongs) > STAGES.index(stage):
            shown = ".".join(path)
            problems.append(InputError(
                f"{shown} belongs to stage '{belongs}', but stage is '{stage}': set stage: {belongs}, "
                f"or remove {shown}", document.location(path)))
    if "interview" in data and "interviews" in data:
        problems.append(InputError("give the interview once: 'interviews' (a list of rounds) or 'interview' "
                                   "(a single round), not both", document.location(("interview",))))
    if problems:
        raise InputErrors(problems)


def _has(data: dict[str, Any], path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


#: Free text of several lines: the one field where tabs and line breaks belong.
_MULTILINE = frozenset({("notes",)})


def check_text(document: Document) -> None:
    """Refuse control characters in text: an escape sequence or NUL in a name would reach the
    terminal (or the Markdown) the advice is shown in. The renderers escape them as well."""
    if _printable(document.data):  # no control character is printable: nothing to look for
        return
    problems = []
    for path, text in _texts(document.data, ()):
        allowed = "\t\n" if path in _MULTILINE else ""
        found = next((m for m in CONTROL.finditer(text) if m.group() not in allowed), None)
        if found is not None:
            problems.append(InputError(f"text may not contain control characters; found {character_name(found.group())} "
                                       f"at character {found.start() + 1}", document.location(path)))
    if problems:
        raise InputErrors(problems)


def _printable(value: Any) -> bool:
    """Whether every text in ``value`` is printable (``str.isprintable``), looked at without paths
    (by a loop, not a call per value: a fifth of reading a situation)."""
    if isinstance(value, str):
        return value.isprintable()
    if not isinstance(value, (dict, list)):
        return True
    pending = [value]
    while pending:
        container = pending.pop()
        for item in container.values() if isinstance(container, dict) else container:
            if isinstance(item, str):
                if not item.isprintable():
                    return False
            elif isinstance(item, (dict, list)):
                pending.append(item)
    return True


def _texts(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """Every text value of ``value`` with its path (a situation is three levels deep at most)."""
    if isinstance(value, str):
        return [(path, value)]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, item in items for found in _texts(item, path + (key,))]


def check_country(document: Document) -> None:
    """Refuse a code that is no country (``ZZ``); any real one is advised, with the base rules
    and its public holidays if no rules are written for it (the advice then warns, first)."""
    country = document.data["country"]
    if country in COUNTRIES:
        return
    meant = COMMON_MISTAKES.get(country)
    hint = f"; write {meant}" if meant else " (write its ISO 3166-1 code, e.g. DK, SE or NO)"
    raise InputError(f"{country} is not a country{hint}", document.location(("country",)))


def local_today(country: str) -> date:
    """The current date in the country (UTC for a country we have no time zone for)."""
    try:
        from zoneinfo import ZoneInfo
        zone = ZoneInfo(COUNTRY_TIME_ZONES.get(country, "UTC"))
    except Exception:  # no tz database on this machine: the UTC date is the best we know
        zone = timezone.utc
    return datetime.now(zone).date()


def _d(value: str | None) -> date | None:
    return parse_date(value) if value else None  # the one grammar (load/dates.py), as replay reads it


def _dt(value: str) -> datetime:
    return parse_date_or_local_datetime(value)


def _build(data: dict[str, Any], source: str, today: date | None) -> Situation:
    g = data.get
    app, post, con = g("application", {}), g("posting", {}), g("contact", {})
    rounds = g("interviews") or ([g("interview")] if g("interview") else [])
    offer = g("competing_offer")
    return Situation(
        country=data["country"], stage=data["stage"],
        today=today or _d(g("today")) or local_today(data["country"]),
        outcome=g("outcome", "pending"), feels_right=g("feels_right", True),
        position=g("position"), role_kind=g("role_kind"),
        applicant_name=g("applicant", {}).get("name"), applicant_phone=g("applicant", {}).get("phone"),
        language=g("language"),
        employer=Employer(**g("employer", {})),
        application=Application(sent_on=_d(app.get("sent_on")), via=app.get("via"), deadline=_d(app.get("deadline"))),
        posting=Posting(**{**post, "answer_expected_by": _d(post.get("answer_expected_by"))}),
        contact=Contact(**con),
        interviews=tuple(Interview(**{**r, "date": _dt(r["date"]), "answer_promised_by": _d(r.get("answer_promised_by"))})
                         for r in rounds),
        follow_ups=tuple(FollowUp(date=_d(f["date"]), via=f["via"], answered=f.get("answered", False))
                         for f in g("follow_ups", [])),
        competing_offer=CompetingOffer(answer_by=_d(offer["answer_by"]), kind=offer.get("kind", "offer")) if offer else None,
        source=source,
    )


def check_dates(s: Situation, document: Document) -> None:
    """Refuse dates that contradict each other or the stage; a schema cannot see these.

    ``today`` itself must lie in the years 2000-2099: advice is about applications of our
    time, and every day a rule counts to (up to 999 weeks either side of dates at most
    ``MAX_YEARS_AWAY`` from today) then stays a real calendar day with known holidays.
    """
    if not date(2000, 1, 1) <= s.today <= date(2099, 12, 31):
        given = "" if document.data.get("today") == s.today.isoformat() else " (from --today or the clock)"
        raise InputError(f"{s.today.isoformat()}{given} is outside the years 2000-2099 this tool advises for",
                         document.location(("today",)) if not given else Location(document.file, None, "today"))
    problems: list[tuple[tuple[Any, ...], str]] = []
    rounds = _round_paths(document)
    for path, value in _dated_fields(s, rounds):
        if abs((value - s.today).days) > 365 * MAX_YEARS_AWAY:
            problems.append((path, f"{value.isoformat()} is more than {MAX_YEARS_AWAY} years from today ({s.today.isoformat()})"))
    past = [(("application", "sent_on"), s.application.sent_on)]
    past += [(rounds(i) + ("date",), r.day) for i, r in enumerate(s.interviews)]
    for path, value in past:
        if value and value > s.today:
            problems.append((path, f"{value.isoformat()} is after today ({s.today.isoformat()}); "
                                   "advice is for what has already happened"))
    for i, f in enumerate(s.follow_ups):
        if f.date > s.today:
            problems.append((("follow_ups", i, "date"), f"{f.date.isoformat()} is after today ({s.today.isoformat()})"))
        if s.application.sent_on and f.date < s.application.sent_on:
            problems.append((("follow_ups", i, "date"), f"{f.date.isoformat()} is before the application was sent "
                                                        f"({s.application.sent_on.isoformat()})"))
    for i in range(1, len(s.follow_ups)):
        if s.follow_ups[i].date < s.follow_ups[i - 1].date:
            problems.append((("follow_ups", i, "date"), "follow-ups must be listed oldest first"))
    for i, r in enumerate(s.interviews):
        if s.application.sent_on and r.day < s.application.sent_on:
            problems.append((rounds(i) + ("date",), "the interview is before the application was sent"))
        if i and r.date < s.interviews[i - 1].date:
            problems.append((rounds(i) + ("date",), "interview rounds must be listed oldest first"))
    if s.stage == "interviewed" and s.interview is None:
        problems.append((("stage",), "stage 'interviewed' needs an 'interview' with its date"))
    if problems:
        raise InputErrors([InputError(msg, document.location(path)) for path, msg in problems])


def _round_paths(document: Document) -> Callable[[int], tuple[Any, ...]]:
    """Round number → its path in the file: ``interviews[i]``, or the single ``interview``."""
    if "interviews" in document.data:
        return lambda i: ("interviews", i)
    return lambda i: ("interview",)


def _dated_fields(s: Situation, rounds: Callable[[int], tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], date]]:
    fields: list[tuple[tuple[Any, ...], date | None]] = [
        (("application", "sent_on"), s.application.sent_on),
        (("application", "deadline"), s.application.deadline),
        (("posting", "answer_expected_by"), s.posting.answer_expected_by),
        (("competing_offer", "answer_by"), s.competing_offer.answer_by if s.competing_offer else None),
    ]
    for i, r in enumerate(s.interviews):
        fields += [(rounds(i) + ("date",), r.day), (rounds(i) + ("answer_promised_by",), r.answer_promised_by)]
    fields += [(("follow_ups", i, "date"), f.date) for i, f in enumerate(s.follow_ups)]
    return [(p, v) for p, v in fields if v is not None]
