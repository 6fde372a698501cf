"""A channel is advised only if the situation gives a way to use it (issue 11, item 1).

On thousands of situations generated from the schema (``test_properties.situations``), the
channel and every alternative can be carried out with what the situation holds:

- e-mail needs the contact's address (``contact.email``), or an invitation they sent by e-mail
  to reply to ("Hvis du har en e-mailadresse til en kontaktperson", "hvis du har deres adresse");
- the phone needs a number that is not private, or else the advice says to find the company's
  main number (C12);
- LinkedIn needs the person's name or their profile (C3);
- in person needs the application handed in in person (C6);
- someone inside needs someone you know there (C4).

The rules decide this (``email-needs-an-address``, ``linkedin-needs-a-name-or-profile``,
``find-the-main-number-first``, ``in-person-only-if-handed-in``); this test only checks them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from conftest import COMMON, examples, situations
from conftest import GENERATED_ENGINE as ENGINE
from conftest import parse_generated as _parse

from followup.load.situation import Situation

MAIN_NUMBER = "main number"


def _points(advice: Any) -> list[str]:
    return [p.text for p in (*advice.say, *advice.avoid, *advice.cautions)]


def _usable(channel: str, s: Situation, advice: Any) -> bool:
    """Whether ``s`` gives a way to use ``channel`` (for the phone: or the advice says how to find one)."""
    invited_by = s.interview.invited_by if s.interview else None
    if channel == "email":
        return bool(s.contact.email) or invited_by == "email"
    if channel == "phone":
        has_number = bool(s.contact.phone) and s.contact.phone_kind != "private"
        return has_number or any(MAIN_NUMBER in text for text in _points(advice))
    if channel == "linkedin":
        return bool(s.contact.name) or s.contact.linkedin is True or invited_by == "linkedin"
    if channel == "in_person":
        return s.application.via == "in_person"
    if channel == "insider":
        return s.contact.insider is True
    return channel == "letter"  # a letter goes to the company's address, which anyone can find


@pytest.mark.slow
@settings(max_examples=examples(1000), **COMMON)
@given(situations())
def test_the_channel_and_every_alternative_can_be_used(data: dict[str, Any]) -> None:
    situation = _parse(data)
    advice = ENGINE.advise(situation)
    for channel in filter(None, (advice.channel, *advice.alternatives)):
        assert _usable(channel, situation, advice), (channel, advice.channel, advice.alternatives, data)


def test_a_contact_known_by_name_only_gets_no_email() -> None:
    # The case: applied by post; no e-mail address, no number.
    advice = ENGINE.advise(_parse(dict(country="DK", today="2026-11-21", stage="applied",
                                       application={"sent_on": "2026-11-09", "via": "post"},
                                       contact={"name": "Mette Jensen"})))
    assert advice.channel == "phone" and "email" not in advice.alternatives
    assert "email" in advice.forbidden
    texts = _points(advice)
    assert any("no e-mail address for your contact" in t for t in texts)
    assert any(MAIN_NUMBER in t for t in texts)


def test_nothing_given_says_what_to_find_first() -> None:
    advice = ENGINE.advise(_parse(dict(country="DK", today="2026-11-21", stage="applied",
                                       application={"sent_on": "2026-11-09"})))
    assert advice.channel == "phone" and advice.alternatives == ()
    texts = _points(advice)
    assert any("find it first" in t for t in texts) and any(MAIN_NUMBER in t for t in texts)
