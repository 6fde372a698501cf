"""Days, weeks and working days in a country's calendar.

Working days skip Saturdays, Sundays and the country's public holidays, as published by the
maintained ``holidays`` package, together with the days that country keeps as holidays in
practice where the package lists them (its ``de_facto`` category: Sweden's Midsummer Eve,
Christmas Eve and New Year's Eve). A country it does not know still gets weekends skipped.

Christmas Eve (24 December) and New Year's Eve (31 December) are days off in every country
(``DAYS_OFF_IN_PRACTICE``), whatever the package's categories say. Offices in Denmark,
Sweden and Norway are closed or close at noon on both: ``holidays`` lists them for Denmark as
``optional``, for Sweden as ``de_facto`` and ``bank``, and not at all for Norway, where
"julaften" and "nyttårsaften" are half days by custom and agreement. Taking a package
category per country would make Denmark say "call today" on 24 December while Sweden waits
until the 28th; a call or a visit on a day most offices close early reaches no one, so the
rule is one for all (README, Countries).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from followup.base.cachedir import Cache, open_cache

WEEKEND = (5, 6)
HOLIDAY_CATEGORIES = ("public", "de_facto")
#: (month, day): name. Days kept off in practice in every country (the module docstring says why).
DAYS_OFF_IN_PRACTICE: dict[tuple[int, int], str] = {(12, 24): "Christmas Eve", (12, 31): "New Year's Eve"}
_FORMAT = "followup-holidays/1"


@cache
def _holiday_table(country: str, year: int) -> dict[date, str]:
    """The country's holidays in ``year``: from the JSON cache, or from ``holidays`` (then cached).

    ``holidays`` imports every country's module on its first lookup (about 60 ms, more than
    the rest of a cold ``advise``), so a warm run reads the few days it needs from a cache
    keyed by the installed ``holidays`` release and never imports it. A cached table is used
    only if it is signed (``cachedir.Cache``) and plausible (``plausible_table``).
    """
    entry = _cache_entry(country, year)
    cached = _read(entry, year) if entry else None
    if cached is not None:
        return cached
    # Only days of ``year`` are ever looked up in its table (``holiday_name``), and only those
    # pass ``plausible_table``: an observed day in another year would keep it from the cache.
    table = {day: name for day, name in _from_holidays(country, year).items() if day.year == year}
    if entry:
        _write(entry, table)
    return table


def _from_holidays(country: str, year: int) -> dict[date, str]:
    import holidays

    try:
        supported = holidays.country_holidays(country).supported_categories
    except NotImplementedError:
        return {}
    categories = tuple(c for c in HOLIDAY_CATEGORIES if c in supported)
    try:
        table = holidays.country_holidays(country, years=year, categories=categories, language="en_US")
    except Exception:  # a country without English names: the local names will do
        table = holidays.country_holidays(country, years=year, categories=categories)
    return dict(table)


@cache
def _holidays_release() -> str | None:
    """A digest of the installed ``holidays`` release, found without importing it."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.submodule_search_locations:
        return None
    version = Path(next(iter(spec.submodule_search_locations))) / "version.py"
    try:
        return hashlib.sha256(version.read_bytes()).hexdigest()[:16]
    except OSError:
        return None


@dataclass(frozen=True)
class _Entry:
    """Where one country's table for one year is cached, and the key it is cached under."""

    cache: Cache
    name: str
    key: str


#: A cached table is at most this big, and has at most this many days off (a year has about 15).
ENTRY_LIMIT = 64 * 1024
MAX_HOLIDAYS = 120
MAX_NAME = 500
_COUNTRY = re.compile(r"[A-Z]{2}")


def _cache_entry(country: str, year: int) -> _Entry | None:
    """The cache entry of ``country``'s table for ``year``; None without a cache or a known release."""
    release = _holidays_release()
    if release is None or not _COUNTRY.fullmatch(country):
        return None
    cache = open_cache()
    if cache is None:
        return None
    key = f"{country}-{year}-{release}-{'+'.join(HOLIDAY_CATEGORIES)}"
    return _Entry(cache, f"holidays-{key}.json", key)


def _read(entry: _Entry, year: int) -> dict[date, str] | None:
    """The cached table, if its entry is sound, for this key, and plausible for ``year``."""
    data = entry.cache.read(entry.name, ENTRY_LIMIT)
    if data is None or data.get("format") != _FORMAT or data.get("key") != entry.key:
        return None
    return plausible_table(data.get("days"), year)


def plausible_table(days: object, year: int) -> dict[date, str] | None:
    """``days`` as a holiday table for ``year``, if it could be one: every day a date in that
    year, every name non-empty text, not too many. A table that moved a window to January or
    to 2100 was none of these."""
    if not isinstance(days, dict) or len(days) > MAX_HOLIDAYS:
        return None
    table: dict[date, str] = {}
    for day, name in days.items():
        try:
            parsed = date.fromisoformat(day)
        except (TypeError, ValueError):
            return None
        if parsed.year != year or parsed.isoformat() != day or not isinstance(name, str) \
                or not 0 < len(name) <= MAX_NAME:
            return None
        table[parsed] = name
    return table


def _write(entry: _Entry, table: dict[date, str]) -> None:
    data = {"format": _FORMAT, "key": entry.key, "days": {d.isoformat(): n for d, n in sorted(table.items())}}
    entry.cache.write(entry.name, data, ENTRY_LIMIT)  # a cache that cannot be written is not an error


def knows_country(country: str) -> bool:
    """Whether public holidays are known for ``country``."""
    import holidays

    return country in holidays.list_supported_countries()


def holiday_name(country: str, day: date) -> str | None:
    """The public holiday (or day kept off in practice) on ``day`` in ``country``, if any."""
    return _holiday_table(country, day.year).get(day) or DAYS_OFF_IN_PRACTICE.get((day.month, day.day))


def is_working_day(country: str, day: date) -> bool:
    """A weekday that is not a public holiday in ``country``."""
    return day.weekday() not in WEEKEND and holiday_name(country, day) is None


def add_working_days(country: str, start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (before it, for a negative count).

    Zero working days after a day off is the next working day: "on a working day, from".
    """
    step = 1 if count >= 0 else -1
    day = start
    if count == 0:
        while not is_working_day(country, day):
            day += timedelta(days=1)
        return day
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(country, day):
            remaining -= 1
    return day


def working_day_on_or_after(country: str, day: date) -> date:
    """``day`` if it is a working day, else the next working day."""
    return add_working_days(country, day, 0)


def working_day_on_or_before(country: str, day: date) -> date:
    """``day`` if it is a working day, else the working day before it."""
    return add_working_days(country, day + timedelta(days=1), -1)


def working_days_between(country: str, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier).

    Counted from per-year running totals, so a count costs the same however far apart the
    days are: every evaluation counts working days since several dates.
    """
    first = min(start, end).year
    return _worked_through(country, first, end) - _worked_through(country, first, start)


def _worked_through(country: str, first: int, day: date) -> int:
    """Working days from 1 January of ``first`` up to and including ``day``."""
    year = day.year
    before = _worked_before(country, first, year) if year > first else 0
    return before + _worked_in_year(country, year)[day.toordinal() - _new_year(year)]


@cache
def _worked_before(country: str, first: int, year: int) -> int:
    """Working days from 1 January of ``first`` up to the end of the year before ``year``."""
    return sum(_worked_in_year(country, y)[-1] for y in range(first, year))


@cache
def _new_year(year: int) -> int:
    return date(year, 1, 1).toordinal()


@cache
def _worked_in_year(country: str, year: int) -> tuple[int, ...]:
    """For each day of ``year``: working days from 1 January up to and including it."""
    worked, count, day, one = [], 0, date(year, 1, 1), timedelta(days=1)
    while day.year == year:
        count += is_working_day(country, day)
        worked.append(count)
        day += one
    return tuple(worked)


def skipped_days(country: str, start: date, end: date) -> list[tuple[date, str]]:
    """The days off between ``start`` and ``end`` with why each was skipped, for the trace."""
    out = []
    for n in range(1, (end - start).days):
        day = start + timedelta(days=n)
        name = holiday_name(country, day)
        if name:
            out.append((day, name))
        elif day.weekday() in WEEKEND:
            out.append((day, "weekend"))
    return out
