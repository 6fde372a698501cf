"""Days, weeks and working days in a country's calendar.

Working days skip Saturdays, Sundays and the country's public holidays, as published by the
maintained ``holidays`` package, together with the days that country keeps as holidays in
practice where the package lists them (its ``de_facto`` category: Sweden's Midsummer Eve,
Christmas Eve and New Year's Eve). A country it does not know still gets weekends skipped.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

WEEKEND = (5, 6)
HOLIDAY_CATEGORIES = ("public", "de_facto")


@cache
def _holiday_table(country: str, year: int) -> dict[date, str]:
    import holidays  # imported on first use: most advice needs no working days at all

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
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(country, end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(country, start + timedelta(days=n)))


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
