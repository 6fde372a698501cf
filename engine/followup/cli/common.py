"""What every command shares: options, standard input and output, error reporting and exit codes."""

from __future__ import annotations

import errno
import io
import re
import sys
from datetime import date, datetime, time
from typing import Any, BinaryIO, Callable, TextIO

import click

from followup.base.output import silence_stdout
from followup.base.errors import ExitCode, FollowupError, InputError, Location, OutputError, ReaderGone
from followup.base.words import encodable_json, register_transliteration, visible
from followup.load.dates import DATE_PATTERN, parse_date
from followup.load.yamlio import Document, load_document, parse_text, read_stream

RULES_OPTION_HELP = "A folder of your own rulesets; its layers win over the shipped ones of the same name. Repeatable."


def rules_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--rules DIR`` (repeatable)."""
    return click.option("--rules", "rules_dirs", multiple=True, metavar="DIR",
                        type=click.Path(file_okay=False), help=RULES_OPTION_HELP)(func)


class Day(click.ParamType):
    """A ``YYYY-MM-DD`` option, read with the grammar of dates in files (``load/dates.py``), so
    that ``--today 2026-02-30`` gets the same words as ``today: 2026-02-30`` would. Its value is
    a midnight ``datetime``, as ``click.DateTime`` gave (``as_date`` takes the day)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.combine(parse_date(str(value)), time())
        except ValueError as exc:
            self.fail(_day_problem(str(value), exc), param, ctx)


def _day_problem(text: str, exc: ValueError) -> str:
    shown = visible(text[:40])
    if re.fullmatch(DATE_PATTERN, text):  # the files' date shape, a day the calendar lacks
        return f"{shown!r} is not a day of the calendar ({exc}); write it as YYYY-MM-DD, e.g. 2026-11-21"
    return f"{shown!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-21"


#: What every date option reads.
DAY = Day()


def today_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--today YYYY-MM-DD``: advise as of that day (wins over the file's ``today``)."""
    return click.option("--today", type=DAY, default=None, metavar="YYYY-MM-DD",
                        help="Advise as of this day instead of the file's 'today' or the current date.")(func)


#: The file name that means standard input, as for ``batch``.
STDIN = "-"
STDIN_NAME = "<stdin>"


def read_document(file: str) -> Document:
    """The document in ``file``, or on standard input for ``-`` (bounded to the same 1 MB).

    Standard input is read as YAML, which JSON also is.
    """
    if file != STDIN:
        return load_document(file)
    return parse_text(read_stream(stdin_bytes(), STDIN_NAME, what="standard input"), STDIN_NAME)


def stdin_bytes() -> BinaryIO:
    """Standard input as bytes; an ``InputError`` if the process was started with it closed (``<&-``)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("standard input is closed; give a file instead of '-'", Location(STDIN_NAME))
    return stream


def as_date(value: datetime | None) -> date | None:
    """The date part of a ``--today`` value."""
    return value.date() if value else None


def fail(error: FollowupError) -> None:
    """Print an error the way every command does, and exit with its code."""
    say(error_text(error))
    sys.exit(error.exit_code)


def error_text(error: FollowupError) -> str:
    """``error: file:line: field: message``, one ``error:`` line per problem; nothing for a reader gone."""
    message = error.format_message()
    return f"error: {message}".replace("\n", "\nerror: ") if message else ""


# --- Standard streams ---------------------------------------------------------------------------

def emit(text: str = "", nl: bool = True, *, json_text: bool = False) -> None:
    """Write command output to standard output; a failure to write is an ``OutputError``.

    Written to ``sys.stdout`` itself, in its own encoding: click would swap an ASCII stream
    for UTF-8, which an ASCII terminal shows as garbage; ``prepare_streams`` lets it
    transliterate instead, and JSON (``json_text``) is escaped, which loses nothing.
    A reader that went away (``| head``) is ``ReaderGone``, quiet.
    """
    stream = sys.stdout
    if stream is None:  # started with standard output closed (>&-)
        raise OutputError("cannot write the output: standard output is closed")
    if json_text:
        text = encodable_json(text, getattr(stream, "encoding", None))
    try:
        click.echo(text, nl=nl, file=stream)
    except OSError as exc:
        raise output_error(exc) from None


def output_error(exc: OSError, where: str | None = None) -> OutputError:
    """The ``OutputError`` for a failed write: quiet if the reader went away, else its reason in words."""
    if exc.errno == errno.EPIPE:
        return ReaderGone()
    location = Location(where) if where and where != "-" else None
    return OutputError(f"cannot write the output: {exc.strerror or exc}", location)


def stdout_text() -> TextIO:
    """Standard output for a writer of its own (batch); an ``OutputError`` if it is closed."""
    if sys.stdout is None:
        raise OutputError("cannot write the output: standard output is closed")
    return sys.stdout


def say(text: str) -> None:
    """A message on standard error, in its own encoding; if even that cannot be written, the exit code is all that is left."""
    if not text or sys.stderr is None:
        return
    try:
        click.echo(text, file=sys.stderr)
    except (OSError, ValueError):  # full, gone, or closed: nothing more can be said
        pass


def prepare_streams() -> None:
    """Let standard output and error write any text in any encoding, never crashing on one.

    What ``LC_ALL=da_DK.ISO-8859-1`` or ``PYTHONIOENCODING=ascii`` cannot write is spelled in
    ASCII (``ø`` → ``oe``, ``“`` → ``"``, ``✓`` → ``+``); a UTF-8 terminal is unchanged.
    """
    handler = register_transliteration()
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=handler)


def settle_stdout() -> OutputError | None:
    """Flush standard output before the interpreter does at exit, where a failure is only noise.

    If it cannot be written (the reader went away, the disk is full), it is pointed at
    ``/dev/null`` so that no later flush can fail, and the failure is returned.
    """
    if sys.stdout is None:
        return None
    try:
        sys.stdout.flush()
        return None
    except (OSError, ValueError) as exc:
        silence_stdout()
        return output_error(exc) if isinstance(exc, OSError) else OutputError("cannot write the output")


def _stdout_fails() -> bool:
    """Whether standard output cannot take what it holds: the cause of an ``OSError`` from click's own output."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        return False
    except (OSError, ValueError):
        return True


# --- Running a command --------------------------------------------------------------------------


def run_guarded(command: click.Command, argv: list[str] | None, debug: bool = False) -> int:
    """Run a click command; turn our errors and unexpected ones into messages and ``ExitCode``s."""
    try:
        # Not standalone, click returns ctx.exit(code)'s code (and a callback's return value,
        # which is None for every command of ours) instead of raising it.
        code = command.main(args=argv, prog_name="followup", standalone_mode=False)
        return code if isinstance(code, int) else ExitCode.OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:  # a wrong option or argument: bad input, whatever click's code
        exc.show()
        return ExitCode.BAD_INPUT
    except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort when not standalone
        say("Interrupted.")
        return ExitCode.INTERRUPTED
    except FollowupError as exc:
        say(error_text(exc))
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.INTERNAL
    except OSError as exc:  # from output click wrote itself (help, version), if standard output is why
        if debug or not _stdout_fails():
            return _internal(exc, debug)
        failure = output_error(exc)
        say(error_text(failure))
        return failure.exit_code
    except Exception as exc:
        return _internal(exc, debug)


def _internal(exc: Exception, debug: bool) -> int:
    """A bug of ours: say so plainly, keep the traceback for FOLLOWUP_DEBUG=1."""
    if debug:
        raise exc
    say(f"internal error: {type(exc).__name__}: {exc} (run with FOLLOWUP_DEBUG=1 for details; please report it)")
    return ExitCode.INTERNAL
