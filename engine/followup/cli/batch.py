"""``followup batch``: advice for every situation of a JSON Lines file, in input order."""

from __future__ import annotations

import codecs
import sys
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Callable, Iterator

import click

from followup import batch as batching
from followup.api import Rules
from followup.audit.compact import TRACES
from followup.base.errors import ExitCode, InputError, Location
from followup.base.output import Output, writing
from followup.base.words import encodable_json
from followup.cli.common import STDIN, STDIN_NAME, as_date, rules_option, say, stdin_bytes, today_option


@click.command()
@click.argument("input_file", metavar="IN.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", metavar="OUT.jsonl", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="Where to write one advice (or error record) per input line.")
@click.option("-j", "--jobs", type=click.IntRange(0, 256), default=1, show_default=True,
              help="Worker processes; 0 = one per CPU.")
@click.option("--trace", "trace", type=click.Choice(TRACES), default=None,
              help="The trace on each line: compact (the default: what the situation decided, about 5 KB a "
                   "line with the shipped rules; the ruleset holds the rest), full (every rule, condition by "
                   "condition, about 70 KB) or none.")
@click.option("--explanation/--no-explanation", default=None,
              help="--explanation is --trace full, --no-explanation --trace none.")
@today_option
@rules_option
def batch(input_file: str, output: str, jobs: int, trace: str | None, explanation: bool | None, today: datetime | None,
          rules_dirs: tuple[str, ...]) -> None:
    """Advise on every situation in IN.jsonl (one JSON object per line, '-' for stdin).

    Each output line is the advice document for the same input line (as 'advise --format
    json' prints it, on one line), or {"error": {...}} naming the line and what is wrong with
    it. A bad line never stops the run. OUT.jsonl appears whole when the run is complete (a
    symlink is followed, a FIFO or device written directly). Exits 0 if every line was
    advised, 2 if any line was bad input or the input cannot be read, 70 if any line met an
    internal error, 74 if the output cannot be written, 130 if interrupted (Ctrl-C; OUT.jsonl
    is left as it was).
    """
    try:
        rules = Rules(rules_dirs)  # bad rules stop here, before any output is written
        form = trace or {True: "full", False: "none", None: "compact"}[explanation]
        job = batching.Job(_display_name(input_file), as_date(today), rules_dirs, form != "none", form)
        with _input(input_file) as stream, writing(output) as out, _progress(input_file) as progress:
            lines = _reading(batching.read_lines(stream), job.name)
            tally = batching.run(job, lines, _line_writer(out, output), batching.default_jobs(jobs), rules, progress,
                                 settle=True)
    except KeyboardInterrupt:
        # Here, not in click's handler, which would say "Aborted." and exit 1: the output
        # file was left as it was on the way out of ``writing``.
        say("Interrupted.")
        sys.exit(ExitCode.INTERRUPTED)
    say(tally.summary())
    if tally.exit_code:
        sys.exit(tally.exit_code)  # SystemExit: run_guarded turns it into the exit code


def _line_writer(out: Output, output: str) -> Callable[[bytes], None]:
    """Write one JSON line: UTF-8 to a file; to a terminal in its own encoding, escaped where it lacks a character."""
    encoding = getattr(sys.stdout, "encoding", None) if output == "-" else "utf-8"
    if _is_utf8(encoding):  # the lines are UTF-8 already
        return lambda line: out.write(line + b"\n")
    return lambda line: out.write(encodable_json(line.decode("utf-8"), encoding).encode(encoding or "utf-8") + b"\n")


def _is_utf8(encoding: str | None) -> bool:
    return not encoding or codecs.lookup(encoding).name == "utf-8"


def _display_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


@contextmanager
def _input(path: str) -> Iterator[IO[bytes]]:
    if path == STDIN:
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


def _reading(lines: Iterator[batching.Line], name: str) -> Iterator[batching.Line]:
    """The input's lines; a read that fails (a folder as stdin, an I/O error) is bad input."""
    try:
        yield from lines
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Location(name)) from None


@contextmanager
def _progress(input_file: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal and the number of lines is known.

    The lines are counted only for a terminal: counting reads the whole input once more,
    which a run into a pipe or a log (the usual batch) would pay for a bar it never shows.
    """
    if sys.stderr is None or not sys.stderr.isatty():
        yield lambda n: None
        return
    total = batching.count_lines(input_file)
    if total is None:
        yield lambda n: None
        return
    with click.progressbar(length=total, label="advising", file=sys.stderr) as bar:
        yield bar.update
