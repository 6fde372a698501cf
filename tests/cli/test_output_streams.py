"""Output that cannot be written as it is: another encoding, a full disk, a closed stream, a reader gone."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from followup.base.errors import ExitCode

#: Danish letters in the situation (Bageriet Ø) and in every quoted source (æ, ø, å).
DANISH = str(EXAMPLES / "dk-handed-in-person.yaml")
TIMEOUT = 60


def followup(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess[bytes]:
    kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "followup", *args], env={**os.environ, **(env or {})},
                          timeout=TIMEOUT, **kwargs)


def _without_decision(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "decision"}


# --- Encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("args", [("advise",), ("explain",), ("explain", "--format", "markdown")])
def test_text_in_another_encoding_degrades_and_never_crashes(encoding: str, args: tuple[str, ...]) -> None:
    done = followup(*args, DANISH, env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    text = done.stdout.decode(encoding)  # written in the encoding asked for, not UTF-8 behind its back
    assert "Bageriet" in text
    if encoding == "ascii":
        assert "Bageriet OE" in text  # Ø spelled as Danes write it without the letter


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_in_another_encoding_is_escaped_so_no_data_is_lost(encoding: str) -> None:
    utf8 = followup("advise", DANISH, "--format", "json", env={"PYTHONIOENCODING": "utf-8"})
    other = followup("advise", DANISH, "--format", "json", env={"PYTHONIOENCODING": encoding})
    assert other.returncode == 0, other.stderr.decode(errors="replace")
    assert _without_decision(json.loads(other.stdout.decode(encoding))) == _without_decision(json.loads(utf8.stdout))


def test_batch_in_ascii_escapes_its_json_lines() -> None:
    line = json.dumps({"country": "DK", "stage": "applied", "today": "2026-11-21", "employer": {"name": "Bageriet Ø"}})
    done = followup("batch", "-", "--no-explanation", input=line.encode() + b"\n", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert "Bageriet \u00d8" in json.loads(done.stdout.decode("ascii"))["verdict"]


def test_an_error_message_in_ascii_is_ascii(tmp_path: Path) -> None:
    done = followup("advise", str(tmp_path / "ansøgning.yaml"), env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 2
    assert done.stderr.decode("ascii").startswith("error: ") and "ansoegning.yaml: no such file" in done.stderr.decode()


# --- A reader that went away, a closed or full output -------------------------------------------

COMMANDS = [("advise", DANISH), ("explain", DANISH), ("validate", DANISH), ("advise", DANISH, "--format", "json")]


def _name(args: tuple[str, ...]) -> str:
    return " ".join(Path(arg).name for arg in args)


@pytest.mark.parametrize("args", COMMANDS, ids=_name)
def test_a_reader_that_went_away_ends_the_run_quietly(args: tuple[str, ...]) -> None:
    read, write = os.pipe()
    os.close(read)  # as '| head' does once it has its lines
    try:
        done = followup(*args, stdout=write, stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(write)
    assert done.returncode == ExitCode.OUTPUT
    assert done.stderr == b""  # no traceback, no "Exception ignored", no message


@pytest.mark.parametrize("args", COMMANDS, ids=_name)
def test_a_closed_standard_output_is_said_plainly(args: tuple[str, ...]) -> None:
    done = followup(*args, stdout=None, stderr=subprocess.PIPE, capture_output=False, preexec_fn=lambda: os.close(1))
    assert done.returncode == ExitCode.OUTPUT
    assert done.stderr.decode() == "error: cannot write the output: standard output is closed\n"


class _Full(io.StringIO):
    """Standard output on a full disk."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("args", COMMANDS, ids=_name)
def test_a_full_disk_is_said_plainly(run, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    monkeypatch.setattr(sys, "stdout", _Full())
    result = run(*args)
    assert result.code == ExitCode.OUTPUT
    assert result.err == "error: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode),
                    reason="no /dev/full device here")
def test_dev_full() -> None:
    with open("/dev/full", "wb") as full:
        done = followup("advise", DANISH, stdout=full, stderr=subprocess.PIPE, capture_output=False)
    assert done.returncode == ExitCode.OUTPUT
    assert done.stderr.decode() == "error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("flags, named", [(("--trace", "compact"), "--trace only changes"),
                                          (("--no-explanation",), "--no-explanation only changes")])
def test_a_trace_option_for_text_is_said_to_change_nothing_there(run, flags: tuple[str, ...], named: str) -> None:
    example = str(EXAMPLES / "dk-applied-email.yaml")
    result = run("advise", example, *flags)
    assert result.code == 0 and result.out == run("advise", example).out
    assert named in result.err and f"followup explain {example}" in result.err
    assert run("advise", example, "--format", "json", *flags).err == ""
