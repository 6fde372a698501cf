"""Turning the rules that fired into one advice.

The resolver never matches conditions; durable_rules has decided which rules fired. It
settles what those rules say, in this order, and records every decision in the trace:

1. **Action**: the highest-priority rule that sets one wins; a tie between different actions
   at that priority takes the most cautious (stop > wait > follow_up) and is a conflict.
2. **Channel**: a channel any fired rule forbids is never recommended, whatever prefers it.
   The remaining preferences are ranked by priority, then rule order, then the order the
   rule lists them; the first is the channel, the rest are alternatives. If every preferred
   channel is forbidden, that is a conflict and a follow-up becomes a stop (a wait stays a
   wait, with no channel).
3. **Timing**: windows intersect, highest priority first. A window that would leave no day
   at all is set aside and reported as a conflict, never silently dropped.
4. **Today**: a follow-up whose window has not opened becomes a wait; a window that closed
   before today is reported.
5. **What to say**: the say/avoid/caution points of every fired rule, except those tied to a
   channel or purpose the advice did not end up with.

Calls and visits go to offices, which are open on working days only (T14: "i kontortiden"):
when the channel is the phone or in person, the window's first day moves forward and its last
day back to a working day of the country; a window with no working day left ends on the first
one after it. Each move is reported (a ``moved_to_working_day`` conflict naming the day off,
and the rule whose day moved is recorded as beaten), so the advice never hides it.

A rule's ``if_channel``/``if_purpose`` tie its timing as well as its points: "one to two
working days after the promised date" is the timing of a status question, not of a thank-you
or of a word about a competing offer. The action, channel and purpose are settled first, from
rules' ``action``/``prefer``/``forbid``/``purpose``, which no tie gates; then tied timings and
points apply only where the tie holds. Each one set aside is recorded against the rule that
decided the channel or purpose, so the trace says what beat it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, Iterable, Sequence

import orjson

from followup.base.records import make, to_json_data
from followup.engine.advice import (
    Advice,
    Basis,
    Conflict,
    FiredRule,
    LayerOverride,
    MAKE_TRACE,
    STOPPED_BY,
    OverriddenBy,
    Point,
    RulesetInfo,
    Timing,
    Window,
)
from followup.engine.facts import anchor_dates
from followup.engine.prepared import per_ruleset
from followup.engine.workdays import (
    add_working_days,
    holiday_name,
    working_day_on_or_after,
    working_day_on_or_before,
)
from followup.load.situation import Situation
from followup.rules.condition import lookup_parts
from followup.rules.rule import Effect, Rule, TimePoint
from followup.rules.ruleset import MergedRuleset

CAUTION_ORDER = {"stop": 0, "wait": 1, "follow_up": 2}
#: Channels that reach an office, so only on its working days (T14).
OFFICE_CHANNELS = ("phone", "in_person")


@dataclass
class _Ledger:
    """What the resolver decided against each rule, collected while it works."""

    overridden: dict[str, list[OverriddenBy]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    def beat(self, rule_id: str, part: str, by: str, why: str) -> None:
        self.overridden.setdefault(rule_id, []).append(OverriddenBy(part, by, why))

    def conflict(self, kind: str, message: str, rules: Iterable[str]) -> None:
        self.conflicts.append(Conflict(kind, message, tuple(rules)))

    def decided(self) -> "_Decided":
        """What this ledger was told, in the order it was told."""
        beats = tuple((rule_id, o) for rule_id, entries in self.overridden.items() for o in entries)
        return _Decided(beats, tuple(self.conflicts))

    def replay(self, decided: "_Decided") -> None:
        """Tell this ledger what another was told (``decided``), after what it knows already."""
        for rule_id, entry in decided.beats:
            self.overridden.setdefault(rule_id, []).append(entry)
        self.conflicts.extend(decided.conflicts)


@dataclass(frozen=True)
class _Scope:
    """The channel and purpose the advice ended up with, and the rules that decided them."""

    channel: str | None
    channel_rule: str | None
    purpose: str | None
    purpose_rule: str | None
    stopped: bool = False

    def excludes(self, effect: Effect) -> tuple[str, str] | None:
        """``(by, why)`` if ``effect`` is tied to a channel or purpose the advice does not have."""
        if self.stopped and (effect.if_channel or effect.if_purpose):
            return self.purpose_rule or "resolver", "the advice is not to follow up"
        if effect.if_channel and self.channel not in effect.if_channel:
            return (self.channel_rule or "resolver",
                    f"only for {'/'.join(effect.if_channel)}; the channel is {self.channel or 'none'}")
        if effect.if_purpose and self.purpose not in effect.if_purpose:
            return (self.purpose_rule or "resolver",
                    f"only for {'/'.join(effect.if_purpose)}; the purpose is {self.purpose or 'none'}")
        return None


def resolve(merged: MergedRuleset, situation: Situation, fired_ids: Iterable[str],
            facts: dict[str, Any]) -> Advice:
    """The advice for ``situation`` given the ids of the rules that fired."""
    settled = _settled(merged, tuple(fired_ids))
    ledger = _Ledger()
    ledger.replay(settled.before)
    timing, action = _timing(settled, situation, ledger)
    ledger.replay(settled.points)
    stop = action == "stop"
    basis = Basis(merged, situation, facts)
    # The trace is made when first read (``advice.py``): the ledger is not told anything more.
    basis.cache[MAKE_TRACE] = partial(_traces, merged, settled, facts, ledger)  # not a lambda: an advice pickles
    if stop:
        basis.cache[STOPPED_BY] = next((rule for rule, _ in settled.fired
                                        if rule.then.action == "stop" and not ledger.overridden.get(rule.id)), None)
    return make(Advice, dict(
        action=action, channel=None if stop else settled.channel,
        alternatives=() if stop else settled.alternatives, purpose=settled.scope.purpose, timing=timing,
        say=settled.say, avoid=settled.avoid, cautions=settled.cautions, conflicts=tuple(ledger.conflicts),
        warnings=merged.warnings, ruleset=settled.info, today=situation.today, country=situation.country,
        forbidden=settled.forbidden, basis=basis))


@dataclass(frozen=True)
class _Decided:
    """What a ledger was told, in order: replayed into each evaluation's own ledger."""

    beats: tuple[tuple[str, OverriddenBy], ...] = ()
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class _Settled:
    """Everything the resolver decides from which rules fired alone, not from the situation's dates.

    The action, channel, purpose and points depend only on the fired rules (``_action``,
    ``_channels``, ``_purpose``, ``_points`` read nothing else); only the timing reads the
    situation. So for one ruleset and one set of fired rules they are worked out once.
    """

    fired: tuple[tuple[Rule, "_TraceParts"], ...]  # in rule order
    reads: tuple[tuple[str, tuple[str, ...]], ...]  # every fact their conditions read, once, and its parts
    timed: tuple[_Timed, ...]  # the ranked rules that set a timing
    action: str
    channel: str | None
    alternatives: tuple[str, ...]
    forbidden: tuple[str, ...]
    scope: "_Scope"
    say: tuple[Point, ...]
    avoid: tuple[Point, ...]
    cautions: tuple[Point, ...]
    info: RulesetInfo
    before: _Decided  # what the action, channel and purpose decided, before the timing
    points: _Decided  # what the points decided, after it


@dataclass(frozen=True)
class _Timed:
    """A ranked rule that sets a timing: what sets it aside (if anything), and its specs as text."""

    rule: Rule
    excluded: tuple[str, str] | None
    earliest_spec: str | None
    latest_spec: str | None


#: Distinct sets of fired rules remembered per ruleset; past it the memory starts afresh.
MAX_SETTLED = 4096


def _settled(merged: MergedRuleset, fired_ids: tuple[str, ...]) -> _Settled:
    """``_settle``'s result for these fired rules, made once per ruleset and fired ids."""
    memory: dict[tuple[str, ...], _Settled] = per_ruleset(merged, "settled", dict)
    found = memory.get(fired_ids)
    if found is None:
        if len(memory) >= MAX_SETTLED:
            memory.clear()
        found = memory[fired_ids] = _settle(merged, fired_ids)
    return found


def _settle(merged: MergedRuleset, fired_ids: tuple[str, ...]) -> _Settled:
    parts, position = _parts(merged)
    fired = tuple((merged.rules[i], parts[i])  # in rule order; an id the ruleset does not have is ignored
                  for i in sorted({position[rule_id] for rule_id in fired_ids if rule_id in position}))
    ranked = sorted((rule for rule, _ in fired), key=_rank)  # stable: equal priorities keep rule order
    ledger = _Ledger()
    action, decider = _action(ranked, ledger)
    channel, chooser, alternatives, forbidden = _channels(ranked, action, ledger)
    # A follow-up with no channel left cannot be carried out: stop. A wait stays a wait: it
    # advises nothing to do now, and its points say what to find first (an e-mail address).
    if channel is None and action == "follow_up" and any(r.then.prefer for r in ranked):
        action, decider = "stop", "resolver"
    if action == "stop":  # nothing is said or timed: the stop itself is what set it all aside
        scope = _Scope(None, decider, None, decider, stopped=True)
    else:
        purpose, purpose_rule = _purpose(ranked, ledger)
        scope = _Scope(channel, chooser, purpose, purpose_rule)
    before = ledger.decided()
    ledger = _Ledger()
    # Points follow the rules' rank (priority, then listing), so reordering rules of distinct
    # priorities in a file never reorders the advice.
    say, avoid, cautions = _points(ranked, scope, ledger)
    info = RulesetInfo(merged.name, merged.country, merged.version, merged.digest)
    reads = tuple({read[0]: read for _, parts in fired for read in parts.facts}.values())
    return _Settled(fired, reads, _timed(ranked, scope), action, channel, alternatives, forbidden, scope, say, avoid, cautions,
                    info, before, ledger.decided())


def _action(ranked: list[Rule], ledger: _Ledger) -> tuple[str, str]:
    """The action and the id of the rule that decided it ("resolver" if none did)."""
    setters = [r for r in ranked if r.then.action]
    if not setters:
        ledger.conflict("no_action", "no rule decided whether to follow up; waiting is the safe default", ())
        return "wait", "resolver"
    top = [r for r in setters if r.priority == setters[0].priority]
    winner = min(top, key=lambda r: CAUTION_ORDER[r.then.action])
    if len({r.then.action for r in top}) > 1:
        ledger.conflict("action_tie", f"rules of equal priority {winner.priority} disagree on the action; "
                        f"the most cautious ({winner.then.action}) was taken", (r.id for r in top))
    for rule in setters:
        if rule is not winner and rule.then.action != winner.then.action:
            why = "higher priority" if rule.priority < winner.priority else "same priority, more cautious"
            ledger.beat(rule.id, f"action {rule.then.action}", winner.id, why)
    return winner.then.action, winner.id  # type: ignore[return-value]


def _channels(ranked: list[Rule], action: str,
              ledger: _Ledger) -> tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]:
    """The channel, the rule that chose it, the alternatives and the forbidden channels."""
    forbidders: dict[str, str] = {}
    for rule in ranked:
        for channel in rule.then.forbid:
            forbidders.setdefault(channel, rule.id)
    chosen: list[str] = []
    chooser: str | None = None
    for rule in ranked:
        for channel in rule.then.prefer:
            if channel in forbidders:
                ledger.beat(rule.id, f"prefer {channel}", forbidders[channel], "a forbidden channel is never recommended")
            elif channel not in chosen:
                chooser = chooser or rule.id
                chosen.append(channel)
    forbidden = tuple(sorted(forbidders))
    if not chosen and action != "stop" and any(r.then.prefer for r in ranked):
        ledger.conflict("all_channels_forbidden", "every channel the rules recommend is forbidden by another rule; "
                        "there is no acceptable way to follow up", sorted({*forbidders.values(), *(r.id for r in ranked if r.then.prefer)}))
    if not chosen:
        return None, None, (), forbidden
    return chosen[0], chooser, tuple(chosen[1:]), forbidden


def _purpose(ranked: list[Rule], ledger: _Ledger) -> tuple[str | None, str | None]:
    """The purpose of the highest-ranked rule that sets one, and that rule's id."""
    setters = [r for r in ranked if r.then.purpose]
    if not setters:
        return None, None
    winner = setters[0]
    for rule in setters[1:]:
        if rule.then.purpose != winner.then.purpose:
            ledger.beat(rule.id, f"purpose {rule.then.purpose}", winner.id, "higher priority or earlier rule")
    return winner.then.purpose, winner.id


def _timed(ranked: Sequence[Rule], scope: _Scope) -> tuple[_Timed, ...]:
    """The ranked rules that set a timing, each with what excludes it (if anything) and its specs."""
    return tuple(_Timed(rule, scope.excludes(rule.then), str(rule.then.earliest) if rule.then.earliest else None,
                        str(rule.then.latest) if rule.then.latest else None)
                 for rule in ranked if rule.then.earliest is not None or rule.then.latest is not None)


def _windows(timed: Sequence[_Timed], situation: Situation, action: str, ledger: _Ledger) -> list[Window]:
    windows = []
    dates = anchor_dates(situation)
    for entry in timed:
        rule, excluded = entry.rule, entry.excluded
        if excluded:
            if action != "stop":  # after a stop no timing applies; nothing was beaten
                ledger.beat(rule.id, "timing", *excluded)
            continue
        points = {}
        for name in ("earliest", "latest"):
            point = getattr(rule.then, name)
            if point is None:
                continue
            anchor = dates.get(point.anchor)
            if anchor is None:
                ledger.conflict("missing_date", f"rule {rule.id} counts from {point.anchor}, which the situation "
                                "does not give; its timing was left out", (rule.id,))
                ledger.beat(rule.id, name, "resolver", f"{point.anchor} not given")
                continue
            points[name] = day_of(point, situation.country, anchor)
        if points:
            windows.append(Window(rule.id, points.get("earliest"), points.get("latest"), entry.earliest_spec,
                                  entry.latest_spec))
    return windows


def _intersect(windows: list[Window], ledger: _Ledger) -> tuple[date | None, date | None, list[Window]]:
    opens: date | None = None
    closes: date | None = None
    kept: list[Window] = []
    for window in windows:
        new_open = max(filter(None, (opens, window.earliest)), default=None)
        new_close = min(filter(None, (closes, window.latest)), default=None)
        if new_open and new_close and new_open > new_close:
            by = ", ".join(w.rule for w in kept)
            ledger.conflict("empty_window", f"rule {window.rule}'s timing ({_span(window)}) does not overlap the "
                            f"timing of higher-priority rules ({by}); it was set aside", (window.rule, *(w.rule for w in kept)))
            ledger.beat(window.rule, "timing", kept[0].rule if kept else "resolver", "windows do not overlap")
            continue
        opens, closes = new_open, new_close
        kept.append(window)
    return opens, closes, kept


def _timing(settled: _Settled, situation: Situation, ledger: _Ledger) -> tuple[Timing, str]:
    action, scope = settled.action, settled.scope
    windows = _windows(settled.timed, situation, action, ledger)
    if action == "stop":
        return Timing(None, None, windows=tuple(windows)), action
    opens, closes, kept = _intersect(windows, ledger)
    today = situation.today
    earliest = max(filter(None, (opens, today))) if (opens or action == "follow_up") else None
    latest = closes
    if action == "follow_up" and opens and opens > today:
        action = "wait"
    if closes and closes < today:
        ledger.conflict("window_closed", f"the time to act closed on {closes.isoformat()}, before today "
                        f"({today.isoformat()}); act today if at all", (w.rule for w in kept if w.latest))
        earliest, latest = (today, today) if action == "follow_up" else (earliest, None)
    if scope.channel in OFFICE_CHANNELS:
        earliest, latest = _office_days(situation.country, scope.channel, earliest, latest, kept, ledger)
    return Timing(earliest, latest, opens, closes, tuple(windows)), action


def _office_days(country: str, channel: str, earliest: date | None, latest: date | None,
                 kept: list[Window], ledger: _Ledger) -> tuple[date | None, date | None]:
    """The window with both ends on working days, each move reported (T14)."""
    new_earliest = working_day_on_or_after(country, earliest) if earliest else None
    new_latest = working_day_on_or_before(country, latest) if latest else None
    if new_earliest and new_latest and new_latest < new_earliest:
        new_latest = new_earliest  # no working day inside: the first one after it, never an empty window
    for end, old, new in (("earliest", earliest, new_earliest), ("latest", latest, new_latest)):
        if old and new and old != new:
            _report_move(country, channel, end, old, new, kept, ledger)
    return new_earliest, new_latest


def _report_move(country: str, channel: str, end: str, old: date, new: date,
                 kept: list[Window], ledger: _Ledger) -> None:
    why = holiday_name(country, old) or "a weekend"
    how = "a call" if channel == "phone" else "a visit"
    rules = [w.rule for w in kept if getattr(w, end) == old]
    ledger.conflict("moved_to_working_day",
                    f"the {'first' if end == 'earliest' else 'last'} day to act, {old.isoformat()}, is not a working day "
                    f"({why}); moved to {new.isoformat()}, since {how} belongs in office hours (T14)", rules)
    for rule in rules[:1]:
        ledger.beat(rule, end, "resolver", f"{old.isoformat()} is {why}: offices are closed, moved to {new.isoformat()} (T14)")


def _points(ranked: list[Rule], scope: _Scope,
            ledger: _Ledger) -> tuple[tuple[Point, ...], tuple[Point, ...], tuple[Point, ...]]:
    say: list[Point] = []
    avoid: list[Point] = []
    cautions: list[Point] = []
    seen: tuple[set[str], set[str], set[str]] = (set(), set(), set())
    for rule in ranked:
        effect = rule.then
        if not (effect.say or effect.avoid or effect.caution):
            continue
        excluded = scope.excludes(effect)
        if excluded:
            ledger.beat(rule.id, "say", *excluded)
            continue
        for points, said, texts in ((say, seen[0], effect.say), (avoid, seen[1], effect.avoid),
                                    (cautions, seen[2], effect.caution)):
            if texts:
                _extend(points, said, texts, rule.id)
    return tuple(say), tuple(avoid), tuple(cautions)


def _extend(points: list[Point], seen: set[str], texts: Iterable[str], rule_id: str) -> None:
    """Each text not already said by a higher-ranked rule (``seen``: the texts of ``points``)."""
    new = [make(Point, {"text": t, "rule": rule_id}) for t in texts if t not in seen]
    points.extend(new)
    seen.update(p.text for p in new)


@dataclass(frozen=True)
class _TraceParts:
    """What a rule's trace entry holds whatever the situation, made once per merged ruleset."""

    facts: tuple[tuple[str, tuple[str, ...]], ...]  # each fact its condition reads, once, in order
    fields: dict[str, Any]  # the ``FiredRule`` fields, in order: all but ``facts`` and ``overridden_by`` filled in


def _parts(merged: MergedRuleset) -> tuple[tuple[_TraceParts, ...], dict[str, int]]:
    """Each rule's trace parts, and each rule id's position in the ruleset."""
    return per_ruleset(merged, "trace parts", lambda: (tuple(_trace_parts(rule) for rule in merged.rules),
                                                       {rule.id: i for i, rule in enumerate(merged.rules)}))


def _trace_parts(rule: Rule) -> _TraceParts:
    paths = dict.fromkeys(leaf.fact for leaf in rule.when.leaves())
    fields = dict(id=rule.id, title=rule.title, layer=rule.layer, defined_in=rule.origin.layer,
                  priority=rule.priority, effect=to_json_data(rule.then), facts=(), because=rule.because,
                  source=rule.source, overridden_by=(),
                  layer_overrides=tuple(LayerOverride(o.layer, o.replaced_layer, o.fields) for o in rule.overrides))
    fields["static"] = {key: value for key, value in to_json_data(FiredRule(**fields)).items()
                        if key not in ("facts", "overridden_by")}  # to_json once per ruleset, not per advice
    fields = {name: fields[name] for name in FiredRule.__dataclass_fields__}  # in field order, as __init__ sets them
    return _TraceParts(tuple((path, tuple(path.split("."))) for path in paths), fields)


def _rank(rule: Rule) -> int:
    return -rule.priority


#: Distinct trace entries remembered per ruleset; past it the memory starts afresh.
MAX_ENTRIES = 512


def _traces(merged: MergedRuleset, settled: _Settled, facts: dict[str, Any], ledger: _Ledger) -> tuple[FiredRule, ...]:
    """The trace entry of each fired rule, in rule order, with the facts its condition read.

    An entry is what its rule saw and what overrode it; most rules read a few facts with a
    few values (the stage, the outcome), so most entries recur from one situation to the next
    (96% of 62,298 on 3,000 generated situations). Each distinct one is made once per ruleset
    and shared: it is frozen, and ``render/encode.py`` then writes its text once too. At most
    ``MAX_ENTRIES`` are kept: 16,384 grew a batch by 50 MB over 20,000 lines.
    """
    seen: dict[str, Any] = {}  # fired rules read many of the same facts: each is looked up once
    for path, split in settled.reads:
        present, value = lookup_parts(facts, split)
        seen[path] = value if present else "missing"
    overridden = ledger.overridden
    memory: dict[tuple[Any, ...], FiredRule] = per_ruleset(merged, "trace entries", dict)
    out = []
    for rule, parts in settled.fired:
        saw = tuple([(path, seen[path]) for path, _ in parts.facts])
        beaten = tuple(overridden[rule.id]) if rule.id in overridden else ()
        try:  # by the facts' JSON: ``True == 1`` in Python, but an entry that saw true is not one that saw 1
            key: tuple[Any, ...] | None = (rule.id, orjson.dumps(saw), beaten)
            entry = memory.get(key)
        except TypeError:  # what orjson cannot write (an integer past 64 bits): made each time
            key, entry = None, None
        if entry is None:
            fields = parts.fields.copy()  # ``overridden_by`` is () there already
            fields["facts"], fields["overridden_by"] = saw, beaten
            entry = make(FiredRule, fields)
            if key is not None:
                if len(memory) >= MAX_ENTRIES:
                    memory.clear()
                memory[key] = entry
        out.append(entry)
    return tuple(out)




def _span(window: Window) -> str:
    return f"{window.earliest.isoformat() if window.earliest else '…'} to {window.latest.isoformat() if window.latest else '…'}"


def day_of(point: TimePoint, country: str, anchor_day: date) -> date:
    """The calendar day ``point`` falls on from ``anchor_day``, counting working days in ``country``."""
    if point.unit == "working_days":
        return add_working_days(country, anchor_day, point.signed)
    return anchor_day + timedelta(days=point.signed)
