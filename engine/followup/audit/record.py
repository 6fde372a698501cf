"""The decision record: what identifies one decision.

Every JSON advice carries a ``decision`` record, like an OPA decision log entry:

=====================  =====================================================  ========
field                  meaning                                                per run?
=====================  =====================================================  ========
``id``                 a random UUID naming this one decision                 yes
``timestamp``          when it was made, UTC, ISO 8601 to the millisecond     yes
``engine``             followup's version                                     no
``ruleset``            name, version (every layer) and digest of the merged   no
                       ruleset
``situation_digest``   sha256 of the normalised situation                     no
                       (``Situation.to_dict``, canonical JSON)
``today``              the day advised for                                    no
=====================  =====================================================  ========

Everything but ``id`` and ``timestamp`` (``PER_RUN``) is the same, byte for byte, for the
same situation, rules and day. Where records are kept is ``log.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from followup import __version__
from followup.engine.advice import NORMALISED, Advice
from followup.audit.explain import basis_of
from followup.base.fastjson import digest_of
from followup.base.records import json_field

#: The fields of a decision record that differ between two runs on the same input.
PER_RUN = ("id", "timestamp")


@dataclass(frozen=True)
class DecisionRecord:
    """What identifies one decision (see the module docstring for each field)."""

    id: str
    timestamp: str
    engine: str
    # In the ``decision`` part of a JSON advice, the ruleset's three fields are one ``ruleset``.
    ruleset_name: str = json_field(key="name", within="ruleset")
    ruleset_version: str = json_field(key="version", within="ruleset")
    ruleset_digest: str = json_field(key="digest", within="ruleset")
    situation_digest: str
    today: date


def new_record(advice: Advice) -> DecisionRecord:
    """A new decision record for ``advice`` (a fresh id and timestamp)."""
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    info = advice.ruleset
    return DecisionRecord(str(uuid.uuid4()), now, __version__, info.name, info.version, info.digest,
                          situation_digest(advice), advice.today)


def situation_digest(advice: Advice) -> str:
    """The digest of the normalised situation the advice was made for (computed once)."""
    basis = basis_of(advice)
    digest = basis.cache.get("situation_digest")
    if digest is None:
        normalised = basis.cache.get(NORMALISED) or basis.situation.to_dict()
        # No number in a situation (its schema has none), so no float to write the slow way.
        digest = basis.cache["situation_digest"] = digest_of(normalised, floats=False)
    return digest
