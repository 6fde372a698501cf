"""Rule tests as data: ``rulesets/tests/*.yaml``, each case a situation and the advice expected.

A case gives a whole ``situation``, or names an ``example`` and a ``patch`` merged into it,
and lists what it ``expect``s: action, channel, purpose, dates, alternatives, forbidden
channels, rules that must or must not fire, conflict kinds. ``run_cases`` evaluates each
case with the real engine and reports every difference.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from .advice import Advice
from .engine import Engine
from .errors import InputError, Location
from .paths import examples_dir
from .schema import validate
from .situation import parse_situation
from .yamlio import load_document


@dataclass(frozen=True)
class Case:
    """One rule test case, with where it is written."""

    name: str
    file: str
    line: int | None
    situation: dict[str, Any]
    today: date | None
    expect: dict[str, Any]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: the differences found (none means it passed)."""

    case: Case
    failures: tuple[str, ...]
    advice: Advice | None
    fired: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(path: str | Path) -> list[Case]:
    """Read and validate a rule test file; examples are resolved and patched here."""
    document = load_document(path)
    validate(document, "ruletest")
    folder = Path(path).resolve().parent
    cases = []
    for i, raw in enumerate(document.data["cases"]):
        location = document.location(("cases", i))
        situation = raw.get("situation") or _patched(_example(raw["example"], folder, location), raw.get("patch", {}))
        today = date.fromisoformat(raw["today"]) if "today" in raw else None
        cases.append(Case(raw["name"], str(path), location.line, situation, today, raw["expect"]))
    return cases


def _example(name: str, folder: Path, location: Location) -> dict[str, Any]:
    stem = name if name.endswith((".yaml", ".yml", ".json")) else f"{name}.yaml"
    for candidate in (folder / stem, examples_dir() / stem):
        if candidate.is_file():
            return load_document(candidate).data
    raise InputError(f"example '{name}' not found next to the test file or among the shipped examples", location)


def _patched(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _patched(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def run_case(case: Case, engine: Engine) -> CaseResult:
    """Evaluate one case and compare the advice with what it expects."""
    try:
        situation = parse_situation(json.dumps(case.situation), f"{case.file}:{case.line} ({case.name}).json", case.today)
    except InputError as exc:
        return CaseResult(case, (f"the case's situation is invalid: {exc.format_message()}",), None, ())
    advice = engine.advise(situation)
    fired = tuple(entry.id for entry in advice.trace)
    return CaseResult(case, tuple(compare(case.expect, advice, fired)), advice, fired)


def run_cases(cases: Iterable[Case], engine: Engine) -> list[CaseResult]:
    """Run cases in order."""
    return [run_case(case, engine) for case in cases]


def compare(expect: dict[str, Any], advice: Advice, fired: tuple[str, ...]) -> list[str]:
    """Every way the advice differs from what is expected, in words."""
    got = advice.to_json()
    actual = {"action": got["action"], "channel": got["channel"], "purpose": got["purpose"],
              "earliest": got["timing"]["earliest"], "latest": got["timing"]["latest"],
              "alternatives": got["alternatives"], "conflicts": [c["kind"] for c in got["conflicts"]]}
    failures = [f"{key}: expected {_show(expect[key])}, got {_show(actual[key])}"
                for key in actual if key in expect and expect[key] != actual[key]]
    missing_forbidden = [c for c in expect.get("forbidden", []) if c not in got["forbidden"]]
    if missing_forbidden:
        failures.append(f"forbidden: expected {_show(missing_forbidden)} among {_show(got['forbidden'])}")
    failures += [f"rule {r} did not fire" for r in expect.get("fired", []) if r not in fired]
    failures += [f"rule {r} fired but should not" for r in expect.get("not_fired", []) if r in fired]
    return failures


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def case_files(folder: str | Path) -> list[Path]:
    """The rule test files of a rules folder (its ``tests/`` subfolder)."""
    tests = Path(folder) / "tests"
    return sorted(p for p in tests.glob("*.y*ml")) if tests.is_dir() else []
