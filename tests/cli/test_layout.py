"""The tests' own layout: one folder per stage, shared builders in conftest.py, no test imports another.

Test modules sit in ``tests/<stage>/`` without ``__init__.py``: pytest's default (prepend)
import mode puts each test's folder, and conftest.py's, on ``sys.path`` and imports the
module by its file name, so names must be unique across folders, and what tests share lives
in ``tests/conftest.py``, imported as ``from conftest import ...``.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import conftest

TESTS = Path(__file__).resolve().parents[1]
STAGES = {"load", "rules", "engine", "audit", "render", "authoring", "api", "serve", "cli"}


def module_files() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def imported(path: Path) -> set[str]:
    """The top-level names of the modules ``path`` imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add(".")  # a relative import: tests are no package
    return names


def test_no_test_module_imports_another() -> None:
    modules = {path.stem for path in module_files()}
    offenders = {f"{path.relative_to(TESTS)} imports {', '.join(sorted(found))}"
                 for path in module_files() if (found := imported(path) & (modules | {"."}))}
    offenders |= {f"{path.relative_to(TESTS)} imports tests.*" for path in TESTS.rglob("*.py") if "tests" in imported(path)}
    assert not offenders, "put what tests share in tests/conftest.py: " + "; ".join(sorted(offenders))
    assert not imported(TESTS / "conftest.py") & modules, "conftest.py imports a test module"


def test_every_test_module_is_in_a_stage_folder() -> None:
    misplaced = [str(p.relative_to(TESTS)) for p in module_files() if p.parent.parent != TESTS or p.parent.name not in STAGES]
    assert not misplaced, f"test modules outside tests/<stage>/ ({', '.join(sorted(STAGES))}): {misplaced}"
    assert not list(TESTS.rglob("__init__.py")), "the test folders are no packages (pytest's prepend import mode)"


def test_module_names_are_unique_across_folders() -> None:
    twice = [name for name, count in Counter(p.name for p in module_files()).items() if count > 1]
    assert not twice, f"test modules of the same name in two folders (pytest imports them by name): {twice}"


def test_conftest_is_the_one_at_the_top_of_tests() -> None:
    assert Path(conftest.__file__).resolve() == TESTS / "conftest.py"
    assert [p.relative_to(TESTS) for p in TESTS.rglob("conftest.py")] == [Path("conftest.py")]
