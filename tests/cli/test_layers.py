"""The package's layout is the pipeline: each stage imports only the stages before it.

base → load → rules → engine → audit → render → the API (api, batch, ...) → authoring → serve → cli.
A module may import its own stage and the stages before it, never one after; and no module
imports followup code inside a function, where a cycle could hide. The authoring tools (lint,
rule tests) come after the API because they are its users, as the CLI is: they advise through
``followup.Rules``, never by building the engine themselves.
"""

from __future__ import annotations

import ast
from pathlib import Path

import followup

PACKAGE = Path(followup.__file__).resolve().parent
ORDER = ("base", "load", "rules", "engine", "audit", "render", "api", "authoring", "serve", "cli")
#: Top-level modules and the stage each belongs to.
TOP = {"__init__": "api", "__main__": "cli", "api": "api", "batch": "api", "plan": "api", "done": "api", "agenda": "api"}


def stage_of(module: str) -> str:
    """The stage of ``followup.x.y`` (``x`` for a subpackage, from ``TOP`` for a module)."""
    parts = module.split(".")[1:]
    if not parts:
        return "api"
    return parts[0] if parts[0] in ORDER else TOP[parts[0]]


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("followup", *rel))
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """Every followup module imported by ``path``: (module, line, inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                if base == "followup":  # ``from followup import x``: what is x?
                    found.extend((_package_name(a.name), child.lineno, inner) for a in child.names)
                elif base.startswith("followup."):
                    found.append((base, child.lineno, inner))
            elif isinstance(child, ast.Import):
                names = [a.name for a in child.names if a.name.split(".")[0] == "followup"]
                found.extend((name, child.lineno, inner) for name in names)
            visit(child, inner)

    visit(tree, False)
    return found


def _package_name(name: str) -> str:
    """The module ``from followup import name`` takes ``name`` from: a submodule, the package
    itself for ``__version__`` (a constant that needs no stage), else the API it re-exports."""
    if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file():
        return f"followup.{name}"
    return "followup" if name == "__version__" else "followup.api"


def test_every_stage_imports_only_the_stages_before_it() -> None:
    wrong = []
    for module, path in modules().items():
        own = ORDER.index(stage_of(module))
        for imported, line, _ in imports(path, module):
            if imported == "followup":
                continue  # ``from followup import __version__``, ``import followup``
            if ORDER.index(stage_of(imported)) > own:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line}: {stage_of(module)} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_no_followup_import_is_hidden_in_a_function() -> None:
    hidden = [f"{path.relative_to(PACKAGE)}:{line}: {imported}"
              for module, path in modules().items()
              for imported, line, nested in imports(path, module) if nested]
    assert not hidden, "\n".join(hidden)


def test_the_check_sees_the_whole_package() -> None:
    # The graph is read from the installed files: a layout the check cannot see would pass it.
    found = modules()
    assert {stage_of(m) for m in found} >= set(ORDER) - {"api"} and len(found) > 30
    assert any(imports(p, m) for m, p in found.items())
