"""Calls and visits on days offices are open (issue 11, item 2; T14 "i kontortiden").

When the advice is to phone or to go in person, its window starts and ends on working days
of the country, and is never empty of them, across ten years of each country's holidays;
each day moved is reported. 24 and 31 December are days off in every country alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conftest import situation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.engine.engine import Engine
from followup.engine.workdays import is_working_day

ENGINE = Engine()
COUNTRIES = ("DK", "SE", "NO", "DE")  # DE: a country with the base rules only
FIRST, YEARS = date(2026, 1, 1), 10


def _calling(country: str, sent: date, today: date, answer_by: date | None, via: str) -> dict[str, Any]:
    """A situation whose advice is to phone (or, handed in in person, to visit)."""
    data: dict[str, Any] = dict(country=country, today=today.isoformat(), stage="applied",
                                application={"sent_on": sent.isoformat(), "via": via},
                                contact={"name": "Mette Jensen", "phone": "+45 12 34 56 78", "phone_kind": "work",
                                         "asked_for": "in_person" if via == "in_person" else "phone"})
    if answer_by:
        data["posting"] = {"answer_expected_by": answer_by.isoformat()}
    return data


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COUNTRIES), st.integers(0, YEARS * 365), st.integers(0, 40),
       st.one_of(st.none(), st.integers(0, 30)), st.sampled_from(["email", "in_person"]))
def test_a_call_or_visit_window_starts_and_ends_on_working_days(country: str, start: int, age: int,
                                                               answer_in: int | None, via: str) -> None:
    sent = FIRST + timedelta(days=start)
    today = sent + timedelta(days=age)
    answer_by = sent + timedelta(days=answer_in) if answer_in is not None else None
    advice = ENGINE.advise(situation(**_calling(country, sent, today, answer_by, via)))
    if advice.channel not in ("phone", "in_person"):
        return
    earliest, latest = advice.timing.earliest, advice.timing.latest
    for day in filter(None, (earliest, latest)):
        assert is_working_day(country, day), (country, day, advice.timing)
    if earliest and latest:
        assert earliest <= latest  # both working days, so never empty of them
    if any(c.kind == "moved_to_working_day" for c in advice.conflicts):
        assert any("T14" in o.why for e in advice.trace for o in e.overridden_by) or \
            all(not c.rules for c in advice.conflicts if c.kind == "moved_to_working_day")


def _advise(**changes: Any) -> Any:
    base = dict(country="DK", today="2026-03-30", stage="applied",
                application={"sent_on": "2026-03-16", "via": "email"},
                contact={"name": "Mette Jensen", "phone": "+45 12 34 56 78", "phone_kind": "work", "asked_for": "phone"})
    return ENGINE.advise(situation(**{**base, **changes}))


def test_a_call_window_on_easter_days_only_moves_to_the_next_working_day() -> None:
    # The case: four or five days after 29 March 2026 are Maundy Thursday and Good Friday.
    advice = _advise(posting={"answer_expected_by": "2026-03-29"})
    assert advice.channel == "phone"
    assert (advice.timing.earliest, advice.timing.latest) == (date(2026, 4, 7), date(2026, 4, 7))
    moved = [c for c in advice.conflicts if c.kind == "moved_to_working_day"]
    assert moved and "Maundy Thursday" in moved[0].message and "office hours" in moved[0].message
    entry = next(e for e in advice.trace if e.id == "wait-until-after-the-date-given")
    assert any(o.by == "resolver" and "T14" in o.why for o in entry.overridden_by)


def test_an_email_window_is_not_moved() -> None:
    advice = _advise(posting={"answer_expected_by": "2026-03-29"},
                     contact={"name": "Mette Jensen", "email": "mj@example.dk"})
    assert advice.channel == "email"
    assert (advice.timing.earliest, advice.timing.latest) == (date(2026, 4, 2), date(2026, 4, 3))
    assert not [c for c in advice.conflicts if c.kind == "moved_to_working_day"]


def test_christmas_eve_is_a_day_off_for_calls_in_denmark_and_sweden_alike() -> None:
    for country in ("DK", "SE", "NO"):
        advice = _advise(country=country, today="2026-12-24",
                         application={"sent_on": "2026-12-01", "via": "email"})
        assert advice.channel == "phone", country
        assert advice.timing.earliest == date(2026, 12, 28), (country, advice.timing)


def test_24_and_31_december_are_not_working_days_anywhere() -> None:
    for country in ("DK", "SE", "NO", "DE", "GB", "US", "ZZ"):
        assert not is_working_day(country, date(2027, 12, 24)), country
        assert not is_working_day(country, date(2027, 12, 31)), country
