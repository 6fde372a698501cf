"""The advice and its reasoning trace, as frozen records with one JSON form.

``Advice.to_json`` is the contract described by ``schemas/advice.schema.json``. It contains
nothing that varies between runs: the same situation, ruleset and ``today`` give the same
bytes. Per-run fields (decision id, timestamp) live in the decision record, not here.

Each advice also keeps its ``Basis`` (the merged ruleset, the situation and the facts it was
decided from) outside its JSON form, so the full trace of every rule (``explain.py``) and the
decision record (``audit/record.py``) can be made on demand, without evaluating anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from followup.base.records import fields_converter, json_field
from followup.rules.rule import Rule, Source
from followup.rules.ruleset import MergedRuleset
from followup.load.situation import Situation


@dataclass(frozen=True)
class Point:
    """Something to say, to avoid, or to be careful about, and the rule it comes from."""

    text: str
    rule: str


@dataclass(frozen=True)
class Assumption:
    """A field the situation left out, and what the advice assumed instead (``engine/assumptions.py``)."""

    field: str
    assumed: str
    value: str | None = None


@dataclass(frozen=True)
class Window:
    """One rule's timing, resolved to calendar days."""

    rule: str
    earliest: date | None
    latest: date | None
    earliest_spec: str | None = json_field(key="earliest_rule")
    latest_spec: str | None = json_field(key="latest_rule")


@dataclass(frozen=True)
class Timing:
    """When to act. ``earliest`` is None only for ``stop`` or a wait with no known end."""

    earliest: date | None
    latest: date | None
    opens: date | None = json_field(default=None, within="window")
    closes: date | None = json_field(default=None, within="window")
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """Rules that could not all be followed, and how the resolver settled it."""

    kind: str
    message: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class OverriddenBy:
    """Part of a fired rule's effect that did not make it into the advice, and what beat it."""

    part: str
    by: str
    why: str


@dataclass(frozen=True)
class LayerOverride:
    """A lower layer's version of this rule that an overlay replaced."""

    layer: str
    replaced_layer: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FiredRule:
    """One trace entry: a rule that fired, the facts it saw, its effect and its fate."""

    id: str
    title: str
    layer: str = json_field(key="ruleset")
    defined_in: str
    priority: int
    effect: dict[str, Any]
    facts: tuple[tuple[str, Any], ...] = json_field(pairs=True)
    because: str
    source: Source
    layer_overrides: tuple[LayerOverride, ...] = ()
    overridden_by: tuple[OverriddenBy, ...] = ()
    #: The JSON of every field but ``facts`` and ``overridden_by``, made once per merged ruleset
    #: by the resolver (the same for every advice): read-only, shared.
    static: dict[str, Any] | None = json_field(default=None, compare=False, repr=False,
                                               spread_except=("facts", "overridden_by"))


@dataclass(frozen=True)
class RulesetInfo:
    """Which merged ruleset gave the advice."""

    name: str
    country: str | None
    version: str
    digest: str


#: ``Basis.cache`` key of the situation's ``to_dict()``, kept where the engine made it already.
NORMALISED = "normalised situation"
#: ``Basis.cache`` key of what makes ``Advice.trace`` when it is first read (``resolve.py``).
MAKE_TRACE = "make trace"
#: ``Basis.cache`` key, for an advice to stop: the first fired rule to stop that nothing set
#: aside (what the verdict names), known to the resolver without the trace.
STOPPED_BY = "stopped by"


@dataclass(frozen=True, eq=False)
class Basis:
    """What an advice was decided from, kept for its explanation and its decision record.

    ``cache`` holds what is derived from it at most once per evaluation (the full trace, the
    situation's digest); nothing else in it ever changes.
    """

    merged: MergedRuleset
    situation: Situation
    facts: dict[str, Any]
    cache: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Advice:
    """What to do, by which channel, when, what to say, and why."""

    action: str
    channel: str | None
    alternatives: tuple[str, ...]
    purpose: str | None
    timing: Timing
    say: tuple[Point, ...]
    avoid: tuple[Point, ...]
    cautions: tuple[Point, ...]
    conflicts: tuple[Conflict, ...]
    warnings: tuple[str, ...]
    trace: tuple[FiredRule, ...]
    ruleset: RulesetInfo
    today: date
    country: str
    forbidden: tuple[str, ...] = field(default=())
    #: What it assumed for fields the situation left out (``engine/assumptions.py``).
    assumptions: tuple[Assumption, ...] = field(default=())
    #: Set by the resolver; None only for an advice built by hand (then it has no explanation).
    basis: Basis | None = json_field(default=None, compare=False, repr=False, omit=True)

    def to_json(self, *, trace: bool = True) -> dict[str, Any]:
        """The advice as JSON data (see ``schemas/advice.schema.json``); ``trace=False`` leaves out ``trace``."""
        return _ADVICE(self) if trace else _ADVICE_NO_TRACE(self)

    def stopped_by(self) -> FiredRule | Rule | None:
        """The first fired rule to stop that nothing set aside: the one a verdict to stop names.

        The resolver knows it without the trace (``STOPPED_BY``), so an advice shown without
        its trace never makes it. Once the advice has a trace (read, or given to a copy made
        with ``replace``, which shares the basis), the trace is what says.
        """
        basis = self.basis
        if basis is not None and STOPPED_BY in basis.cache and "trace" not in self.__dict__:
            return basis.cache[STOPPED_BY]  # type: ignore[no-any-return]
        return next((e for e in self.trace if e.effect.get("action") == "stop" and not e.overridden_by), None)



class _TraceOnFirstRead:
    """``Advice.trace`` for an advice the resolver made: the entries, made when first read.

    Most of a trace's cost is the facts each fired rule saw, which an advice without its
    trace (``--trace none``, a plan, a verdict) never reads. The resolver leaves ``trace``
    out of the advice and puts its maker in the basis; the first read stores the entries
    where the field would be (as ``functools.cached_property`` does), so every later read,
    ``==``, ``replace`` and the JSON see a plain tuple, the same one.
    """

    def __get__(self, advice: Advice | None, owner: type | None = None) -> Any:
        if advice is None:
            return self
        basis = advice.__dict__.get("basis")
        if basis is None or MAKE_TRACE not in basis.cache:
            raise AttributeError("trace")
        entries = advice.__dict__["trace"] = basis.cache[MAKE_TRACE]()
        return entries


# Set after ``@dataclass`` has read the class: ``trace`` stays a field without a default.
Advice.trace = _TraceOnFirstRead()  # type: ignore[assignment]

_ADVICE = fields_converter(Advice)
_ADVICE_NO_TRACE = fields_converter(Advice, frozenset({"trace"}))
