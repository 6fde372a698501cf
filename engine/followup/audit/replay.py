"""Replaying recorded decisions with the current rules, and saying what changed.

Each audit log line holds the normalised situation (with its ``today``) and the advice given.
Replaying evaluates that situation again with the rules in force now and compares:
- the advice: action, channel, alternatives, purpose, dates, forbidden channels,
  what to say, avoid and be careful about, conflicts and warnings;
- the rules: which fired then and not now (and why not, now), which fire now and did not
  then, and which fired both times with a different effect.
A decision is "same" when nothing of that differs. A changed ruleset digest or engine
version is reported on its own: the rules may have changed without changing this decision.

Every line is checked before anything is replayed; a line that is not a decision record,
or whose situation no longer matches its digest, stops the replay (exit 2, file:line). The
log is read line by line, twice (check, then replay), and never held in memory whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from followup import __version__
from followup.engine.advice import Advice
from followup.audit.decision import LogLine, log_lines, parse_line
from followup.engine.engine import Engine
from followup.base.errors import InputError, InputErrors, Location
from followup.audit.explain import explain
from followup.audit.whynot import failure_words
from followup.rules.ruleset import digest_of
from followup.load.situation import Situation, parse_situation

#: Advice fields compared, as (label, path into the advice document).
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("action", ("action",)), ("channel", ("channel",)), ("alternatives", ("alternatives",)),
    ("purpose", ("purpose",)), ("earliest", ("timing", "earliest")), ("latest", ("timing", "latest")),
    ("forbidden", ("forbidden",)), ("say", ("say",)), ("avoid", ("avoid",)), ("cautions", ("cautions",)),
    ("conflicts", ("conflicts",)), ("warnings", ("warnings",)),
)


@dataclass(frozen=True)
class Recorded:
    """A checked log line: its decision id, the situation to replay, and the advice given then."""

    line: LogLine
    id: str
    situation: Situation
    document: dict[str, Any]

    @property
    def ruleset(self) -> dict[str, Any]:
        return self.document["decision"]["ruleset"]


@dataclass(frozen=True)
class Replayed:
    """One decision replayed: where it is, and what differs now (nothing means the same)."""

    id: str
    file: str
    line: int
    differences: tuple[str, ...]
    rules_changed: str | None
    engine_changed: str | None

    @property
    def same(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "file": self.file, "line": self.line, "same": self.same,
                "differences": list(self.differences), "rules_changed": self.rules_changed,
                "engine_changed": self.engine_changed}


def check_log(path: str, decision_id: str | None = None) -> tuple[int, int]:
    """Check every line of an audit log before anything is replayed; all problems are reported
    together (exit 2). Returns how many decisions ``decision_id`` selects (all without one) and
    the number of the last line checked.
    """
    errors: list[InputError] = []
    selected = last = 0
    for number, text in log_lines(path):
        last = number
        try:
            recorded = check_line(parse_line(path, number, text))
        except InputError as exc:
            errors.extend(exc.each())
            continue
        selected += _selected(recorded, decision_id)
    if errors:
        raise InputErrors(errors)
    if decision_id is not None and not selected:
        raise InputError(f"no decision with id {decision_id}", Location(path))
    return selected, last


def replay_log(path: str, engine: Engine, decision_id: str | None = None, last: int | None = None) -> Iterator[Replayed]:
    """Replay the decisions of a checked log one at a time, reading it again as it goes.

    ``last`` (from ``check_log``) stops at the last line checked, should lines have been
    appended since; the log is never held in memory whole.
    """
    for number, text in log_lines(path):
        if last is not None and number > last:
            return
        recorded = check_line(parse_line(path, number, text))
        if _selected(recorded, decision_id):
            yield replay(recorded, engine)


def _selected(recorded: Recorded, decision_id: str | None) -> bool:
    """Whether a decision is asked for: all are without an id, else those whose id starts with it."""
    return decision_id is None or recorded.id.startswith(decision_id)


def check_line(line: LogLine) -> Recorded:
    """One log line as a decision to replay, or an ``InputError`` naming its file and line."""
    data = line.data
    missing = [path for path in _REQUIRED if _get(data, path, _ABSENT) is _ABSENT]
    if missing:
        raise InputError(f"not a decision record: no {', '.join('.'.join(p) for p in missing)}", line.location)
    decision_id = data["decision"]["id"]
    if not isinstance(decision_id, str) or not isinstance(data["situation"], dict):
        raise InputError("not a decision record: decision.id must be text and situation an object", line.location)
    if digest_of(data["situation"]) != data["decision"]["situation_digest"]:
        raise InputError(f"decision {decision_id}: the situation does not match its recorded digest; "
                         "the record was changed after it was written", line.location)
    try:
        situation = parse_situation(json.dumps(data["situation"]), f"{line.file}:{line.line}")
    except InputErrors as exc:
        raise InputErrors([_at(line, e) for e in exc.errors]) from exc
    except InputError as exc:
        raise _at(line, exc) from exc
    return Recorded(line, decision_id, situation, data)


_ABSENT = object()
_REQUIRED = (("decision", "id"), ("decision", "situation_digest"), ("decision", "ruleset", "digest"),
             ("decision", "ruleset", "version"), ("situation",), ("trace",),
             *(path for _, path in FIELDS))


def _get(data: Any, path: tuple[str, ...], default: Any = None) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _at(line: LogLine, error: InputError) -> InputError:
    field = f"situation.{error.location.field}: " if error.location.field else "situation: "
    return InputError(field + error.message, line.location)


def replay(recorded: Recorded, engine: Engine) -> Replayed:
    """Evaluate a recorded situation with ``engine``'s rules and compare with what was advised."""
    advice = engine.advise(recorded.situation)
    document = advice.to_json()
    then, now = recorded.document, document
    differences = [_field_difference(label, _get(then, path), _get(now, path)) for label, path in FIELDS]
    differences += _rule_differences(then, advice)
    line = recorded.line
    return Replayed(recorded.id, line.file, line.line, tuple(d for d in differences if d),
                    _rules_changed(recorded, advice), _engine_changed(recorded))


def _field_difference(label: str, then: Any, now: Any) -> str | None:
    if then == now:
        return None
    if isinstance(then, list) and isinstance(now, list):
        gone = [_words(item) for item in then if item not in now]
        new = [_words(item) for item in now if item not in then]
        parts = ([f"no longer {'; '.join(gone)}"] if gone else []) + ([f"now also {'; '.join(new)}"] if new else [])
        return f"{label}: " + (", ".join(parts) if parts else f"{_words(then)} → {_words(now)} (order)")
    return f"{label}: {_words(then)} → {_words(now)}"


def _rule_differences(then: dict[str, Any], advice: Advice) -> list[str]:
    fired_then = {entry["id"]: entry.get("effect") for entry in then["trace"] if isinstance(entry, dict)}
    fired_now = {entry.id: entry.effect for entry in advice.trace}
    out: list[str] = []
    explanation = None
    for rule_id in fired_then:
        if rule_id not in fired_now:
            explanation = explanation or explain(advice)
            trace = explanation.entry(rule_id)
            blocking = trace.blocking() if trace else None
            why = (f": {failure_words(blocking)}" if blocking else "") if trace else ": it is no longer in the rules"
            out.append(f"rule {rule_id}: fired then, not now{why}")
        elif fired_then[rule_id] != fired_now[rule_id]:
            out.append(f"rule {rule_id}: effect changed: {_effect_change(fired_then[rule_id] or {}, fired_now[rule_id])}")
    out += [f"rule {rule_id}: fires now, did not then" for rule_id in fired_now if rule_id not in fired_then]
    return out


def _effect_change(then: dict[str, Any], now: dict[str, Any]) -> str:
    parts = []
    for key in dict.fromkeys([*then, *now]):
        if then.get(key) != now.get(key):
            parts.append(f"{key} {_words(then.get(key))} → {_words(now.get(key))}")
    return "; ".join(parts)


def _rules_changed(recorded: Recorded, advice: Advice) -> str | None:
    then = recorded.ruleset
    if then.get("digest") == advice.ruleset.digest:
        return None
    return (f"{then.get('version')} ({str(then.get('digest'))[:19]}) → "
            f"{advice.ruleset.version} ({advice.ruleset.digest[:19]})")


def _engine_changed(recorded: Recorded) -> str | None:
    then = recorded.document["decision"].get("engine")
    return None if then == __version__ else f"followup {then} → {__version__}"


def _words(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        if "text" in value:
            return repr(value["text"])
        if "kind" in value:
            return f"{value['kind']} ({', '.join(value.get('rules', []))})"
    if isinstance(value, list):
        return "[" + ", ".join(_words(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value)


def summary(replayed: int, different: int) -> str:
    """``3 decisions replayed: 2 same, 1 different.``"""
    noun = "decision" if replayed == 1 else "decisions"
    return f"{replayed} {noun} replayed: {replayed - different} same, {different} different."


def replayed_text(result: Replayed) -> str:
    """One replayed decision for people: ``file:line id: same``, or what differs."""
    notes = [n for n in (result.rules_changed and f"rules changed since: {result.rules_changed}",
                         result.engine_changed) if n]
    status = "same" if result.same else "DIFFERENT"
    lines = [f"{result.file}:{result.line} {result.id}: {status}" + (f" ({'; '.join(notes)})" if notes else "")]
    lines += [f"    {d}" for d in result.differences]
    return "\n".join(lines) + "\n"
