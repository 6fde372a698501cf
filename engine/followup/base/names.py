"""English names for followup's concepts and dates, shared by the audit's sentences and the renderers.

One place for them, so a channel is called the same everywhere; the translations of these
words live beside them when the advice is rendered in other languages.
"""

from __future__ import annotations

from datetime import date

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")

_CHANNEL_NAME = {"email": "e-mail", "phone": "phone", "linkedin": "LinkedIn message", "in_person": "in person",
                 "letter": "letter", "insider": "your contact inside the company"}


def channel_name(channel: str) -> str:
    """A channel in words."""
    return _CHANNEL_NAME.get(channel, channel)


def day(d: date, today: date | None = None) -> str:
    """``24 November`` (with the year if it is not ``today``'s)."""
    text = f"{d.day} {_MONTHS[d.month - 1]}"
    return text if today and d.year == today.year else f"{text} {d.year}"
