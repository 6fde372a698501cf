"""The one date grammar of followup's input: what ``advise`` accepts, ``replay`` reads back.

- a **date** is ``YYYY-MM-DD`` (``2026-11-20``);
- a **date-time** (only ``interview.date`` has one) is a date or ``YYYY-MM-DDTHH:MM``
  (``2026-11-20T10:00``): local time, no seconds, no offset, no ``Z``.

Nothing else of ISO 8601: no week dates (``2026-W47-6``), ordinal dates (``2026-325``), basic
format (``20261120``), seconds or offsets (``T10:00+01``). Python's ``fromisoformat`` accepts
more of these with each release, and each form one reader let in, another refused: ``advise``
took ``2026-11-20T10:00+01``, the audit log kept it as ``…+01:00``, and ``replay`` refused
the line. The advice counts days in the country's own calendar, so an offset would mean
nothing to it, and the normalised situation keeps minutes only, so seconds would be lost
without a word; refusing both says so instead. The forms kept are the ones people write and
the ones followup writes back (``Situation.to_dict``), so every logged situation replays.

The schema states the same grammar as ``pattern``s (``schemas/situation.schema.json``; a
test checks they are these); the loader parses with these functions after it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

#: ``YYYY-MM-DD``, as a JSON Schema ``pattern`` (ASCII digits only: ``\d`` would take others).
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, as a JSON Schema ``pattern``.
DATE_OR_LOCAL_DATETIME_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2})?$"

_DATE = re.compile(DATE_PATTERN)
_DATE_OR_LOCAL_DATETIME = re.compile(DATE_OR_LOCAL_DATETIME_PATTERN)


def parse_date(text: str) -> date:
    """The date ``YYYY-MM-DD``; ``ValueError`` for anything else, or a day the calendar lacks."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    return date.fromisoformat(text)


def parse_date_or_local_datetime(text: str) -> datetime:
    """``YYYY-MM-DD`` (as midnight) or ``YYYY-MM-DDTHH:MM``, local time; ``ValueError`` otherwise."""
    if not isinstance(text, str) or not _DATE_OR_LOCAL_DATETIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a date or date-time of the form YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    return datetime.fromisoformat(text if "T" in text else text + "T00:00")
