"""Where durable_rules' fixed-size tables give out, step by step, and how the limits compare.

    python bench/limits.py      # about 40 s

Each probe registers (and where it matters, evaluates) a raw durable_rules definition in a
fresh process with a timeout, because the failure at some edges is a call that never
returns. Every rule is ANDed with the situation tag, as ``compiler.py`` compiles them. Then
it prints ``ruleset.py``'s limits and what the shipped rulesets use of each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from typing import Any

_PROBE = r"""
import json, sys, time
from followup.engine.evaluate import _core as core
definition, fact = json.loads(sys.stdin.read())
started = time.perf_counter()
try:
    handle = core.create_ruleset("probe", json.dumps(definition))
except Exception as exc:
    print(json.dumps({"outcome": "registration: " + str(exc)})); sys.exit()
registered = time.perf_counter() - started
if fact is None:
    print(json.dumps({"outcome": "ok", "register_ms": registered * 1000})); sys.exit()
started = time.perf_counter()
try:
    code, state = core.assert_fact(handle, json.dumps(fact))
    fired = 0
    message = core.start_action_for_state(handle, state)[1] if code == 0 else None
    while message:
        fired += 1
        message = core.complete_and_start_action(handle, state)
    print(json.dumps({"outcome": "ok", "fired": fired, "evaluate_ms": (time.perf_counter() - started) * 1000}))
except Exception as exc:
    print(json.dumps({"outcome": "evaluation: " + str(exc)}))
"""

FACT = {"x": 0, "_kind": "situation", "sid": "1", "id": "f"}


def tagged(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"r{i}": {"all": [{"m": {"$and": [{"_kind": "situation"}, test]}}], "pri": i + 1}
            for i, test in enumerate(tests)}


def probe(definition: dict[str, Any], fact: dict[str, Any] | None = None, timeout: float = 10) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], input=json.dumps([definition, fact]),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"never returned (killed after {timeout:.0f} s)"
    if done.returncode != 0:
        return f"process died (exit {done.returncode}): {done.stderr.strip()[-80:]}"
    result = json.loads(done.stdout)
    details = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items() if k != "outcome")
    return result["outcome"] + (f" ({details})" if details else "")


def nested(groups: int) -> dict[str, Any]:
    expression: dict[str, Any] = {"x": 0}
    for i in range(groups - 1):  # the tag's $and is the first group
        expression = {"$and": [{f"y{i}": 1}, expression]}
    return expression


def product(per_any: int, anys: int) -> dict[str, Any]:
    return {"$and": [{"$or": [{"$gt": {f"f{a}": -k - 1}} for k in range(per_any)]} for a in range(anys)]}


EDGES: list[tuple[str, list[tuple[int, Any]]]] = [
    ("tests under one node (512-slot hash table)",
     [(n, lambda n: (tagged([{"x": i} for i in range(n)]), None)) for n in (511, 512, 513)]),
    ("groups in one rule (32 expression slots)",
     [(n, lambda n: (tagged([nested(n)]), None)) for n in (15, 16)]),
    ("$or branch ends at one node (128-slot list)",
     [(n, lambda n: (tagged([{"$or": [{"x": 0}, {"x": 1}]}] * n), None)) for n in (128, 129)]),
    ("rules fed by one node (256)",
     [(n, lambda n: (tagged([{"x": 0}] * n), None)) for n in (256, 257)]),
    ("matching stack: rules whose $or ends hold at once (64)",
     [(n, lambda n: (tagged([{"$or": [{"x": 0}, {"x": 1}]}] * n), FACT)) for n in (64, 65)]),
    ("matching stack: tests that hold at once under one node (64)",
     [(n, lambda n: (tagged([{"$gt": {"x": -k - 1}} for k in range(n)]), FACT)) for n in (64, 65)]),
    ("firings of one rule: 3 ** (number of nested any of 3)",
     [(n, lambda n: (tagged([product(3, n)]), {**{f"f{a}": 0 for a in range(n)}, **FACT})) for n in (6, 9, 11, 12)]),
]


def main() -> None:
    print(f"durable_rules' C core, Python {sys.version.split()[0]}")
    for title, steps in EDGES:
        print(f"\n{title}")
        for n, build in steps:
            definition, fact = build(n)
            started = time.perf_counter()
            outcome = probe(definition, fact, timeout=5 if n > 500 else 30)
            print(f"  {n:>5}: {outcome}  [{time.perf_counter() - started:.1f} s]")
    # Past 256 rules fed by one node, durable_rules refuses (error 108) in some runs only: the
    # same definition, run again, in fresh processes. (tests/rules/test_limits.py asserts that
    # followup refuses past MAX_RULES before durable_rules sees the ruleset, not this edge.)
    runs = 20
    outcomes = Counter(probe(tagged([{"x": 0}] * 257), None).split(" (")[0] for _ in range(runs))
    print(f"\nrules fed by one node, 257, run {runs} times: "
          + ", ".join(f"{outcome} {count}x" for outcome, count in outcomes.most_common()))
    from followup.rules import ruleset as limits
    from followup.rules.cache import load_library
    from followup.rules.compiler import footprint

    print("\nfollowup's limits (ruleset.py) and what the shipped rulesets use")
    library = load_library()
    sizes = {country: footprint(library.merged(country)) for country in sorted(library.countries())}
    used = {"MAX_RULES": lambda f: len(f.rules), "MAX_GROUPS_PER_RULE": lambda f: max(r.groups for r in f.rules.values()),
            "MAX_WIDTH": lambda f: f.widest, "MAX_LIST": lambda f: f.longest_list, "MAX_STACK": lambda f: f.stack,
            "MAX_MATCHES_PER_RULE": lambda f: max(r.matches for r in f.rules.values()),
            "MAX_MATCHES": lambda f: f.total_matches}
    for name, measure in used.items():
        shipped = ", ".join(f"{c} {measure(f)}" for c, f in sizes.items())
        print(f"  {name:<22} {getattr(limits, name):>6}   shipped: {shipped}")


if __name__ == "__main__":
    main()
