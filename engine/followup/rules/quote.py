"""Quoting a value of the user's in a message, cut short.

A message quotes what it refuses so the author can find it; a 900,000-character value must not
make a 900 KB message. (A local stand-in for the shared helper being added elsewhere; replace
it by that one once it exists.)
"""

from __future__ import annotations

from typing import Any

#: Characters of a quoted value kept in a message.
LIMIT = 80


def quoted(value: Any, limit: int = LIMIT) -> str:
    """``repr``-style quotes around ``value``, cut to ``limit`` characters with an ellipsis."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "\u2026"
    return repr(text)
