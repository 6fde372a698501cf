"""Two rules that can fire on the same situation and disagree, with nothing to settle it.

The resolver settles every disagreement (``resolve.py``), but an author should not leave it
to the tie-breaks: two rules of one layer at the same priority that can fire together and
set different actions, or where one prefers a channel the other forbids, are an error. A
conflict is reported only with a situation on which durable_rules really fires both rules;
the witness search proposes situations, the engine confirms them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

from followup.engine.evaluate import Evaluator
from followup.rules.rule import Rule
from followup.rules.ruleset import MergedRuleset
from followup.authoring.lint.conditions import Conjunct, contradiction
from followup.engine.vocabulary import Vocabulary
from followup.authoring.lint.witness import Witness, find_witnesses

#: Pairs of alternatives (one of each rule) tried per pair of rules, and witnesses per pair of
#: alternatives confirmed with durable_rules before moving on.
MAX_ALTERNATIVE_PAIRS = 64
MAX_CONFIRMATIONS = 5


@dataclass(frozen=True)
class Conflict:
    """Two rules and a situation on which durable_rules fires both."""

    first: Rule
    second: Rule
    disagreement: str
    witness: Witness


def disagreement(a: Rule, b: Rule) -> str | None:
    """How two rules' effects contradict each other, in words, or None."""
    reasons = []
    if a.then.action and b.then.action and a.then.action != b.then.action:
        reasons.append(f"'{a.id}' says {a.then.action}, '{b.id}' says {b.then.action}")
    for x, y in ((a, b), (b, a)):
        clash = [c for c in x.then.prefer if c in y.then.forbid]
        if clash:
            reasons.append(f"'{x.id}' prefers {', '.join(clash)}, which '{y.id}' forbids")
    return "; ".join(reasons) or None


def candidate_pairs(merged: MergedRuleset, checkable: set[str]) -> Iterator[tuple[Rule, Rule, str]]:
    """Pairs of rules of one layer and priority whose effects contradict each other."""
    rules = [r for r in merged.rules if r.id in checkable]
    for a, b in itertools.combinations(rules, 2):
        if a.layer == b.layer and a.priority == b.priority:
            reason = disagreement(a, b)
            if reason:
                yield a, b, reason


def find_conflict(a: Rule, b: Rule, reason: str, alternatives: dict[str, list[Conjunct]], merged: MergedRuleset,
                  vocab: Vocabulary, evaluator: Evaluator) -> Conflict | None:
    """A situation on which durable_rules fires both ``a`` and ``b``, if the search finds one."""
    pairs = itertools.islice(itertools.product(alternatives[a.id], alternatives[b.id]), MAX_ALTERNATIVE_PAIRS)
    country = merged.country or "DK"
    for left, right in pairs:
        conjunct = left + right
        if contradiction(conjunct, vocab):
            continue
        for witness in itertools.islice(find_witnesses(conjunct, vocab, country), MAX_CONFIRMATIONS):
            fired = evaluator.fired(merged, witness.facts)
            if a.id in fired and b.id in fired:
                return Conflict(a, b, reason, witness)
    return None
