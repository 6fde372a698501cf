"""Advice for many situations: JSON Lines in, JSON Lines out, in input order.

Each input line is one situation as a JSON object; each output line is, for the same line,
either the advice document (``render.advice_document``, what ``advise --format json``
prints, on one line: ``render.to_json_line``) or an error record::

    {"error": {"exit_code": 2, "line": 17, "messages": [{"field": "stage", "line": 17, "message": "..."}]}}

A bad line never stops the run. Lines are read, advised and written one chunk at a time, so
memory does not grow with the file; with ``jobs > 1`` chunks go to worker processes (the C
core of durable_rules holds the GIL, so threads would not help), at most ``IN_FLIGHT`` per
worker at a time, and results are written in input order. Every input line gives exactly one
output line, blank ones included (an error record), so line N of the output answers line N
of the input.
"""

from __future__ import annotations

import gc
import os
import signal
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from followup.base.errors import EngineError, ExitCode, FollowupError, InputError, InputErrors
from followup.render.encode import advice_line
from followup.render.text import to_json_line
from followup.load.situation import situation_from_document
from followup.load.lines import Line, read_lines  # noqa: F401 - read_lines: how callers read the input
from followup.load.yamlio import MAX_BYTES, json_line_document
from followup.api import Rules

if TYPE_CHECKING:
    from concurrent.futures import Future

#: Lines sent to a worker at once, and chunks in flight per worker.
CHUNK = 64
IN_FLIGHT = 4

Result = tuple[int, bytes]  # (exit code of the line, output JSON line as UTF-8)


@dataclass
class Tally:
    """What a run did: lines advised, and the line numbers of bad ones by exit code."""

    advised: int = 0
    bad: dict[int, list[int]] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return self.advised + sum(len(v) for v in self.bad.values())

    @property
    def exit_code(self) -> int:
        """``INTERNAL`` if any line met an internal error, else ``BAD_INPUT`` if any line was bad, else ``OK``."""
        return ExitCode.of_many(self.bad)

    def add(self, number: int, code: int) -> None:
        if code == 0:
            self.advised += 1
        else:
            self.bad.setdefault(code, []).append(number)

    def summary(self) -> str:
        """``1,000 lines: 998 advised, 2 bad (lines 17, 503)``."""
        text = f"{self.lines:,} lines: {self.advised:,} advised"
        wrong = sorted(n for numbers in self.bad.values() for n in numbers)
        if wrong:
            shown = ", ".join(str(n) for n in wrong[:10]) + (", ..." if len(wrong) > 10 else "")
            text += f", {len(wrong):,} not (line{'s' if len(wrong) > 1 else ''} {shown})"
        return text


@dataclass(frozen=True)
class Job:
    """What every worker needs to advise a line the way the parent would."""

    name: str
    today: date | None
    rules_dirs: tuple[str, ...]
    explanation: bool = True
    #: ``full``, ``compact`` or ``none`` (``audit/compact.py`` ``TRACES``); None: as ``explanation`` says.
    trace: str | None = None


def advise_line(rules: Rules, job: Job, number: int, raw: bytes) -> Result:
    """The output line for input line ``number``, and its ``ExitCode`` (advised, bad input, or ours)."""
    try:
        if len(raw) > MAX_BYTES:
            raise InputError(f"line is longer than the limit of {MAX_BYTES:,} bytes")
        text = _text(raw)
        if not text.strip():
            raise InputError("empty line; each line must be one situation as a JSON object")
        situation = situation_from_document(json_line_document(text, job.name, number), job.today)
        advice = rules.advice(situation)
        return 0, advice_line(advice, explanation=job.explanation, trace=job.trace)
    except FollowupError as exc:
        return exc.exit_code, _error_line(number, exc)
    except Exception as exc:  # a bug of ours must not stop the other lines
        return ExitCode.INTERNAL, _error_line(number, FollowupError(f"internal error: {type(exc).__name__}: {exc}"))


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None


def _error_line(number: int, exc: FollowupError) -> bytes:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    messages = [{"field": e.location.field, "line": e.location.line or number, "message": e.message}
                for e in errors]
    return to_json_line({"error": {"exit_code": exc.exit_code, "line": number, "messages": messages}}).encode("utf-8")


# --- running -----------------------------------------------------------------------------------


def run(job: Job, lines: Iterable[Line], write: Callable[[bytes], None], jobs: int = 1,
        rules: Rules | None = None, progress: Callable[[int], None] = lambda n: None, settle: bool = False) -> Tally:
    """Advise every line, writing each result (a JSON line as UTF-8, no line break) in input order;
    ``progress(n)`` after each chunk.

    ``settle``: this process does nothing else (the ``followup batch`` command), so what it
    holds after the first chunk (the compiled rules) is moved out of the garbage collector's
    way (``gc.freeze``). Worker processes always do so.
    """
    tally = Tally()
    results = _serial(job, lines, rules or Rules(job.rules_dirs), settle) if jobs <= 1 else _parallel(job, lines, jobs)
    for chunk in results:
        for number, (code, text) in chunk:
            tally.add(number, code)
            write(text)
        progress(len(chunk))
    return tally


def _chunks(lines: Iterable[Line]) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _serial(job: Job, lines: Iterable[Line], rules: Rules, settle: bool) -> Iterator[list[tuple[int, Result]]]:
    for number, chunk in enumerate(_chunks(lines)):
        yield [(n, advise_line(rules, job, n, raw)) for n, raw in chunk]
        if settle and number == 0:
            _settle()


def _settle() -> None:
    """Everything alive now out of the collector's way for good: the rules compiled for the
    first chunk, the templates, the imports. A full collection would walk them all again and
    again (a tenth of a batch line's time) and never free any of them."""
    gc.freeze()


def _parallel(job: Job, lines: Iterable[Line], jobs: int) -> Iterator[list[tuple[int, Result]]]:
    """Chunks advised by ``jobs`` processes, yielded in input order, ``IN_FLIGHT`` per worker at most.

    Ctrl-C reaches the whole process group; the workers ignore it (``_start_worker``) and the
    parent alone stops: the chunks not yet started are cancelled, and it waits only for the
    ones the workers are in.
    """
    import multiprocessing  # only here: importing it costs every other command 25 ms
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(job,))
    try:
        pending: deque[tuple[list[Line], Future[list[tuple[int, Result]]]]] = deque()
        for chunk in _chunks(lines):
            with _sigint_blocked():  # workers start in submit: none may see a Ctrl-C before it ignores it
                pending.append((chunk, pool.submit(_advise_chunk, chunk)))
            if len(pending) >= jobs * IN_FLIGHT:
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
    except BaseException:  # Ctrl-C, a failed write, or the caller closing us (GeneratorExit)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back while worker processes are made: a child inherits the mask and
    unblocks it only once it ignores the signal; the parent gets a Ctrl-C after the block."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _result(chunk: list[Line], future: Future[list[tuple[int, Result]]]) -> list[tuple[int, Result]]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise EngineError(f"a worker process died while advising lines {chunk[0][0]}-{chunk[-1][0]}") from None


_worker: tuple[Job, Rules] | None = None


def _start_worker(job: Job) -> None:
    global _worker
    # Ctrl-C is the parent's to handle: a worker that raised KeyboardInterrupt would print its
    # traceback and break the pool. Ignored first, then unblocked (see ``_sigint_blocked``).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker = (job, Rules(job.rules_dirs))


def _advise_chunk(chunk: list[Line]) -> list[tuple[int, Result]]:
    assert _worker is not None, "worker not started"
    job, rules = _worker
    done = [(n, advise_line(rules, job, n, raw)) for n, raw in chunk]
    if not gc.get_freeze_count():  # a worker does nothing else: what its first chunk compiled stays
        _settle()
    return done


def default_jobs(jobs: int) -> int:
    """``0`` means one worker per CPU this process may use."""
    if jobs:
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def count_lines(path: str) -> int | None:
    """Lines in a regular input file (for a progress bar); None for a pipe or stdin."""
    if path == "-":
        return None
    try:
        with open(path, "rb") as handle:
            if not os.path.isfile(path):
                return None
            count, last = 0, b"\n"
            while block := handle.read(1 << 20):
                count += block.count(b"\n")
                last = block[-1:]
            return count + (last != b"\n")
    except OSError:
        return None
