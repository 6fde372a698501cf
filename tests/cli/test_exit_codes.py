"""One table of exit codes: ``ExitCode``, the README and ``--help`` agree, and every command keeps to it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import EXAMPLES, ROOT
from followup.base.errors import ExitCode
from followup.engine.engine import Engine

EXAMPLE = str(EXAMPLES / "dk-applied-email.yaml")


def readme_exit_codes() -> list[tuple[int, str]]:
    """The rows of the README's exit code table: (code, meaning)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- exit-codes -->\n\| code \| meaning \|\n\|---\|---\|\n((?:\|.*\|\n)+)", text)
    assert block, "README lost its marked exit code table"
    rows = [re.fullmatch(r"\| `(\d+)` \| (.*) \|", line) for line in block.group(1).splitlines()]
    assert all(rows), block.group(1)
    return [(int(row.group(1)), row.group(2)) for row in rows if row]


def test_the_readme_table_is_exit_code() -> None:
    assert readme_exit_codes() == [(int(code), code.meaning) for code in ExitCode]


def test_the_readme_no_longer_calls_1_an_internal_error() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`1` an internal error" not in text


def test_help_lists_every_exit_code(run) -> None:
    result = run("--help")
    assert result.code == ExitCode.OK
    help_text = " ".join(result.out.split())
    for code in ExitCode:
        assert f"{int(code)} {code.meaning}" in help_text


def test_codes_never_collide() -> None:
    assert len({int(code) for code in ExitCode}) == len(ExitCode)
    assert ExitCode.INTERNAL not in (ExitCode.FINDINGS, ExitCode.BAD_INPUT)


def _raise(error: BaseException) -> Any:
    def fired(self: Engine, situation: Any) -> Any:
        raise error
    return fired


def test_an_internal_error_exits_70_with_a_plain_message(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Engine, "advise", _raise(RuntimeError("boom")))
    result = run("advise", EXAMPLE)
    assert result.code == ExitCode.INTERNAL == 70
    assert result.err.startswith("internal error: RuntimeError: boom")
    assert "Traceback" not in result.err and result.out == ""


def test_ctrl_c_exits_130_saying_interrupted(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Engine, "advise", _raise(KeyboardInterrupt()))
    result = run("explain", EXAMPLE)
    assert result.code == ExitCode.INTERRUPTED == 130
    assert result.err.strip() == "Interrupted."


def test_a_wrong_option_is_bad_input(run) -> None:
    result = run("advise", EXAMPLE, "--format", "yaml")
    assert result.code == ExitCode.BAD_INPUT


def test_a_coverage_gap_is_a_finding_not_an_internal_error(run, tmp_path) -> None:
    (tmp_path / "catalogue.md").write_text(
        (ROOT / "rulesets" / "catalogue.md").read_text(encoding="utf-8")
        + "| M99 | 003 | content | Say thank you twice. | \"Tack\" |\n", encoding="utf-8")
    result = run("rules", "coverage", "--rules", str(tmp_path))
    assert result.code == ExitCode.FINDINGS == 1
