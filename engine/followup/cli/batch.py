"""``followup batch``: advice for every situation of a JSON Lines file, in input order."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Callable, Iterator

import click

from followup import batch as batching
from followup.engine.engine import Engine
from followup.base.errors import InputError, Location
from followup.base.words import encodable_json
from followup.cli.common import as_date, output_error, rules_option, say, stdin_bytes, stdout_text, today_option


@click.command()
@click.argument("input_file", metavar="IN.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", metavar="OUT.jsonl", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="Where to write one advice (or error record) per input line.")
@click.option("-j", "--jobs", type=click.IntRange(0, 256), default=1, show_default=True,
              help="Worker processes; 0 = one per CPU.")
@click.option("--explanation/--no-explanation", default=True, show_default=True,
              help="Include the full trace of every rule (about 60 KB per line with the shipped rules).")
@today_option
@rules_option
def batch(input_file: str, output: str, jobs: int, explanation: bool, today: datetime | None,
          rules_dirs: tuple[str, ...]) -> None:
    """Advise on every situation in IN.jsonl (one JSON object per line, '-' for stdin).

    Each output line is the advice document for the same input line (as 'advise --format
    json' prints it, on one line), or {"error": {...}} naming the line and what is wrong with
    it. A bad line never stops the run. Exits 0 if every line was advised, 2 if any line was
    bad input, 70 if any line met an internal error.
    """
    engine = Engine(rules_dirs)  # bad rules stop here, before any output is written
    job = batching.Job(_display_name(input_file), as_date(today), rules_dirs, explanation)
    total = batching.count_lines(input_file)
    try:
        with _input(input_file) as stream, _output(output) as write, _progress(total) as progress:
            tally = batching.run(job, batching.read_lines(stream), write, batching.default_jobs(jobs), engine, progress)
    except OSError as exc:  # the output cannot be written (full, gone): 74, quietly for a reader gone (| head)
        raise output_error(exc, output) from None
    say(tally.summary())
    if tally.exit_code:
        sys.exit(tally.exit_code)  # SystemExit: run_guarded turns it into the exit code


def _display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


@contextmanager
def _input(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield stdin_bytes()
        return
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise InputError("no such file", Location(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(path)) from None
    with handle:
        yield handle


@contextmanager
def _output(path: str) -> Iterator[Callable[[str], None]]:
    """A line writer; a file is written under a temporary name and renamed when the run is complete."""
    if path == "-":
        out = stdout_text()
        encoding = getattr(out, "encoding", None)
        yield lambda line: out.write(encodable_json(line, encoding) + "\n")
        out.flush()
        return
    target = Path(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", Location(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield lambda line: handle.write(line + "\n")
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


@contextmanager
def _progress(total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal and the number of lines is known."""
    if total is None or sys.stderr is None or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=total, label="advising", file=sys.stderr) as bar:
        yield bar.update
