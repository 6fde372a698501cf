"""Replaying recorded decisions with the current rules, and saying what changed.

Each audit log entry holds the normalised situation (with its ``today``) and the advice given,
its trace compact and expanded here from the ruleset the log stored (``DecisionLog.full_document``),
so the old side is the rules as they were, whatever the rules folders hold now. Replaying
evaluates that situation again with the rules in force now (through the advising callable
it is given: ``followup.Rules(dirs).advice`` from the command line) and compares:
- the advice: action, channel, alternatives, purpose, dates, forbidden channels,
  what to say, avoid and be careful about, conflicts and warnings;
- the rules: which fired then and not now (and why not, now), which fire now and did not
  then, and which fired both times with a different effect.
A decision is "same" when nothing of that differs. A changed ruleset digest or engine
version is reported on its own: the rules may have changed without changing this decision.

A line that is not a decision record (not JSON, too long, a part missing or of the wrong
type, a situation that no longer matches its digest or that today's loader refuses) is
``Refused`` with its file and line, and the replay goes on with the next one. The log is
read once, line by line, and never held in memory whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

from followup import __version__
from followup.engine.advice import Advice
from followup.audit.compact import compact_trace
from followup.audit.entry import NotARecord
from followup.audit.log import DecisionLog, LogEntry
from followup.audit.record import DecisionRecord
from followup.audit.stored import advise_under
from followup.base.errors import ExitCode, InputError, InputErrors
from followup.audit.explain import explain
from followup.audit.whynot import failure_words
from followup.base.canonical import digest_of
from followup.load.situation import Situation, situation_from_document
from followup.load.yamlio import Document

#: Advice fields compared, as (label, path into the advice document).
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("action", ("action",)), ("channel", ("channel",)), ("alternatives", ("alternatives",)),
    ("purpose", ("purpose",)), ("earliest", ("timing", "earliest")), ("latest", ("timing", "latest")),
    ("forbidden", ("forbidden",)), ("say", ("say",)), ("avoid", ("avoid",)), ("cautions", ("cautions",)),
    ("conflicts", ("conflicts",)), ("warnings", ("warnings",)),
)


@dataclass(frozen=True)
class Recorded:
    """A checked log entry: its decision id, the situation to replay, and the advice given then."""

    entry: LogEntry
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


@dataclass(frozen=True)
class Refused:
    """A log line that could not be replayed, and every reason (each names its file and line)."""

    file: str
    line: int
    errors: tuple[InputError, ...]


#: What replay advises with: a situation in, the advice of the rules in force now out.
Advise = Callable[[Situation], Advice]


def replay_log(log: DecisionLog, advise: Advise, decision_id: str | None = None) -> Iterator[Replayed | Refused]:
    """Replay the decisions of ``log`` one at a time, in log order, advising with ``advise``.

    ``decision_id`` selects the decisions whose id starts with it. A line that is not a
    decision record, or whose stored ruleset is missing or was changed, is ``Refused``
    whatever is selected (the log itself is bad), and the replay goes on with the next one.
    """
    for entry in log:
        if entry.error is not None:
            yield Refused(entry.file, entry.line, (entry.error,))
            continue
        if decision_id is not None and entry.id is not None and not entry.id.startswith(decision_id):
            continue
        try:
            recorded = check_entry(replace(entry, data=log.full_document(entry)))
        except InputError as exc:
            yield Refused(entry.file, entry.line, tuple(exc.each()))
            continue
        yield replay(recorded, advise)


def check_entry(entry: LogEntry) -> Recorded:
    """One log entry as a decision to replay, or an ``InputError`` naming its file and line.

    Every part that replay reads is checked for its type here, so that no shape of JSON can
    make the comparison fail later.
    """
    data = entry.data
    if data is None:
        raise entry.error or InputError("not a decision record", entry.location)
    missing = [path for path in _REQUIRED if _get(data, path, _ABSENT) is _ABSENT]
    if missing:
        raise NotARecord(f"not a decision record: no {', '.join('.'.join(p) for p in missing)}", entry.location)
    wrong = [f"{'.'.join(path)} must be {_KINDS[kind]}" for path, kind in _TYPES if not isinstance(_get(data, path), kind)]
    wrong += _trace_problems(data["trace"])
    if wrong:
        raise InputError(f"not a decision record: {'; '.join(wrong[:3])}", entry.location)
    decision_id = data["decision"]["id"]
    personal = data.get("personal_data")
    logged = personal.get("situation_digest") if isinstance(personal, dict) else None  # hashed: audit/personal.py
    if digest_of(data["situation"]) not in (data["decision"]["situation_digest"], logged):
        raise InputError(f"decision {decision_id}: the situation does not match its recorded digest; "
                         "the record was changed after it was written", entry.location)
    # The loader every situation goes through (schema, date grammar, dates in order), on the
    # data as it is: never turned into text to be parsed again.
    document = Document(data["situation"], entry.file, {(): entry.line})
    try:
        situation = situation_from_document(document)
    except InputError as exc:
        raise InputErrors([_at(entry, e) for e in exc.each()]) from exc
    # A log from before the rename holds ``on:`` and ``interview:``: read as ever, and with no
    # note about the spelling, which was right when it was written (the advice then had none).
    return Recorded(entry, decision_id, replace(situation, load_notes=()), data)


@dataclass(frozen=True)
class Reproduced:
    """A logged decision made again under its own stored rules: the advice and record it had."""

    document: dict[str, Any]
    advice: Advice
    record: DecisionRecord


def reproduce(log: DecisionLog, entry: LogEntry) -> Reproduced:
    """The decision of ``entry`` as it was made: advised again under the ruleset the log stored
    for it (durable_rules deciding), and checked to give exactly the advice and trace logged.

    An ``InputError`` naming the entry's line if it cannot be: tampered, its ruleset missing
    or changed, logged before rulesets were stored, or no longer reached by this followup.
    """
    full = log.full_document(entry)
    recorded = check_entry(replace(entry, data=full))
    compact = entry.data.get("compact_explanation") if entry.data else None
    if not isinstance(compact, dict):
        raise InputError(f"decision {recorded.id} was logged with its full trace, before the log stored rulesets; "
                         "'followup log show' prints it as logged", entry.location)
    advice = advise_under(log.ruleset(compact["ruleset"], entry), recorded.situation)
    again = {**compact_trace(explain(advice)), "facts": compact.get("facts")}  # facts: hashed as logged
    if again != compact or any(_get(full, path) != _get(advice.to_json(), path) for _, path in FIELDS):
        raise InputError(f"decision {recorded.id}: followup {__version__} no longer reaches the logged advice from "
                         f"the logged rules (logged by followup {full['decision'].get('engine')}); "
                         "'followup log show' prints it as logged", entry.location)
    return Reproduced(full, advice, logged_record(recorded))


def logged_record(recorded: Recorded) -> DecisionRecord:
    """The decision record a checked logged decision was made under."""
    decision = recorded.document["decision"]
    ruleset = decision["ruleset"]
    return DecisionRecord(recorded.id, str(decision.get("timestamp")), str(decision.get("engine")),
                          str(ruleset.get("name")), ruleset["version"], ruleset["digest"],
                          decision["situation_digest"], recorded.situation.today)


_ABSENT = object()
_REQUIRED = (("decision", "id"), ("decision", "situation_digest"), ("decision", "ruleset", "digest"),
             ("decision", "ruleset", "version"), ("situation",), ("trace",),
             *(path for _, path in FIELDS))
_TYPES: tuple[tuple[tuple[str, ...], type], ...] = (
    (("decision", "id"), str), (("decision", "situation_digest"), str), (("decision", "ruleset", "digest"), str),
    (("decision", "ruleset", "version"), str), (("situation",), dict), (("trace",), list))
_KINDS = {str: "text", dict: "an object", list: "a list"}


def _trace_problems(trace: Any) -> list[str]:
    if not isinstance(trace, list):
        return []  # reported by _TYPES
    for number, entry in enumerate(trace):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return [f"trace[{number}] must be an object with an id that is text"]
        if not isinstance(entry.get("effect", {}), (dict, type(None))):
            return [f"trace[{number}].effect must be an object"]
    return []


def _get(data: Any, path: tuple[str, ...], default: Any = None) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _at(entry: LogEntry, error: InputError) -> InputError:
    field = f"situation.{error.location.field}: " if error.location.field else "situation: "
    return InputError(field + error.message, entry.location)


def replay(recorded: Recorded, advise: Advise) -> Replayed:
    """Evaluate a recorded situation with ``advise`` (the rules now) and compare with what was advised."""
    advice = advise(recorded.situation)
    document = advice.to_json()
    then, now = recorded.document, document
    differences = [_field_difference(label, _get(then, path), _get(now, path)) for label, path in FIELDS]
    differences += _rule_differences(then, advice)
    entry = recorded.entry
    return Replayed(recorded.id, entry.file, entry.line, tuple(d for d in differences if d),
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
    old = {entry["id"]: entry for entry in then["trace"] if isinstance(entry, dict)}
    fired_now = {entry.id: entry.effect for entry in advice.trace}
    out: list[str] = []
    explanation = None
    for rule_id in fired_then:
        if rule_id not in fired_now:
            explanation = explanation or explain(advice)
            trace = explanation.entry(rule_id)
            blocking = trace.blocking() if trace else None
            why = (f": {failure_words(blocking)}" if blocking else "") if trace else ": it is no longer in the rules"
            out.append(f"rule {rule_id}: fired then, not now{why}{_then_words(old[rule_id])}")
        elif fired_then[rule_id] != fired_now[rule_id]:
            out.append(f"rule {rule_id}: effect changed: {_effect_change(fired_then[rule_id] or {}, fired_now[rule_id])}")
    out += [f"rule {rule_id}: fires now, did not then" for rule_id in fired_now if rule_id not in fired_then]
    return out


def _then_words(entry: dict[str, Any]) -> str:
    """`` (then: “title”, seed 003 C1)``: the rule as the log has it, which today's rules may not."""
    title = entry.get("title")
    source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
    items = source.get("items") if isinstance(source.get("items"), list) else []
    seed = f", seed {source['seed']} {' '.join(str(i) for i in items)}".rstrip() if isinstance(source.get("seed"), str) else ""
    return f" (then: \u201c{title}\u201d{seed})" if isinstance(title, str) else ""


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
    """Any JSON value from a log, in a few words (a logged value may have any shape)."""
    if value is None:
        return "none"
    if isinstance(value, dict):
        if "text" in value:
            return repr(value["text"])
        if "kind" in value:
            rules = value.get("rules", [])
            named = ", ".join(rules) if isinstance(rules, list) and all(isinstance(r, str) for r in rules) else _words(rules)
            return f"{value['kind']} ({named})"
    if isinstance(value, list):
        return "[" + ", ".join(_words(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value)


def summary(replayed: int, different: int, refused: int = 0) -> str:
    """``3 decisions replayed: 2 same, 1 different.``, and ``2 lines refused.`` if any were."""
    noun = "decision" if replayed == 1 else "decisions"
    text = f"{replayed} {noun} replayed: {replayed - different} same, {different} different."
    if refused:
        text += (" 1 line refused: not a decision record." if refused == 1 else
                 f" {refused:,} lines refused: not decision records.")
    return text


def exit_code(different: int, refused: int) -> ExitCode:
    """``BAD_INPUT`` (2) if any line was refused, even if decisions also changed: a log with bad
    lines is a bad log, and what was not replayed cannot be said to be the same. Else
    ``FINDINGS`` (1) if any decision changed, else ``OK``."""
    if refused:
        return ExitCode.BAD_INPUT
    return ExitCode.FINDINGS if different else ExitCode.OK


def replayed_text(result: Replayed) -> str:
    """One replayed decision for people: ``file:line id: same``, or what differs."""
    notes = [n for n in (result.rules_changed and f"rules changed since: {result.rules_changed}",
                         result.engine_changed) if n]
    status = "same" if result.same else "DIFFERENT"
    lines = [f"{result.file}:{result.line} {result.id}: {status}" + (f" ({'; '.join(notes)})" if notes else "")]
    lines += [f"    {d}" for d in result.differences]
    return "\n".join(lines) + "\n"
