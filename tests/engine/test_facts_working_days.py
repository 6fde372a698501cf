"""``working_days_between`` counts from per-year tables; it must count as the definition does."""

from __future__ import annotations

import random
from datetime import date, timedelta

from followup.engine.workdays import is_working_day, working_days_between


def day_by_day(country: str, start: date, end: date) -> int:
    """The definition: working days after ``start`` up to and including ``end``, signed."""
    low, high = min(start, end), max(start, end)
    count = sum(is_working_day(country, low + timedelta(days=n)) for n in range(1, (high - low).days + 1))
    return count if end >= start else -count


def test_year_tables_count_as_the_day_by_day_definition() -> None:
    rnd = random.Random(0)
    for _ in range(600):
        country = rnd.choice(("DK", "SE", "NO", "DE", "ZZ"))  # ZZ: a country without holidays
        today = date(2000, 1, 1) + timedelta(days=rnd.randrange(36_500))
        day = today + timedelta(days=rnd.randrange(-1900, 1900))
        assert working_days_between(country, day, today) == day_by_day(country, day, today), (country, day, today)


def test_across_new_year_and_christmas() -> None:
    # 2023-12-22 is a Friday; then 25-26 December and 1 January are holidays: 27, 28, 29 Dec, 2, 3 Jan count.
    assert working_days_between("SE", date(2023, 12, 22), date(2024, 1, 3)) == 5
    assert working_days_between("SE", date(2024, 1, 3), date(2023, 12, 22)) == -5
