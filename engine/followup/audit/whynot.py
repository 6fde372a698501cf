"""Why not: which rules forbid, outrank or delay a channel (or following up at all), and
what in the situation would have to change.

Everything here reads the full trace (``explain.py``): which rules durable_rules fired, and
how each of their conditions fared. "What would have to change" is read off the condition
tree of each rule involved: for a rule that stands in the way, the conditions that held and
would have to stop holding; for a rule that would help, those that failed and would have
to hold. In an ``all`` one changed condition is enough to stop it holding; in an ``any``
every holding part must change; ``not`` turns the question round.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Any, Iterable

from followup.base.records import to_json_data
from followup.engine.advice import Advice
from followup.rules.condition import MISSING, OPERATORS, GroupResult, LeafResult, Result, _show
from followup.audit.explain import Explanation, RuleTrace, explain
from followup.engine.facts import CHANNELS
from followup.base.names import channel_name, day
from followup.load.schema import load_schema

FOLLOW_UP = "follow_up"
SUBJECTS = (*CHANNELS, FOLLOW_UP)

#: Alternatives listed at most, so an ``any`` of ``all``s cannot multiply them without end.
MAX_ALTERNATIVES = 6


@dataclass(frozen=True)
class Change:
    """One fact that would have to be different: what it is now, what it would have to be."""

    fact: str
    given: bool
    now: Any
    needed: str

    def __str__(self) -> str:
        return f"{self.fact} is {show_value(self.now) if self.given else 'not given'}; it would have to be {self.needed}"

    def __json__(self) -> dict[str, Any]:
        """``now`` is ``missing`` for a fact not given; ``text`` is the change in words."""
        return {"fact": self.fact, "now": self.now if self.given else MISSING, "needed": self.needed, "text": str(self)}


#: Ways out: any one alternative is enough; every change in an alternative is needed.
Alternatives = tuple[tuple[Change, ...], ...]


@dataclass(frozen=True)
class Reason:
    """One thing standing in the way (a rule, or the calendar), and what would remove it.

    ``kind`` is one of ``forbids``, ``outranks``, ``stops``, ``waits``, ``delays`` (rules that
    fired) or ``would_recommend``, ``would_follow_up`` (rules that did not fire and would
    help if they did). ``changes`` is empty when nothing in the situation could remove it.
    """

    kind: str
    message: str
    rule: RuleTrace | None
    changes: Alternatives

    def __json__(self) -> dict[str, Any]:
        """The rule in the way by its id, layer, priority, reason and source; ``changes`` as lists."""
        rule = self.rule.rule if self.rule else None
        return {"kind": self.kind, "message": self.message, "rule": rule.id if rule else None,
                "ruleset": rule.layer if rule else None, "priority": rule.priority if rule else None,
                "because": rule.because if rule else None, "source": to_json_data(rule.source) if rule else None,
                "changes": [[to_json_data(c) for c in alternative] for alternative in self.changes]}


@dataclass(frozen=True)
class WhyNot:
    """The answer to "why not SUBJECT?": one sentence, then the reasons behind it."""

    subject: str
    answer: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        """The answer as JSON data, as ``explain --why-not --format json`` prints it."""
        return to_json_data(self)


def why_not(advice: Advice, subject: str) -> WhyNot:
    """Why the advice is not to use channel ``subject``, or (``follow_up``) not to follow up now."""
    if subject not in SUBJECTS:
        raise ValueError(f"not a channel or 'follow_up': {subject}")
    explanation = explain(advice)
    if subject == FOLLOW_UP:
        return _why_not_follow_up(advice, explanation)
    return _why_not_channel(advice, explanation, subject)


def _why_not_follow_up(advice: Advice, explanation: Explanation) -> WhyNot:
    today = advice.today
    if advice.action == "follow_up":
        # The verdict sentence is rendered at output (render.text.verdict), never stored here.
        return WhyNot(FOLLOW_UP, "Nothing stops you: the advice is to follow up.", ())
    reasons = _action_reasons(advice, explanation)
    if advice.action == "stop":
        answer = "Do not follow up: " + (f"{_rules(reasons, 'say')} so." if reasons else "no rule allows it.")
        if any(c.kind == "all_channels_forbidden" for c in advice.conflicts):
            reasons += _forbidding_every_channel(advice, explanation)
            answer = "Do not follow up: every channel the rules recommend is forbidden."
        return WhyNot(FOLLOW_UP, answer, tuple(reasons))
    delays = _delays(advice, explanation)
    if delays and not reasons:
        return WhyNot(FOLLOW_UP, f"Not yet: the earliest day to follow up is {day(advice.timing.earliest, today)}.",  # type: ignore[arg-type]
                      tuple(delays))
    if not reasons:
        helpers = _would_help(explanation, lambda r: r.then.action == "follow_up", "would_follow_up",
                              "would advise you to follow up if it applied")
        return WhyNot(FOLLOW_UP, "Wait: no rule that applies here says to follow up.", tuple(helpers))
    return WhyNot(FOLLOW_UP, f"Wait: {_rules(reasons, 'say')} so.", tuple(reasons + delays))


def _why_not_channel(advice: Advice, explanation: Explanation, channel: str) -> WhyNot:
    name = channel_name(channel)
    forbidders = [_reason("forbids", f"forbids {name}", r) for r in explanation.fired() if channel in r.rule.then.forbid]
    later = [] if advice.action == "follow_up" else _follow_up_reasons(advice, explanation)
    if forbidders:
        besides = f" Besides, {_lower(_why_not_follow_up(advice, explanation).answer)}" if later else ""
        return WhyNot(channel, f"{_capital(name)} is ruled out: {_rules(forbidders, 'forbid')} it.{besides}",
                      tuple(forbidders + later))
    if advice.action == "stop":
        return WhyNot(channel, "The advice is not to follow up at all, by any channel.", tuple(later))
    when = "" if advice.action == "follow_up" else f", but {_not_yet(advice)}"
    if channel == advice.channel:
        return WhyNot(channel, f"{_capital(name)} is the channel advised{when}.", tuple(later))
    if channel in advice.alternatives:
        above = _ranked_above(advice, explanation, channel)
        return WhyNot(channel, f"{_capital(name)} is an alternative; {channel_name(advice.channel or '')} "
                               f"ranks above it{when}.", tuple(above + later))
    helpers = _would_help(explanation, lambda r: channel in r.then.prefer, "would_recommend",
                          f"would recommend {name} if it applied")
    if not helpers:
        return WhyNot(channel, f"None of the rules ever recommends {name}.", ())
    return WhyNot(channel, f"No rule that applies here recommends {name}.", tuple(helpers))


def _follow_up_reasons(advice: Advice, explanation: Explanation) -> list[Reason]:
    return list(_why_not_follow_up(advice, explanation).reasons)


def _action_reasons(advice: Advice, explanation: Explanation) -> list[Reason]:
    """The fired rules whose action (stop or wait) is the advice's."""
    kind = {"stop": "stops", "wait": "waits"}[advice.action]
    words = {"stop": "says not to follow up", "wait": "says to wait"}[advice.action]
    return [_reason(kind, words, r) for r in explanation.fired()
            if r.rule.then.action == advice.action and not any(o.part.startswith("action") for o in r.overridden_by)]


def _delays(advice: Advice, explanation: Explanation) -> list[Reason]:
    """Timing windows that have not opened yet: the calendar, and the rules that set them."""
    today = advice.today
    reasons = []
    for window in advice.timing.windows:
        if window.earliest is None or window.earliest <= today or any(
                o.part == "timing" for o in _overridden(explanation, window.rule)):
            continue
        trace = explanation.entry(window.rule)
        calendar = (Change("today", True, today.isoformat(), f"{window.earliest.isoformat()} or later"),)
        flips = _changes(trace.result, hold=False) if trace and trace.agrees else ()
        reasons.append(Reason("delays", f"not before {day(window.earliest, today)} ({window.earliest_spec})",
                              trace, _limit((calendar, *flips))))
    return reasons


def _forbidding_every_channel(advice: Advice, explanation: Explanation) -> list[Reason]:
    preferred = {c for r in explanation.fired() for c in r.rule.then.prefer}
    return [_reason("forbids", "forbids " + ", ".join(channel_name(c) for c in r.rule.then.forbid if c in preferred), r)
            for r in explanation.fired() if preferred & set(r.rule.then.forbid)]


def _ranked_above(advice: Advice, explanation: Explanation, channel: str) -> list[Reason]:
    """The fired rules that put a channel ahead of ``channel`` in the advice's ranking."""
    order = [advice.channel, *advice.alternatives]
    ahead = set(order[: order.index(channel)])
    position = {r.id: i for i, r in enumerate(explanation.rules)}
    rank = {r.id: (-r.rule.priority, position[r.id]) for r in explanation.fired()}
    own = min(rank[r.id] for r in explanation.fired() if channel in r.rule.then.prefer)
    reasons = []
    for trace in explanation.fired():
        prefers = [c for c in trace.rule.then.prefer if c in ahead and not _beaten(trace, f"prefer {c}")]
        if prefers and rank[trace.id] <= own:
            names = " and ".join(channel_name(c) for c in prefers)
            how = f"lists {names} first" if rank[trace.id] == own else f"prefers {names} (priority {trace.rule.priority})"
            reasons.append(_reason("outranks", f"{how}, which ranks above {channel_name(channel)}", trace))
    return reasons


def _would_help(explanation: Explanation, helps: Any, kind: str, message: str) -> list[Reason]:
    """Rules that did not fire and would help if they did, with what would make them fire."""
    return [Reason(kind, message, r, _limit(_changes(r.result, hold=True)) if r.agrees else ())
            for r in explanation.not_fired() if helps(r.rule)]


def _reason(kind: str, message: str, trace: RuleTrace) -> Reason:
    """A fired rule in the way; it goes away if its condition stops holding."""
    return Reason(kind, message, trace, _limit(_changes(trace.result, hold=False)) if trace.agrees else ())


def _overridden(explanation: Explanation, rule_id: str) -> tuple[Any, ...]:
    trace = explanation.entry(rule_id)
    return trace.overridden_by if trace else ()


def _beaten(trace: RuleTrace, part: str) -> bool:
    return any(o.part == part for o in trace.overridden_by)


def _not_yet(advice: Advice) -> str:
    if advice.timing.earliest and advice.timing.earliest > advice.today:
        return f"not before {day(advice.timing.earliest, advice.today)}"
    return "not yet"


def _rules(items: list[Any], verb: str) -> str:
    """``1 rule forbids``, ``2 rules forbid``."""
    return f"1 rule {verb}s" if len(items) == 1 else f"{len(items)} rules {verb}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- What would have to change ---------------------------------------------------------------


def _changes(result: Result, hold: bool) -> Alternatives:
    """The ways the situation could change so that ``result``'s condition holds (or does not)."""
    if result.held == hold:
        return ((),)
    if isinstance(result, LeafResult):
        change = _leaf_change(result, hold)
        return ((change,),) if change else ()
    assert isinstance(result, GroupResult)
    if result.condition.kind == "not":
        return _changes(result.children[0], not hold)
    wrong = [child for child in result.children if child.held != hold]
    if (result.condition.kind == "all") == hold:
        # every wrong part must change: one way out for each, combined
        combined = [tuple(dict.fromkeys(c for part in parts for c in part))
                    for parts in product(*(_changes(child, hold) for child in wrong))]
        return _limit(combined)
    return _limit(alternative for child in wrong for alternative in _changes(child, hold))


def _leaf_change(result: LeafResult, hold: bool) -> Change | None:
    """What one condition's fact would have to be for it to hold (or not); None if it cannot."""
    leaf = result.condition
    given_always = leaf.fact in always_given()
    if leaf.op == "exists":
        present = bool(leaf.value) == hold
        if not present and given_always:
            return None
        needed = "given" if present else "not given"
    elif hold:
        needed = _holding_words(leaf.op, leaf.value)
        # "other than x" and "none of [...]" also need the fact given; a value or a number says so itself
        needed = f"given and {needed}" if leaf.op in ("not_equals", "not_in") and not result.present else needed
    else:
        needed = _failing_words(leaf.op, leaf.value)
        needed = needed if given_always else f"{needed} or not given"
    return Change(leaf.fact, result.present, result.actual, needed)


def _holding_words(op: str, value: Any) -> str:
    if op == "equals":
        return show_value(value)
    if op == "not_equals":
        return f"other than {show_value(value)}"
    if op in ("in", "not_in"):
        return f"{'one' if op == 'in' else 'none'} of {show_value(value)}"
    return f"{OPERATORS[op][2].removeprefix('is ')} {show_value(value)}"


def _failing_words(op: str, value: Any) -> str:
    if op == "equals" and isinstance(value, bool):
        return show_value(not value)
    return _holding_words(OPERATORS[op][1], value)


def _limit(alternatives: Iterable[tuple[Change, ...]]) -> Alternatives:
    """Distinct alternatives, shortest first, at most ``MAX_ALTERNATIVES``."""
    unique = list(dict.fromkeys(alternatives))
    return tuple(sorted(unique, key=len)[:MAX_ALTERNATIVES])


def show_value(value: Any) -> str:
    """A value in words: ``'applied'``, ``true``, ``10``, ``[1, 2]``."""
    return _show(tuple(value) if isinstance(value, list) else value)


@cache
def always_given() -> frozenset[str]:
    """Facts every situation has: required by the schema, defaulted, or ``today``."""
    schema = load_schema("situation")
    defaulted = {name for name, spec in schema["properties"].items() if "default" in spec}
    return frozenset({*schema["required"], *defaulted, "today"})


def failure_words(result: Result) -> str:
    """``stage is 'interviewed' (here: 'applied')``: a failed condition and what it saw."""
    condition, seen = failure_parts(result)
    if isinstance(result, LeafResult):
        return f"{condition} (here: {seen[0][1]})"
    return f"{condition} (here: {', '.join(f'{fact} is {value}' for fact, value in seen)})"


def failure_parts(result: Result) -> tuple[str, list[tuple[str, str]]]:
    """A failed condition in words, and each fact it read with the value seen (or ``not given``)."""
    leaves = [result] if isinstance(result, LeafResult) else result.leaf_results()
    seen = {leaf.condition.fact: actual_words(leaf) for leaf in leaves}
    return result.condition.describe(), list(seen.items())


def actual_words(leaf: LeafResult) -> str:
    """The value a condition saw, in words (``not given`` when the fact is missing)."""
    return show_value(leaf.actual) if leaf.present else "not given"
