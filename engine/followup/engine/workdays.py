"""Days, weeks and working days in a country's calendar.

Working days skip Saturdays, Sundays and the country's public holidays, as published by the
maintained ``holidays`` package, together with the days that country keeps as holidays in
practice where the package lists them (its ``de_facto`` category: Sweden's Midsummer Eve,
Christmas Eve and New Year's Eve). A country it does not know still gets weekends skipped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from followup.base.cachedir import cache_dir

WEEKEND = (5, 6)
HOLIDAY_CATEGORIES = ("public", "de_facto")
_FORMAT = "followup-holidays/1"


@cache
def _holiday_table(country: str, year: int) -> dict[date, str]:
    """The country's holidays in ``year``: from the JSON cache, or from ``holidays`` (then cached).

    ``holidays`` imports every country's module on its first lookup (about 60 ms, more than
    the rest of a cold ``advise``), so a warm run reads the few days it needs from a cache
    keyed by the installed ``holidays`` release and never imports it.
    """
    path, key = _cache_entry(country, year)
    cached = _read(path, key) if path else None
    if cached is not None:
        return cached
    table = _from_holidays(country, year)
    if path:
        _write(path, key, table)
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


def _cache_entry(country: str, year: int) -> tuple[Path | None, str]:

    folder, release = cache_dir(), _holidays_release()
    key = f"{country}-{year}-{release}-{'+'.join(HOLIDAY_CATEGORIES)}"
    if folder is None or release is None or not country.isalpha():
        return None, key
    return folder / f"holidays-{key}.json", key


def _read(path: Path, key: str) -> dict[date, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT or data.get("key") != key:
            return None
        return {date.fromisoformat(day): str(name) for day, name in data["days"].items()}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None  # missing or damaged: ask holidays again


def _write(path: Path, key: str, table: dict[date, str]) -> None:
    data = {"format": _FORMAT, "key": key, "days": {d.isoformat(): n for d, n in sorted(table.items())}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(out.name, path)
    except OSError:
        pass  # a cache that cannot be written is not an error


def knows_country(country: str) -> bool:
    """Whether public holidays are known for ``country``."""
    import holidays

    return country in holidays.list_supported_countries()


def holiday_name(country: str, day: date) -> str | None:
    """The public holiday on ``day`` in ``country``, if any."""
    return _holiday_table(country, day.year).get(day)


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


def working_days_between(country: str, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier).

    Counted from per-year running totals, so a count costs the same however far apart the
    days are: every evaluation counts working days since several dates.
    """
    first = min(start, end).year
    return _worked_through(country, first, end) - _worked_through(country, first, start)


def _worked_through(country: str, first: int, day: date) -> int:
    """Working days from 1 January of ``first`` up to and including ``day``."""
    before = sum(_worked_in_year(country, year)[-1] for year in range(first, day.year))
    return before + _worked_in_year(country, day.year)[day.timetuple().tm_yday - 1]


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
