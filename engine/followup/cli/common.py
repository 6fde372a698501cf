"""What every command shares: options, error reporting, and the engine."""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import Any, BinaryIO, Callable

import click

from followup.base.errors import ExitCode, FollowupError, InputError, Location
from followup.load.yamlio import Document, load_document, parse_text, read_stream

RULES_OPTION_HELP = "A folder of your own rulesets; its layers win over the shipped ones of the same name. Repeatable."


def rules_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--rules DIR`` (repeatable)."""
    return click.option("--rules", "rules_dirs", multiple=True, metavar="DIR",
                        type=click.Path(file_okay=False), help=RULES_OPTION_HELP)(func)


def today_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--today YYYY-MM-DD``: advise as of that day (wins over the file's ``today``)."""
    return click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
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
    click.echo(f"error: {error.format_message()}".replace("\n", "\nerror: "), err=True)
    sys.exit(error.exit_code)


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
        click.echo("Interrupted.", err=True)
        return ExitCode.INTERRUPTED
    except FollowupError as exc:
        click.echo(f"error: {exc.format_message()}".replace("\n", "\nerror: "), err=True)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else ExitCode.INTERNAL
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for FOLLOWUP_DEBUG=1
        if debug:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc} (run with FOLLOWUP_DEBUG=1 for details; "
                   "please report it)", err=True)
        return ExitCode.INTERNAL
