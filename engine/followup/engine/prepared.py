"""What is worked out once per merged ruleset and reused by every evaluation against it.

The trace's condition table and static JSON, the resolver's per-rule parts: none of it
depends on the situation. It is kept per ruleset digest (the digest names the rules as
merged, so equal digests mean equal rules); a ruleset without a digest, built by hand, gets
it made anew on each call. A process meets a few rulesets at most; the cache is bounded anyway.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from followup.rules.ruleset import MergedRuleset

T = TypeVar("T")

_CACHE: dict[tuple[str, str], Any] = {}
_MAX = 64


def per_ruleset(merged: MergedRuleset, name: str, build: Callable[[], T]) -> T:
    """``build()``'s result for ``merged``, made once per ruleset digest and ``name``."""
    if not merged.digest:
        return build()
    key = (merged.digest, name)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _MAX:
            _CACHE.clear()
        found = _CACHE[key] = build()
    return found
