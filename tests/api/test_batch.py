"""``followup batch``: one output line per input line, in order; bad lines never stop the run."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from followup import batch as batching
import followup
from followup.load.yamlio import MAX_BYTES, load_document

PER_RUN = ("id", "timestamp")


def example_lines() -> list[str]:
    """The shipped examples, one JSON object per line (read as followup reads them: dates as text)."""
    return [json.dumps(load_document(path).data, ensure_ascii=False) for path in sorted(EXAMPLES.glob("*.yaml"))]


def without_per_run(line: str) -> dict[str, Any]:
    document = json.loads(line)
    for name in PER_RUN:
        document.get("decision", {}).pop(name, None)
    return document


BAD = {
    "empty line": ("", "empty line; each line must be one situation as a JSON object"),
    "not JSON": ("country: DK", "malformed JSON: Expecting value (column 1)"),
    "unknown field": ('{"country": "DK", "stage": "applied", "colour": "blue"}', "unknown field 'colour'"),
    "impossible date": ('{"country": "DK", "stage": "applied", "today": "2026-02-30"}', "is not a valid date"),
    "duplicate key": ('{"country": "DK", "stage": "applied", "stage": "applied"}', "duplicate key 'stage'"),
    "a list": ('["DK", "applied"]', "a situation must be a mapping"),
}


def test_every_line_gets_its_answer_in_order(run, tmp_path: Path) -> None:
    good = example_lines()
    lines = [good[0], BAD["empty line"][0], good[1], BAD["not JSON"][0], BAD["unknown field"][0], good[2],
             BAD["impossible date"][0], BAD["duplicate key"][0], BAD["a list"][0], good[3]]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("batch", str(source), "-o", str(out), "--trace", "full")
    assert result.code == 2
    assert result.err.strip() == "10 lines: 4 advised, 6 not (lines 2, 4, 5, 7, 8, 9)"
    written = out.read_text(encoding="utf-8").splitlines()
    assert len(written) == len(lines)
    examples = sorted(EXAMPLES.glob("*.yaml"))
    for number, (line, answer) in enumerate(zip(lines, written), start=1):
        if line in good:
            advise = run("advise", str(examples[good.index(line)]), "--format", "json")
            assert without_per_run(answer) == without_per_run(advise.out)
        else:
            error = json.loads(answer)["error"]
            message = next(m for text, m in BAD.values() if text == line)
            assert error["line"] == number and error["exit_code"] == 2
            assert message in " ".join(m["message"] for m in error["messages"])


def test_all_good_lines_exit_0_and_jobs_give_the_same_lines(run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(example_lines() * 40) + "\n", encoding="utf-8")
    serial = run("batch", str(source), "-o", str(tmp_path / "serial.jsonl"), "--no-explanation")
    parallel = run("batch", str(source), "-o", str(tmp_path / "parallel.jsonl"), "--no-explanation", "--jobs", "2")
    assert serial.code == parallel.code == 0
    first = (tmp_path / "serial.jsonl").read_text(encoding="utf-8").splitlines()
    second = (tmp_path / "parallel.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(first) == 40 * len(example_lines()) and [without_per_run(l) for l in first] == [without_per_run(l) for l in second]
    assert "explanation" not in json.loads(first[0]) and "decision" in json.loads(first[0])


def test_stdin_to_stdout_with_today_for_every_line(tmp_path: Path) -> None:
    data = load_document(EXAMPLES / "dk-applied-email.yaml").data
    lines = "".join(json.dumps({**data, "today": f"2026-11-{day}"}) + "\n" for day in (21, 22, 23))
    done = subprocess.run([sys.executable, "-m", "followup", "batch", "-", "--today", "2026-11-25", "--no-explanation"],
                          input=lines.encode(), capture_output=True)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [a["today"] for a in answers] == ["2026-11-25"] * 3
    assert done.stderr.decode() == "3 lines: 3 advised\n"  # no progress bar: stderr is not a terminal


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_progress_bar_only_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(example_lines()) + "\n", encoding="utf-8")
    terminal, other_end = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "followup", "batch", str(source), "-o", str(tmp_path / "out.jsonl"),
                               "--no-explanation"], stdout=subprocess.DEVNULL, stderr=other_end, timeout=120)
        shown = os.read(terminal, 1 << 16).decode(errors="replace")
    finally:
        os.close(other_end)
        os.close(terminal)
    assert done.returncode == 0
    assert "advising" in shown and f"{len(example_lines())} lines:" in shown


def test_a_line_too_long_is_refused_and_the_next_one_still_advised(tmp_path: Path) -> None:
    good = example_lines()[0].encode()
    stream = io.BytesIO(b'{"notes": "' + b"x" * (MAX_BYTES + 10) + b'"}\n' + good + b"\n")
    written: list[bytes] = []
    tally = batching.run(batching.Job("in.jsonl", None, ()), batching.read_lines(stream), written.append)
    assert tally.exit_code == 2 and tally.advised == 1 and tally.bad == {2: [1]}
    assert "line is longer than the limit of 1,000,000 bytes" in written[0].decode()
    assert json.loads(written[1])["action"]


def test_bytes_that_are_not_utf8_are_refused_per_line(tmp_path: Path) -> None:
    raw = b'{"country": "DK", "stage": "applied", "position": "K\xf8ge"}'
    written: list[bytes] = []
    batching.run(batching.Job("in.jsonl", None, ()), batching.read_lines(io.BytesIO(raw + b"\n")), written.append)
    assert f"not valid UTF-8 (byte 0xf8 at column {raw.index(0xf8) + 1})" in written[0].decode()


def test_an_internal_error_on_one_line_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = followup.Rules()
    original = rules.advice
    calls = []

    def flaky(situation: Any) -> Any:
        calls.append(situation)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return original(situation)

    monkeypatch.setattr(rules, "advice", flaky)
    lines = [(n, line.encode()) for n, line in enumerate(example_lines()[:3], start=1)]
    written: list[bytes] = []
    tally = batching.run(batching.Job("in.jsonl", None, (), False), iter(lines), written.append, rules=rules)
    assert tally.exit_code == 70 and tally.advised == 2 and tally.bad == {70: [2]}  # ExitCode.INTERNAL
    assert json.loads(written[1])["error"] == {"exit_code": 70, "line": 2, "messages": [
        {"field": None, "line": 2, "message": "internal error: RuntimeError: boom"}]}


def test_bad_rules_stop_before_any_output_is_written(run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(example_lines()[0] + "\n", encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("ruleset: [\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("batch", str(source), "-o", str(out), "--rules", str(rules))
    assert result.code == 2 and "malformed YAML" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "rules"]  # no output, no temporary file


def test_a_missing_input_file(run, tmp_path: Path) -> None:
    result = run("batch", str(tmp_path / "nope.jsonl"))
    assert result.code == 2 and "nope.jsonl: no such file" in result.err


def _peak_bytes(lines: int) -> int:
    line = example_lines()[0].encode()
    stream = io.BytesIO((line + b"\n") * lines)
    tracemalloc.start()
    try:
        batching.run(batching.Job("in.jsonl", None, (), False), batching.read_lines(stream), lambda text: None,
                     rules=RULES)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


RULES = followup.Rules()


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_lines() -> None:
    _peak_bytes(64)  # warm up: holiday tables, registration
    small, large = _peak_bytes(128), _peak_bytes(1024)
    assert large < small * 1.5 + 256 * 1024, (small, large)
