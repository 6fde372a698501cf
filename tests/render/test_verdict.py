"""The verdict sentence says what the points under it say."""

from __future__ import annotations

from followup.render.text import verdict
from conftest import EXAMPLES, situation
from followup.load.situation import load_situation


def test_a_private_number_is_reached_through_the_switchboard(engine) -> None:
    advice = engine.advise(load_situation(EXAMPLES / "dk-private-phone-only.yaml"))
    assert advice.channel == "phone"
    assert verdict(advice).startswith("Call Tømrer Hansen ApS's main number and ask for Lene Hansen ")


def test_a_work_number_is_called_directly(engine) -> None:
    advice = engine.advise(load_situation(EXAMPLES / "no-before-applying.yaml"))
    assert advice.channel == "phone" and verdict(advice).startswith("Call Kari Nordmann to ask about the job")


def test_considering_in_denmark_means_apply_first(engine) -> None:
    advice = engine.advise(situation(country="DK", today="2026-11-21", stage="considering",
                                     contact={"name": "Mette Jensen", "email": "mj@example.dk"}))
    assert advice.action == "wait"
    assert verdict(advice) == "Nothing to follow up on yet: send your application first."
