"""The engine: from a situation to advice, in one call.

``Engine`` holds the rulesets (shipped plus any ``--rules`` folders), merges and registers
each country's ruleset once, and for each situation runs the pipeline in order:
build facts → durable_rules decides which rules fire → the resolver makes one advice.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable

from followup.engine.advice import NORMALISED, Advice
from followup.rules.cache import load_library
from followup.engine.evaluate import Evaluator, default_evaluator
from followup.engine.facts import facts_from
from followup.engine.assumptions import annotated
from followup.engine.resolve import resolve
from followup.engine.vocabulary import check_facts
from followup.rules.ruleset import Library, MergedRuleset
from followup.load.situation import Situation


class Engine:
    """Advice for situations, against the shipped rulesets and a user's own folders.

    Safe from threads: the evaluator serialises registering and matching (durable_rules'
    C core has no locks of its own; they are the small part of an evaluation), this engine
    the merging of a country's ruleset; building the facts and resolving the advice run in parallel.
    """

    def __init__(self, rules_dirs: Iterable[str | Path] = (), evaluator: Evaluator | None = None,
                 library: Library | None = None) -> None:
        self.library = library or load_library(rules_dirs)
        self.evaluator = evaluator or default_evaluator()
        self._merged: dict[str, MergedRuleset] = {}
        self._lock = threading.RLock()

    def ruleset_for(self, country: str) -> MergedRuleset:
        """The merged ruleset for a country (the base rules for one without an overlay)."""
        with self._lock:
            if country not in self._merged:
                merged = self.library.merged(country)
                if self.library.strict:  # lint loads leniently and reports these as findings itself
                    check_facts(merged)
                self.evaluator.register(merged)
                self._merged[country] = merged
            return self._merged[country]

    def fired(self, situation: Situation) -> tuple[MergedRuleset, dict, tuple[str, ...]]:
        """The merged ruleset, the facts and the ids of the rules that fire."""
        facts = facts_from(situation, situation.to_dict())
        merged = self.ruleset_for(situation.country)
        return merged, facts, self.evaluator.fired(merged, facts)

    def advise(self, situation: Situation) -> Advice:
        """The advice for one situation."""
        return advise_under(self.ruleset_for(situation.country), situation, self.evaluator)


def advise_under(merged: MergedRuleset, situation: Situation, evaluator: Evaluator | None = None) -> Advice:
    """The advice for ``situation`` under ``merged``: the facts, durable_rules deciding what
    fires (on ``evaluator``, by default the process's), the resolver. ``Engine.advise`` with
    the country's merged ruleset; a replay with a ruleset read back from a log."""
    evaluator = evaluator or default_evaluator()
    normalised = situation.to_dict()
    facts = facts_from(situation, normalised)
    advice = annotated(resolve(merged, situation, evaluator.fired(merged, facts), facts), situation)
    advice.basis.cache[NORMALISED] = normalised  # the facts were made from it: the digest is too
    return advice
