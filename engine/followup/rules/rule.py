"""A rule: id, title, ``when``, ``then``, ``because`` and the source it comes from.

Rules are data. ``Rule.from_data`` builds one from a validated ruleset entry; nothing in a
rule is ever executed, imported or evaluated as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from followup.base.concepts import Action, Purpose, values
from followup.base.records import json_field, to_json_data
from followup.base.words import quoted
from followup.rules.condition import Condition, condition_to_data, parse_condition

ACTIONS = values(Action)
PURPOSES = values(Purpose)

_TIME = re.compile(r"^(?:(?P<n>\d+) (?P<unit>days?|weeks?|working days?) (?P<dir>after|before) )?(?P<anchor>[a-z_.]+)$")


@dataclass(frozen=True)
class TimePoint:
    """A day relative to a date of the situation: ``2 working days after interview.answer_promised_by``."""

    anchor: str
    amount: int = 0
    unit: str = "days"  # days | working_days
    before: bool = False

    @classmethod
    def parse(cls, text: str) -> "TimePoint":
        """Parse the ruleset form (the schema has already checked the shape)."""
        match = _TIME.match(text)
        if not match:
            raise ValueError(f"not a time expression: {quoted(text)}")
        amount = int(match["n"] or 0)
        unit = match["unit"] or "days"
        if unit.startswith("week"):
            amount, unit = amount * 7, "days"
        unit = "working_days" if unit.startswith("working") else "days"
        return cls(match["anchor"], amount, unit, match["dir"] == "before")

    @property
    def signed(self) -> int:
        """The amount, negative before the anchor."""
        return -self.amount if self.before else self.amount

    def __str__(self) -> str:
        if not self.amount and self.unit == "days":
            return self.anchor
        unit = self.unit.replace("_", " ")  # "0 working days after today": the next working day, from today
        unit = unit[:-1] if self.amount == 1 else unit
        return f"{self.amount} {unit} {'before' if self.before else 'after'} {self.anchor}"

    def __json__(self) -> str:
        """The ruleset form: ``2 working days after interview.date``."""
        return str(self)


@dataclass(frozen=True)
class Effect:
    """What a rule does when it fires. Every part is optional; a rule has at least one.

    ``if_channel`` and ``if_purpose`` tie the timing and the say/avoid/caution points to the
    channel and purpose the advice ends up with; the action, preferences, forbids and
    purpose are never tied, since they are what decides the channel and purpose.
    """

    # The ruleset form has only the parts that are set.
    action: str | None = json_field(default=None, omit_empty=True)
    purpose: str | None = json_field(default=None, omit_empty=True)
    forbid: tuple[str, ...] = json_field(default=(), omit_empty=True)
    prefer: tuple[str, ...] = json_field(default=(), omit_empty=True)
    earliest: TimePoint | None = json_field(default=None, omit_empty=True)
    latest: TimePoint | None = json_field(default=None, omit_empty=True)
    say: tuple[str, ...] = json_field(default=(), omit_empty=True)
    avoid: tuple[str, ...] = json_field(default=(), omit_empty=True)
    caution: tuple[str, ...] = json_field(default=(), omit_empty=True)
    if_channel: tuple[str, ...] = json_field(default=(), omit_empty=True)
    if_purpose: tuple[str, ...] = json_field(default=(), omit_empty=True)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Effect":
        return cls(
            action=data.get("action"), purpose=data.get("purpose"),
            forbid=tuple(data.get("forbid", ())), prefer=tuple(data.get("prefer", ())),
            earliest=TimePoint.parse(data["earliest"]) if "earliest" in data else None,
            latest=TimePoint.parse(data["latest"]) if "latest" in data else None,
            say=tuple(data.get("say", ())), avoid=tuple(data.get("avoid", ())), caution=tuple(data.get("caution", ())),
            if_channel=tuple(data.get("if_channel", ())), if_purpose=tuple(data.get("if_purpose", ())),
        )

    def anchors(self) -> set[str]:
        """The situation dates this effect's timing counts from."""
        return {p.anchor for p in (self.earliest, self.latest) if p}


@dataclass(frozen=True)
class Source:
    """Where the advice comes from: a seed article, catalogue items, the article's words."""

    seed: str
    items: tuple[str, ...]
    quote: str

    def __str__(self) -> str:
        return f"seed {self.seed}, {', '.join(self.items)}: \u201c{self.quote}\u201d"


@dataclass(frozen=True)
class Origin:
    """Which layer a rule (or the part of it in force) comes from, and in which file and line."""

    layer: str
    file: str
    line: int | None = None


@dataclass(frozen=True)
class Override:
    """An overlay replaced parts of a lower layer's rule."""

    layer: str
    replaced_layer: str
    fields: tuple[str, ...]
    because: str
    source: Source
    file: str
    line: int | None = None


@dataclass(frozen=True)
class Disabled:
    """A rule or template an overlay switched off, and why."""

    id: str
    layer: str
    reason: str
    file: str
    line: int | None


def missing_from(item_id: str, disabled: dict[str, Disabled]) -> str:
    """Why an overlay cannot disable or override ``item_id``: a lower layer disabled it, or none defines it."""
    if item_id in disabled:
        return f"which layer '{disabled[item_id].layer}' disabled"
    return "which no lower layer defines"


@dataclass(frozen=True)
class Rule:
    """A rule of a merged ruleset, with where it came from and what overrode it."""

    id: str
    title: str
    when: Condition
    then: Effect
    because: str
    source: Source
    origin: Origin
    priority: int = 0
    overrides: tuple[Override, ...] = field(default=())

    @classmethod
    def from_data(cls, data: dict[str, Any], origin: Origin) -> "Rule":
        """Build a rule from one validated ruleset entry."""
        return cls(
            id=data["id"], title=data["title"], when=parse_condition(data["when"]),
            then=Effect.from_data(data["then"]), because=data["because"],
            source=source_from_data(data["source"]), origin=origin, priority=data.get("priority", 0),
        )

    @property
    def layer(self) -> str:
        """The layer whose version of this rule is in force (the last overlay to override it)."""
        return self.overrides[-1].layer if self.overrides else self.origin.layer

    def with_override(self, data: dict[str, Any], override: Override) -> "Rule":
        """This rule with the fields an overlay replaces."""
        changes: dict[str, Any] = {"overrides": self.overrides + (override,),
                                   "because": override.because, "source": override.source}
        if "when" in data:
            changes["when"] = parse_condition(data["when"])
        if "then" in data:
            changes["then"] = Effect.from_data(data["then"])
        for name in ("title", "priority"):
            if name in data:
                changes[name] = data[name]
        return replace(self, **changes)

    def to_data(self) -> dict[str, Any]:
        """The ruleset form of the rule as merged (used for digests and ``rules show``)."""
        # Its own order (``rules show`` prints it as it is), not the fields'.
        return {"id": self.id, "title": self.title, "when": condition_to_data(self.when),
                "then": to_json_data(self.then), "because": self.because, "priority": self.priority,
                "source": to_json_data(self.source), "layer": self.layer, "defined_in": self.origin.layer}


def source_from_data(data: dict[str, Any]) -> Source:
    """A ``Source`` from its ruleset form."""
    return Source(seed=data["seed"], items=tuple(data["items"]), quote=data["quote"])
