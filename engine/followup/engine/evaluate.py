"""Running durable_rules: which rules fire for one situation.

durable_rules does all the matching. This module calls its C core (``durable_rules_engine``)
directly rather than through ``durable.engine.Host``: the host wraps every fired action in a
``Closure`` and a JSON round trip of the session state (254 instead of 51 µs per evaluation
of the shipped rules, 18 of them firing; ``bench/run.py`` measures). The calls are the host's own (``assert_fact``, ``start_action_for_state``, ``complete_and_start_action``,
``retract_fact``) minus ``update_state``, which only re-asserts a state the actions never
change. ``tests/engine/test_properties.py`` checks on generated situations that the rules fired,
and their order, are the stock host's. The host's traps stay handled:
- no timer threads exist at all (the stock host starts ``threading.Timer`` loops that could
  run a session's actions on another thread and return an incomplete result);
- every evaluation runs in one session per ruleset, kept: the situation is asserted, its
  actions run, and it is retracted again, so the next one finds the session as it was. A new
  session per evaluation cost durable_rules 870,000 instructions before any rule was matched
  (it clears about 1 MB of tables for a ruleset of this size: ``createStateNode``), most of
  an evaluation (103 against 59 µs here). Should the retraction fail or leave an action
  pending, the whole ruleset handle is dropped and registered anew on the next evaluation,
  as after a failed one (deleting a session after error 303 crashed the process). Deleting a
  session in which no action ran can crash the process too (durable_rules frees its
  never-initialised action context), so an internal rule (``compiler.SENTINEL``) fires first
  on every situation;
- "no rule matched" (only the sentinel fired) is an empty result; a failure of the C core raises
  ``EngineError`` instead of being stored in the session and ignored, as the host does with
  exceptions raised in actions;
- a rule durable_rules fires several times (once per way its ``$or``s match) is reported
  once, in the order it first fired; the number of firings is bounded before registration
  (``ruleset.MAX_MATCHES``) and checked again here.

The C core holds the GIL and has no locks: an ``Evaluator`` lets one thread at a time in; use
processes for parallelism (``followup batch --jobs``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

import orjson

from followup.rules.compiler import SENTINEL, definition_json, durable_name, footprint
from followup.base.errors import EngineError, RulesetError
from followup.rules.ruleset import MergedRuleset


def _load_core() -> Any:
    """durable_rules' C core, loaded with lazy symbol binding.

    On Python 3.13 the released build references ``PyEval_CallObject``, which 3.13 removed,
    so an ordinary (eager) load fails. Every use of that symbol is in the persistence
    callbacks (store/queue/delete message, idle state), which followup never registers;
    binding symbols on first call instead of at load lets the extension load and never
    needs it. On 3.11 and 3.12 the flag changes nothing.
    """
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        import durable_rules_engine
    finally:
        sys.setdlopenflags(flags)
    return durable_rules_engine


try:
    _core = _load_core()
except ImportError as _exc:  # surfaced by Evaluator() as a message, never as a traceback
    _core = None
    _IMPORT_ERROR = (f"durable_rules could not be loaded on Python {sys.version_info.major}."
                     f"{sys.version_info.minor}: {_exc}; reinstall followup in a fresh virtual environment "
                     "(see README, 'Install')")

#: ``assert_fact``'s result code when a rule matched (durable_rules' rules.h).
_HANDLED = 0
#: The one session each ruleset evaluates in (see the module docstring).
SESSION = "followup"

#: Registration errors that mean "this ruleset is beyond durable_rules' tables" (rules.h).
_CAPACITY_ERRORS = {
    "106": "too many different conditions under one condition",
    "107": "one condition is used too often",
    "108": "too many rules share one condition",
    "113": "a rule's condition nests too many groups",
}


@dataclass(frozen=True)
class _Registered:
    """A ruleset known to the C core: its handle, rule ids, and the most firings it allows."""

    handle: int
    rule_ids: frozenset[str]
    max_firings: int


class Evaluator:
    """Registers merged rulesets once (by digest) and evaluates situations against them.

    Safe from threads: durable_rules' C core has no locks of its own, and every engine of a
    process (several ``Rules``, a replay under a logged ruleset) shares this evaluator's
    handles, so its lock, not any one engine's, serialises registering and matching.
    """

    def __init__(self) -> None:
        if _core is None:
            raise EngineError(_IMPORT_ERROR)
        self._registered: dict[str, _Registered] = {}
        self._lock = threading.RLock()

    def register(self, merged: MergedRuleset) -> str:
        """Make sure ``merged`` is registered with durable_rules; returns its durable name."""
        name = durable_name(merged)
        with self._lock:
            if name not in self._registered:
                self._registered[name] = self._create(name, merged)
        return name

    def _create(self, name: str, merged: MergedRuleset) -> _Registered:
        try:
            handle = _core.create_ruleset(name, definition_json(merged))
        except Exception as exc:
            code = str(exc).rsplit(" ", 1)[-1]
            if code in _CAPACITY_ERRORS:
                raise RulesetError(f"durable_rules cannot register ruleset {merged.name} ({merged.version}): "
                                   f"{_CAPACITY_ERRORS[code]} (error {code})") from None
            raise EngineError(f"durable_rules refused ruleset {merged.name} ({merged.version}): {exc}") from exc
        max_firings = footprint(merged).total_matches + 1  # and the sentinel
        return _Registered(handle, frozenset(r.id for r in merged.rules) | {SENTINEL}, max_firings)

    def fired(self, merged: MergedRuleset, facts: dict[str, Any]) -> tuple[str, ...]:
        """Ids of the rules that fire on ``facts``, in the order they first fired."""
        fact = _fact_json({**facts, "_kind": "situation", "sid": SESSION, "id": "situation"})
        with self._lock:
            name = self.register(merged)
            ruleset = self._registered[name]
            try:
                fired = self._run(ruleset, fact)
            except EngineError:
                # The session may be half built: deleting one after error 303 crashed the process
                # here. Drop the whole ruleset handle instead; the next evaluation registers anew.
                del self._registered[name]
                raise
            if not self._retract(ruleset, fact):
                del self._registered[name]  # the session is not as it was: the next one starts afresh
        return fired

    def _run(self, ruleset: _Registered, fact: str) -> tuple[str, ...]:
        try:
            code, state = _core.assert_fact(ruleset.handle, fact)
            if code != _HANDLED:  # the sentinel always fires: not even it did, so the session is suspect
                raise EngineError(f"durable_rules did not take the situation (result {code})")
            started = _core.start_action_for_state(ruleset.handle, state)
            message = started[1] if started else None
            fired: dict[str, None] = {}
            count = 0
            while message:
                count += 1
                if count > ruleset.max_firings:
                    raise EngineError(f"durable_rules fired more than the {ruleset.max_firings} actions "
                                      "this ruleset allows")
                # ``{"<rule id>": {"m": ...}}``: rule ids are ``[a-z0-9-]`` (the schema says so), so
                # the name is read without parsing the fact back (inline: about 20 firings a situation).
                end = message.find('"', 2)
                name = message[2:end]
                if end < 3 or name not in ruleset.rule_ids or not message.startswith('{"'):
                    name = _parsed_action_name(message, ruleset.rule_ids)
                fired[name] = None
                message = _core.complete_and_start_action(ruleset.handle, state)
            fired.pop(SENTINEL, None)
            return tuple(fired)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"durable_rules failed on this situation: {exc}") from exc

    def _retract(self, ruleset: _Registered, fact: str) -> bool:
        """Take the situation back out of the session; whether the session is as it was before."""
        try:
            code, state = _core.retract_fact(ruleset.handle, fact)
            return code == _HANDLED and not _core.start_action_for_state(ruleset.handle, state)
        except Exception:
            return False


def _parsed_action_name(message: str, rule_ids: frozenset[str]) -> str:
    """The rule an action message is for, parsed properly: for a message the quick read in
    ``Evaluator._run`` did not expect."""
    parsed = json.loads(message)
    name = next(iter(parsed)) if isinstance(parsed, dict) and parsed else ""
    if name not in rule_ids:
        raise EngineError(f"durable_rules fired an unknown rule {name!r}")
    return name


_default: Evaluator | None = None


def default_evaluator() -> Evaluator:
    """The process-wide evaluator (one set of durable_rules handles per process)."""
    global _default
    if _default is None:
        _default = Evaluator()
    return _default


def _fact_json(fact: dict[str, Any]) -> str:
    """The fact as JSON for durable_rules: orjson's (a fifth of json.dumps' time), the standard
    library's for what orjson refuses (an integer beyond 64 bits). Key order means nothing here."""
    try:
        return orjson.dumps(fact).decode("utf-8")
    except TypeError:
        return json.dumps(fact, ensure_ascii=False)
