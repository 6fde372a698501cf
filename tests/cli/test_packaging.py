"""The lowest versions CI installs are exactly the lower bounds that ``pyproject.toml`` states.

``.ci/run`` installs ``constraints/lowest.txt`` into a venv of its own and runs a selection
of the suite there (``COMPAT_TESTS``: the modules that call each dependency): a lower bound is a promise that this release works, and only a bound
that is tested keeps it. The two files must not drift apart.
"""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

#: ``name>=1.2`` or ``name==1.2``: what a bound of ours looks like, optionally limited to some
#: platforms by an environment marker (``; sys_platform != 'win32'``), whose bound is pinned
#: all the same. Anything else (no bound, an extra, an upper bound) fails here, to be looked
#: at before it is allowed.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(>=|==)\s*([0-9][0-9A-Za-z.]*)\s*(?:;\s*\S.*)?$")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bounds() -> dict[str, str]:
    """Each dependency of the project and its test extra, with the lowest version allowed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # The bench extra (bench/peers.py's peers) is not installed by CI, so it has no lowest run.
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    bounds: dict[str, str] = {}
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement)
        assert match, f"pyproject.toml: {requirement!r} has no single lower bound (>= or ==) to test"
        bounds[_normalized(match.group(1))] = match.group(3)
    return bounds


def pinned() -> dict[str, str]:
    """What ``constraints/lowest.txt`` pins, by name."""
    pins: dict[str, str] = {}
    for number, line in enumerate((ROOT / "constraints" / "lowest.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _REQUIREMENT.match(line)
        assert match and match.group(2) == "==", f"constraints/lowest.txt:{number}: not 'name==version': {line!r}"
        name = _normalized(match.group(1))
        assert name not in pins, f"constraints/lowest.txt:{number}: {name} pinned twice"
        pins[name] = match.group(3)
    return pins


def test_the_constraints_pin_exactly_the_lower_bound_of_every_dependency() -> None:
    assert pinned() == lower_bounds()


def test_ci_runs_the_suite_against_the_constraints() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-c constraints/lowest.txt" in ci
