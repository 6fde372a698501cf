"""What a situation file may be: a regular file, or standard input for '-'; nothing that can hang a run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from followup.base.errors import InputError
from followup.load.yamlio import MAX_BYTES, load_document

EXAMPLE = EXAMPLES / "dk-applied-email.yaml"
#: A refusal takes well under a second; a FIFO read used to block forever.
TIMEOUT = 60


def followup(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "followup", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, **kwargs)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("command", ["advise", "validate", "explain"])
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "me.yaml"
    os.mkfifo(fifo)
    done = followup(command, str(fifo))  # before the fix: blocked until the timeout
    assert done.returncode == 2
    assert f"error: {fifo}: is a FIFO (named pipe), not a regular file" in done.stderr


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a character device"), ("/dev/null", "a character device")])
def test_a_device_is_refused_without_reading_it(path: str, kind: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"no {path} here")
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert caught.value.format_message() == f"{path}: is {kind}, not a regular file; to read standard input, give '-'"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_document(tmp_path)
    assert "is a directory, not a regular file" in caught.value.format_message()


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "me.yaml").symlink_to(EXAMPLE)
    assert load_document(tmp_path / "me.yaml").data["country"] == "DK"


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes | None) -> None:
    monkeypatch.setattr(sys, "stdin", None if data is None else io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("command", ["advise", "explain"])
def test_dash_reads_the_situation_from_standard_input(run, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    expected = run(command, str(EXAMPLE)).out
    _stdin(monkeypatch, EXAMPLE.read_bytes())
    result = run(command, "-")
    assert result.code == 0 and result.out.splitlines()[0] == expected.splitlines()[0]


def test_dash_gives_the_same_json_advice_as_the_file(run, monkeypatch: pytest.MonkeyPatch) -> None:
    from_file = run("advise", str(EXAMPLE), "--format", "json").json()
    _stdin(monkeypatch, EXAMPLE.read_bytes())
    from_stdin = run("advise", "-", "--format", "json").json()
    for document in (from_file, from_stdin):
        document.pop("decision")
    assert from_stdin == from_file


def test_validate_dash_reads_a_situation_or_a_ruleset(run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, EXAMPLE.read_bytes())
    assert run("validate", "-").out == "<stdin>: valid situation\n"
    _stdin(monkeypatch, (ROOT / "rulesets" / "dk.yaml").read_bytes())
    assert run("validate", "-").out == "<stdin>: valid ruleset\n"


def test_errors_on_standard_input_name_it(run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"country: DK\nstage: sleeping\n")
    result = run("advise", "-")
    assert result.code == 2 and "error: <stdin>:2: stage: 'sleeping' is not one of" in result.err


def test_standard_input_is_bounded_like_a_file(run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"#" * (MAX_BYTES + 1))
    result = run("advise", "-")
    assert result.code == 2
    assert "error: <stdin>: standard input is larger than the limit of 1,000,000 bytes" in result.err


def test_closed_standard_input_is_bad_input(run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, None)
    result = run("advise", "-")
    assert result.code == 2 and "standard input is closed" in result.err
