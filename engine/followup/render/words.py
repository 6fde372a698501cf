"""The fixed words of the output in the reader's language: verdicts, labels, channel names, dates.

They are kept in one YAML message file per language beside this module (``messages/en.yaml``,
``da.yaml``, ``sv.yaml``, ``nb.yaml``), not in gettext catalogues: the sentences have named
slots ({who}, {when}) that a translator moves freely, the files need no compile step and ship
as they are, and the rule texts' own translations (rulesets/NAME.LANG.yaml) are YAML too, so
one format serves every text a translator touches. English dates keep followup's own form
("24 November"); the others come from Babel's CLDR names (``dates.py``).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from followup.base.concepts import Language, values
from followup.base.names import day as english_day
from followup.render.dates import format_day

LANGUAGES = values(Language)
_FOLDER = Path(__file__).resolve().parent / "messages"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def words(lang: str) -> dict[str, Any]:
    """The message file of ``lang``."""
    with open(_FOLDER / f"{lang}.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)


def say(lang: str, key: str, **slots: Any) -> str:
    """The message at ``key`` (``verdict.stop``) in ``lang``, its slots filled in."""
    value = _message(lang, key)
    return value.format(**slots) if slots else value  # type: ignore[no-any-return]


@cache
def _message(lang: str, key: str) -> Any:
    """What ``key`` names in ``lang``'s file, found once: an advice says a dozen things."""
    value: Any = words(lang)
    for part in key.split("."):
        value = value[part]
    return value


def channel_name(channel: str, lang: str = "en") -> str:
    """A channel in words."""
    return words(lang)["channel_name"].get(channel, channel)


def language_name(language: str, lang: str = "en") -> str:
    """A language's name, in ``lang``."""
    return words(lang)["language_name"][language]


def day(d: date, today: date | None, lang: str = "en") -> str:
    """A date in ``lang``, with the year if it is not ``today``'s: ``24 November``, ``24. november``."""
    if lang == "en":
        return english_day(d, today)
    return format_day(d, lang, "date" if today and d.year == today.year else "date_year")


def day_number(d: date, lang: str = "en") -> str:
    """The day of the month alone, as a span's first day: ``21``, ``21.``."""
    return say(lang, "span.day_number", day=d.day)
