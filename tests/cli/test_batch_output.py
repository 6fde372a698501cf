"""``followup batch``'s output and standard streams: whatever ``-o`` names stays what it was,
a regular file is replaced whole (keeping its mode), and closed or full streams, or Ctrl-C,
give a plain message and a documented exit code."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from followup.base.errors import ExitCode

from conftest import EXAMPLES
from followup.base.output import write_bytes, writing
from followup.load.yamlio import load_document

ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (mknod)")


def examples_file(tmp_path: Path, times: int = 1) -> Path:
    lines = [json.dumps(load_document(p).data, ensure_ascii=False) for p in sorted(EXAMPLES.glob("*.yaml"))]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines * times) + "\n", encoding="utf-8")
    return source


def answers(text: str) -> list[str]:
    return [json.loads(line)["action"] for line in text.splitlines()]


def followup(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "followup", *args], capture_output=True, timeout=120, **kwargs)


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_symlink_stays_a_link_and_its_target_gets_the_output(run, tmp_path: Path) -> None:
    source = examples_file(tmp_path)
    target = tmp_path / "real.jsonl"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target.name)
    result = run("batch", str(source), "-o", str(link), "--no-explanation")
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == target.name
    assert len(answers(target.read_text(encoding="utf-8"))) == 13
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert no_temporary_files(tmp_path)


def test_an_existing_file_keeps_its_mode(run, tmp_path: Path) -> None:
    source = examples_file(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    assert run("batch", str(source), "-o", str(out), "--no-explanation").code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and len(answers(out.read_text(encoding="utf-8"))) == 13


def test_a_new_file_gets_the_mode_of_any_new_file(run, tmp_path: Path) -> None:
    source = examples_file(tmp_path)
    out = tmp_path / "out.jsonl"
    umask = os.umask(0o022)
    try:
        assert run("batch", str(source), "-o", str(out), "--no-explanation").code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_hard_link_is_not_broken(run, tmp_path: Path) -> None:
    source = examples_file(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("old content that is longer than nothing\n" * 1000, encoding="utf-8")
    other = tmp_path / "other-name.jsonl"
    os.link(out, other)
    assert run("batch", str(source), "-o", str(out), "--no-explanation").code == 0
    assert os.path.samefile(out, other)
    assert answers(other.read_text(encoding="utf-8")) == answers(out.read_text(encoding="utf-8"))
    assert len(answers(other.read_text(encoding="utf-8"))) == 13
    assert no_temporary_files(tmp_path)


def test_a_fifo_is_written_to_not_replaced(run, tmp_path: Path) -> None:
    source = examples_file(tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("batch", str(source), "-o", str(fifo), "--no-explanation")
    reader.join(timeout=60)
    assert result.code == 0, result.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO must stay a FIFO"
    assert len(answers(received[0].decode("utf-8"))) == 13
    assert no_temporary_files(tmp_path)


@ROOT_ONLY
def test_a_device_node_stays_a_device(run, tmp_path: Path) -> None:
    # Our own node for the null device, in a temporary folder: the real /dev is never touched.
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link = tmp_path / "stdout-like"
    link.symlink_to(node)  # as /dev/stdout is a link to what the output is
    for path in (node, link):
        result = run("batch", str(examples_file(tmp_path)), "-o", str(path), "--no-explanation")
        assert result.code == 0, result.err
        assert stat.S_ISCHR(os.stat(node).st_mode) and os.stat(node).st_rdev == os.makedev(1, 3)
    assert link.is_symlink() and no_temporary_files(tmp_path)


def test_dash_is_standard_output(tmp_path: Path) -> None:
    done = followup("batch", str(examples_file(tmp_path)), "-o", "-", "--no-explanation")
    assert done.returncode == 0, done.stderr
    assert len(answers(done.stdout.decode("utf-8"))) == 13


def test_a_folder_is_refused(run, tmp_path: Path) -> None:
    result = run("batch", str(examples_file(tmp_path)), "-o", str(tmp_path))
    assert result.code == 2 and "internal error" not in result.err


def test_a_path_in_a_missing_folder_is_refused_before_advising(run, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "out.jsonl"
    result = run("batch", str(examples_file(tmp_path)), "-o", str(out))
    assert result.code == 2 and f"error: {out}: cannot write: No such file or directory" in result.err
    assert result.out == ""


# --- closed and full standard streams ---------------------------------------------------------


def test_closed_standard_input(tmp_path: Path) -> None:
    done = subprocess.run(f'exec "{sys.executable}" -m followup batch - -o "{tmp_path / "out.jsonl"}" <&-',
                          shell=True, capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == "error: <stdin>: standard input is closed; give a file instead of '-'\n"
    assert not (tmp_path / "out.jsonl").exists()


def test_closed_standard_output(tmp_path: Path) -> None:
    done = subprocess.run(f'exec "{sys.executable}" -m followup batch "{examples_file(tmp_path)}" >&-',
                          shell=True, capture_output=False, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == ExitCode.OUTPUT  # not our bug (70), not bad input (2): the output failed
    assert done.stderr.decode() == "error: cannot write the output: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_device(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "followup", "batch", str(examples_file(tmp_path))],
                              stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == ExitCode.OUTPUT
    assert done.stderr.decode() == "error: <stdout>: cannot write the output: No space left on device\n"


@ROOT_ONLY
def test_output_file_on_a_full_device(run, tmp_path: Path) -> None:
    # A full device of our own (as /dev/full), never the real one: a writer that renames over
    # its target would turn the real /dev/full into a regular file.
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    result = run("batch", str(examples_file(tmp_path)), "-o", str(full))
    assert result.code == ExitCode.OUTPUT
    assert f"error: {full}: cannot write the output: No space left on device" in result.err
    assert stat.S_ISCHR(os.stat(full).st_mode) and no_temporary_files(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_error_on_a_full_device_keeps_the_exit_code(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "followup", "batch", str(examples_file(tmp_path)),
                               "-o", str(tmp_path / "out.jsonl")], stdout=subprocess.PIPE, stderr=full, timeout=120)
    assert done.returncode == 0
    assert len(answers((tmp_path / "out.jsonl").read_text(encoding="utf-8"))) == 13


# --- Ctrl-C ---------------------------------------------------------------------------------


@pytest.mark.parametrize("existing", [False, True], ids=["new output", "existing output"])
def test_ctrl_c_with_workers_says_interrupted_exits_130_and_leaves_no_partial_file(tmp_path: Path,
                                                                                 existing: bool) -> None:
    source = examples_file(tmp_path, times=400)  # 5,200 lines: many seconds of work
    out = tmp_path / "out.jsonl"
    if existing:
        out.write_text("the previous run\n", encoding="utf-8")
    # A session of its own, signalled as a terminal's Ctrl-C is: the whole process group.
    process = subprocess.Popen([sys.executable, "-m", "followup", "batch", str(source), "-o", str(out), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        if temps and temps[0].stat().st_size > 0:  # workers are advising and results are being written
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert err.decode() == "Interrupted.\n"
    assert no_temporary_files(tmp_path)
    if existing:
        assert out.read_text(encoding="utf-8") == "the previous run\n"
    else:
        assert not out.exists()


# --- base/output on its own (what 'followup done' will rewrite situation files with) ----------


def test_write_bytes_replaces_a_file_whole_keeping_its_mode(tmp_path: Path) -> None:
    situation = tmp_path / "me.yaml"
    situation.write_text("country: DK\n", encoding="utf-8")
    situation.chmod(0o600)
    write_bytes(situation, b"country: SE\n")
    assert situation.read_bytes() == b"country: SE\n" and stat.S_IMODE(situation.stat().st_mode) == 0o600
    assert no_temporary_files(tmp_path)


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    situation = tmp_path / "me.yaml"
    situation.write_text("country: DK\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with writing(situation) as out:
            out.write(b"country: S")
            raise KeyboardInterrupt
    assert situation.read_text(encoding="utf-8") == "country: DK\n" and no_temporary_files(tmp_path)
