"""The hostile-input corpus (``tests/hostile/``): every case is a file, run by one test.

A case is ``NAME.expect.yaml`` (the command line, the exit code, what stderr must say) and,
usually, its input ``NAME.<ext>`` (or a folder ``NAME/``) beside it; ``tests/hostile/README.md``
describes the format. Each case runs the real ``followup`` in a fresh process, in a working
folder of its own holding a copy of the input, and must exit as expected, say what is
expected, print no traceback and no "internal error", and leave that folder as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES

CORPUS = Path(__file__).resolve().parents[1] / "hostile"
SUFFIX = ".expect.yaml"
#: A case that needs longer than this hangs: it fails instead of stalling the run (a refusal
#: takes about 0.2 s, most of it starting Python).
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Case:
    """One corpus case: its expectation file, its input (if any) and what it expects."""

    name: str
    expect_file: Path
    input: Path | None
    args: list[str]
    exit: int
    stderr: list[str]
    stdout: str | None = None
    stdout_contains: list[str] = field(default_factory=list)
    stdin: str | None = None
    env: dict[str, str | None] = field(default_factory=dict)
    writes: bool = False
    timeout: float = DEFAULT_TIMEOUT


_KEYS = {"args", "exit", "stderr", "stdout", "stdout_contains", "stdin", "env", "writes", "timeout"}


def _fragments(value: Any, key: str, where: Path) -> list[str]:
    fragments = [value] if isinstance(value, str) else value
    if not isinstance(fragments, list) or not all(isinstance(f, str) and f for f in fragments):
        raise ValueError(f"{where}: '{key}' must be a non-empty string or a list of them")
    return fragments


def load_case(expect_file: Path) -> Case:
    """Read ``NAME.expect.yaml`` and find its input; a ``ValueError`` says what is wrong."""
    name = expect_file.name[: -len(SUFFIX)]
    if not name or "." in name:
        raise ValueError(f"{expect_file}: a case name has no dots (the input is NAME.<ext>)")
    spec = yaml.safe_load(expect_file.read_text(encoding="utf-8"))
    if not isinstance(spec, dict):
        raise ValueError(f"{expect_file}: must be a mapping")
    unknown = set(spec) - _KEYS
    missing = {"args", "exit", "stderr"} - set(spec)
    if unknown or missing:
        raise ValueError(f"{expect_file}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if not isinstance(spec["args"], list) or not spec["args"] or not all(isinstance(a, str) for a in spec["args"]):
        raise ValueError(f"{expect_file}: 'args' must be a list of strings (quote numbers and dates)")
    if not isinstance(spec["exit"], int) or isinstance(spec["exit"], bool):
        raise ValueError(f"{expect_file}: 'exit' must be an integer")
    env = spec.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) or v is None for v in env.values()):
        raise ValueError(f"{expect_file}: 'env' maps names to strings (or null, to unset one)")
    inputs = [p for p in CORPUS.iterdir() if p.name.split(".")[0] == name and p != expect_file]
    if len(inputs) > 1:
        raise ValueError(f"{expect_file}: several inputs {sorted(p.name for p in inputs)}; put them in a folder {name}/")
    stderr = _fragments(spec["stderr"], "stderr", expect_file)
    if spec["exit"] != 0 and not stderr:
        raise ValueError(f"{expect_file}: a case that fails must say what stderr tells the user")
    return Case(name=name, expect_file=expect_file, input=inputs[0] if inputs else None, args=spec["args"],
                exit=spec["exit"], stderr=stderr,
                stdout=spec.get("stdout"),
                stdout_contains=_fragments(spec["stdout_contains"], "stdout_contains", expect_file)
                if "stdout_contains" in spec else [],
                stdin=spec.get("stdin"), env=env, writes=bool(spec.get("writes", False)),
                timeout=float(spec.get("timeout", DEFAULT_TIMEOUT)))


def case_files() -> list[Path]:
    """Every ``*.expect.yaml`` of the corpus, in name order."""
    return sorted(CORPUS.glob("*" + SUFFIX))


def _snapshot(folder: Path) -> dict[str, str]:
    """Each path under ``folder`` and a digest of what it is (a link's target, a file's bytes)."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            out[relative] = "link " + os.readlink(path)
        elif path.is_file():
            out[relative] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[relative] = "dir" if path.is_dir() else "other"
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    # Only the known placeholders: braces elsewhere (JSON in a message) stay as they are.
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


@pytest.mark.parametrize("expect_file", case_files(), ids=lambda p: p.name[: -len(SUFFIX)])
def test_hostile_case(tmp_path: Path, expect_file: Path) -> None:
    case = load_case(expect_file)
    workdir = tmp_path / "work"
    workdir.mkdir()
    values = {"{dir}": str(workdir), "{examples}": str(EXAMPLES)}
    if case.input is not None:
        copy = workdir / case.input.name
        if case.input.is_dir() and not case.input.is_symlink():
            shutil.copytree(case.input, copy, symlinks=True)
        else:
            shutil.copy2(case.input, copy, follow_symlinks=False)
        values["{input}"] = str(copy)
    args = [_substitute(a, values) for a in case.args]
    env = {k: v for k, v in os.environ.items() if k != "FOLLOWUP_DEBUG"}  # which would show tracebacks
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = _substitute(value, values)
    stdin = Path(_substitute(case.stdin, values)).read_bytes() if case.stdin is not None else b""
    before = _snapshot(workdir)

    done = subprocess.run([sys.executable, "-m", "followup", *args], cwd=workdir, env=env, input=stdin,
                          capture_output=True, timeout=case.timeout)

    out = done.stdout.decode("utf-8", "backslashreplace")
    err = done.stderr.decode("utf-8", "backslashreplace")
    shown = f"followup {' '.join(args)}\nexit {done.returncode}\nstderr: {err[:2000]}\nstdout: {out[:2000]}"
    assert done.returncode == case.exit, shown
    for fragment in case.stderr:
        assert _substitute(fragment, values) in err, shown
    if case.stdout is not None:
        assert out == _substitute(case.stdout, values), shown
    for fragment in case.stdout_contains:
        assert _substitute(fragment, values) in out, shown
    assert "Traceback" not in out + err, shown
    assert "internal error" not in (out + err).lower(), shown
    if not case.writes:
        assert _snapshot(workdir) == before, "the command changed its working folder\n" + shown


def test_every_file_of_the_corpus_belongs_to_a_valid_case() -> None:
    cases = [load_case(path) for path in case_files()]  # raises on a malformed expectation
    used = {p.name for c in cases for p in (c.expect_file, c.input) if p is not None}
    strays = sorted(p.name for p in CORPUS.iterdir() if p.name not in used | {"README.md", ".gitattributes"})
    assert not strays, f"inputs without NAME{SUFFIX} (they would test nothing): {strays}"
    assert len(cases) >= 30, "the corpus lost its cases"
