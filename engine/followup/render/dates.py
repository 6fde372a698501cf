"""Dates in the language they are written in: "onsdag den 18. november", "måndag 30 november".

The words are Babel's (CLDR): the weekdays and months of each language in their format
form. Babel takes a tenth of a second to import and load a locale, more than a whole cold
``followup advise``; so the names are read from Babel once per Babel installation and kept
in followup's cache folder as JSON, like the holiday tables. ``tests/render/test_drafts.py`` checks
that every pattern gives exactly what ``babel.dates.format_date`` gives, for every day of a
year in every language.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from followup.base.concepts import Language, values
from followup.base.cachedir import cache_dir

LANGUAGES = values(Language)

#: CLDR patterns (Babel's ``format_date``) by language: with the weekday, the day and month,
#: and the day and month with the year.
PATTERNS: dict[str, dict[str, str]] = {
    "en": {"weekday_date": "EEEE d MMMM", "date": "d MMMM", "date_year": "d MMMM y", "weekday": "EEEE"},
    "da": {"weekday_date": "EEEE 'den' d. MMMM", "date": "d. MMMM", "date_year": "d. MMMM y", "weekday": "EEEE"},
    "sv": {"weekday_date": "EEEE d MMMM", "date": "d MMMM", "date_year": "d MMMM y", "weekday": "EEEE"},
    "nb": {"weekday_date": "EEEE d. MMMM", "date": "d. MMMM", "date_year": "d. MMMM y", "weekday": "EEEE"},
}

_NAMES: dict[str, dict[str, list[str]]] = {}


def format_day(day: date, lang: str, form: str = "weekday_date") -> str:
    """``day`` in ``lang`` by one of ``PATTERNS``' forms."""
    shape = _SHAPES.get((lang, form))
    if shape is None:
        shape = _SHAPES[lang, form] = _shape(PATTERNS[lang][form])
    words = names(lang)
    return shape.format(weekday=words["days"][day.weekday()], day=day.day, month=words["months"][day.month - 1],
                        year=day.year)


#: Each pattern as a ``str.format`` text: a draft writes several days, each a pattern read once.
_SHAPES: dict[tuple[str, str], str] = {}


def _shape(pattern: str) -> str:
    """The CLDR pattern's tokens we use (EEEE, d, MMMM, y, 'literal') as ``str.format`` fields."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "'":
            end = pattern.index("'", i + 1)
            out.append(_literal(pattern[i + 1:end]))
            i = end + 1
        elif pattern.startswith("EEEE", i):
            out.append("{weekday}")
            i += 4
        elif pattern.startswith("MMMM", i):
            out.append("{month}")
            i += 4
        elif pattern[i] == "d":
            out.append("{day}")
            i += 1
        elif pattern[i] == "y":
            out.append("{year}")
            i += 1
        else:
            out.append(_literal(pattern[i]))
            i += 1
    return "".join(out)


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def names(lang: str) -> dict[str, list[str]]:
    """The weekday (Monday first) and month names of ``lang``, from Babel or its cache."""
    if lang not in _NAMES:
        _NAMES.update(_load())
    return _NAMES[lang]


def _babel_key() -> str | None:
    """Which Babel is installed (its location and its data's modification time), without importing it."""
    try:
        spec = importlib.util.find_spec("babel")
        if spec is None or spec.origin is None:
            return None
        data = Path(spec.origin).parent / "locale-data"
        return f"{spec.origin}:{os.stat(data).st_mtime_ns}:{os.stat(spec.origin).st_mtime_ns}"
    except (OSError, ValueError):
        return None


def _load() -> dict[str, dict[str, list[str]]]:
    folder = cache_dir()
    key = _babel_key()
    path = folder / "date-names.json" if folder is not None else None
    if path is not None and key is not None:
        try:
            with open(path, encoding="utf-8") as handle:
                entry = json.load(handle)
            if entry.get("key") == key and set(entry["names"]) >= set(LANGUAGES):
                return entry["names"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    found = from_babel()
    if path is not None and key is not None:
        _write(path, {"key": key, "names": found})
    return found


def from_babel() -> dict[str, dict[str, list[str]]]:
    """Every language's names, read from Babel's CLDR data."""
    from babel import Locale  # only when the cache has no names for this Babel

    out: dict[str, dict[str, list[str]]] = {}
    for lang in LANGUAGES:
        locale = Locale.parse(lang)
        days = locale.days["format"]["wide"]
        months = locale.months["format"]["wide"]
        out[lang] = {"days": [days[i] for i in range(7)], "months": [months[i] for i in range(1, 13)]}
    return out


def _write(path: Path, entry: dict[str, Any]) -> None:
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".tmp-", suffix=".json",
                                         delete=False) as handle:
            temp = handle.name
            json.dump(entry, handle, ensure_ascii=False)
        os.replace(temp, path)
        temp = None
    except (OSError, TypeError, ValueError):
        pass  # a read-only disk only costs speed
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
