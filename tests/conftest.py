"""Shared helpers: run the CLI in-process, build situations, reach the repository's files.

Tests import the *installed* ``followup`` package (CI installs the wheel), so they check
what a user gets, with the shipped rulesets inside it.
"""

from __future__ import annotations

import json
import os
import resource
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, settings

from followup.cli import cli
from followup.cli.common import run_guarded
from followup.engine.engine import Engine
from followup.load.situation import parse_situation

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Hypothesis' defaults are wall-clock bounds (a 200 ms deadline per example, a health check
# that fails when generating examples is "too slow"): on a shared, busy machine they fail
# tests for the machine's load, not for followup. A test's own settings still win.
settings.register_profile("followup", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("followup")


@contextmanager
def cpu_seconds() -> Iterator[Callable[[], float]]:
    """Time a block in CPU seconds, of this process and of the child processes it waited for.

    ``with cpu_seconds() as spent: ...`` then ``spent()``. A bound in CPU seconds measures
    the work followup does; wall-clock time also counts whatever else the machine is running.
    """

    def now() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    started = now()
    ended: list[float] = []
    try:
        yield lambda: (ended[0] if ended else now()) - started
    finally:
        ended.append(now())


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """``run('advise', 'file.yaml')`` → exit code, stdout, stderr of the real CLI."""

    def _run(*args: str) -> CliResult:
        code = run_guarded(cli, list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return _run


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


def situation(**fields: Any):
    """A ``Situation`` from keyword fields (nested dicts allowed), validated like a file."""
    return parse_situation(json.dumps(fields), "<test>.json")


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write dedented text to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def write_yaml(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- Audit (explain, why-not, decision records, replay) ------------------------------------

AUDIT_SOURCE = {"seed": "000", "items": ["T2"], "quote": "En testkilde"}


def audit_rule(rule_id: str, when: Any, then: dict[str, Any], priority: int = 0, because: str = "A test reason.") -> dict[str, Any]:
    """One rule as ruleset data, citing a test source."""
    return {"id": rule_id, "title": f"Title of {rule_id}", "when": when, "then": then, "because": because,
            "priority": priority, "source": AUDIT_SOURCE}


def write_overlay(folder: Path, layer: str, country: str, **sections: Any) -> Path:
    """An overlay ``layer`` for ``country`` extending the shipped base (rules, override, disable)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_yaml(folder, f"{layer}.yaml", {"ruleset": layer, "version": "1.0", "extends": "base",
                                                 "country": country, **sections})


# --- Robustness (cache isolation) -----------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _private_config(tmp_path_factory: pytest.TempPathFactory):
    """The personal-data key (audit/personal.py) of this test run only, never the user's."""
    previous = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    yield
    if previous is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = previous


@pytest.fixture(scope="session", autouse=True)
def _private_ruleset_cache(tmp_path_factory: pytest.TempPathFactory):
    """Every test, and every ``followup`` it starts, uses a ruleset cache of this test run only."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
