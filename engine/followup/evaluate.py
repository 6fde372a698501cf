"""Running durable_rules: which rules fire for one situation.

durable_rules does all the matching. This module keeps its traps away from the rest:
- ``_SyncHost`` disables the stock host's timer threads, which could otherwise run a
  session's actions on another thread and return an incomplete result;
- every evaluation runs in its own session (``sid``) that is deleted in ``finally``: live
  sessions are capped at 1,024 per ruleset, and deleted ones keep memory flat;
- "no rule matched" (``MessageNotHandledException``) is an empty result, not an error;
- durable_rules swallows exceptions raised in actions, so actions only append a rule id and
  the host's own error slot is checked after each run.

The C core holds the GIL and has no locks: an ``Evaluator`` serves one thread; use
processes for parallelism (``followup batch --jobs``).
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from .compiler import compile_ruleset, durable_name
from .errors import EngineError
from .ruleset import MergedRuleset

try:
    import durable.engine as _durable
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    import sys

    raise ImportError(
        f"durable_rules could not be loaded on Python {sys.version_info.major}.{sys.version_info.minor}: {exc}. "
        "On Python 3.13 reinstall it with: CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)' "
        "pip install --force-reinstall --no-binary durable-rules durable-rules  (see README, 'Python 3.13')"
    ) from exc


class _SyncHost(_durable.Host):
    """A durable_rules host that never dispatches on background timer threads."""

    def _run(self) -> None:  # the stock one starts threading.Timer loops
        pass


class Evaluator:
    """Registers merged rulesets once (by digest) and evaluates situations against them."""

    def __init__(self) -> None:
        self._host = _SyncHost()
        self._registered: set[str] = set()
        self._fired: list[str] = []
        self._sids = itertools.count(1)

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        fired = self._fired

        def action(c: Any) -> None:  # exactly one parameter: two would make it async
            fired.append(rule_id)

        return action

    def register(self, merged: MergedRuleset) -> str:
        """Make sure ``merged`` is registered with durable_rules; returns its durable name."""
        name = durable_name(merged)
        if name not in self._registered:
            try:
                self._host.register_rulesets({name: compile_ruleset(merged, self._action)})
            except Exception as exc:
                raise EngineError(f"durable_rules refused ruleset {merged.name} ({merged.version}): {exc}") from exc
            self._registered.add(name)
        return name

    def fired(self, merged: MergedRuleset, facts: dict[str, Any]) -> tuple[str, ...]:
        """Ids of the rules that fire on ``facts``, in firing order."""
        name = self.register(merged)
        sid = str(next(self._sids))
        fact = {**facts, "_kind": "situation", "sid": sid, "id": "situation"}
        self._fired.clear()
        try:
            self._host.assert_fact(name, fact)
        except _durable.MessageNotHandledException:
            pass
        except Exception as exc:
            raise EngineError(f"durable_rules failed on this situation: {exc}") from exc
        finally:
            self._delete(name, sid)
        fired = tuple(self._fired)
        self._fired.clear()
        return fired

    def _delete(self, name: str, sid: str) -> None:
        try:
            self._host.delete_state(name, sid)
        except Exception as exc:
            raise EngineError(f"durable_rules could not delete session {sid}: {exc}") from exc


_default: Evaluator | None = None


def default_evaluator() -> Evaluator:
    """The process-wide evaluator (one durable_rules host per process)."""
    global _default
    if _default is None:
        _default = Evaluator()
    return _default
