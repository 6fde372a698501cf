"""``working_days_since.*`` come from per-year tables; they must count as ``workdays`` does."""

from __future__ import annotations

import random
from datetime import date, timedelta

from followup.facts import _working_days_to
from followup.workdays import working_days_between


def test_working_days_from_year_tables_equal_the_day_by_day_count() -> None:
    rnd = random.Random(0)
    for _ in range(600):
        country = rnd.choice(("DK", "SE", "NO", "DE", "ZZ"))  # ZZ: a country without holidays
        today = date(2000, 1, 1) + timedelta(days=rnd.randrange(36_500))
        days = {today + timedelta(days=rnd.randrange(-1900, 1900)) for _ in range(rnd.randrange(1, 6))} | {today}
        counted = _working_days_to(country, days, today)
        assert counted == {day: working_days_between(country, day, today) for day in days}, (country, today)


def test_across_new_year_and_christmas() -> None:
    # 2023-12-22 is a Friday; then 25-26 December and 1 January are holidays: 27, 28, 29 Dec, 2, 3 Jan count.
    assert _working_days_to("SE", {date(2023, 12, 22)}, date(2024, 1, 3)) == {date(2023, 12, 22): 5}
    assert _working_days_to("SE", {date(2024, 1, 3)}, date(2023, 12, 22)) == {date(2024, 1, 3): -5}
