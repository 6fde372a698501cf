"""The README's commands are the ones CI runs, and they work from a fresh install."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- commands -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "README lost its marked block of commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_ci_runs_exactly_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = readme_commands()
    assert len(commands) == 2
    for command in commands:
        assert command in ci, f"README command not run by .ci/run: {command}"


def test_installed_command_works_from_another_directory(tmp_path: Path) -> None:
    # The console script when installed (CI), else the module (a source checkout on PYTHONPATH).
    command = [shutil.which("followup")] if shutil.which("followup") else [sys.executable, "-m", "followup"]
    example = ROOT / "examples" / "dk-applied-email.yaml"
    done = subprocess.run([*command, "advise", str(example), "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"channel": "email"' in done.stdout


def test_readme_example_verdict_is_what_the_tool_says(run) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example-advice -->\s*```text\n(.*?)```", text, re.S)
    assert block, "README lost its example advice"
    result = run("advise", str(ROOT / "examples" / "dk-applied-email.yaml"))
    assert result.code == 0
    shown = block.group(1).strip().splitlines()
    assert result.out.splitlines()[: len(shown)] == shown


def test_readme_python_example_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- python-example -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README lost its Python example"
    code = block.group(1)
    for name in ("a", "b"):  # the files the example advises on, one of them broken
        (tmp_path / f"{name}.yaml").write_text("country: DK\nstage: applied\n" if name == "a" else "country: DK\n",
                                                encoding="utf-8")
    (tmp_path / "my-rules").mkdir()
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    promised = [line.split("# ", 1)[1].strip() for line in code.splitlines() if line.startswith("print(decision.")]
    assert lines[: len(promised)] == promised
    # a.yaml: advised; with no e-mail address given, the way to reach them is the main number (C12)
    assert lines[-2].startswith("Call the company's main number")
    assert "'stage' is required" in lines[-1] and ", 1, " in lines[-1]  # b.yaml: refused, at its line
