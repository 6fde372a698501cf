"""The ``followup`` command line.

Each command lives in its own module and is imported only when it is run; this module
only names them and maps errors to exit codes, the one table of ``ExitCode`` (printed by
``followup --help`` and in the README). No traceback reaches the user unless
``FOLLOWUP_DEBUG=1`` is set.
"""

from __future__ import annotations

import os
import sys
import textwrap

import click

from followup import __version__
from followup.base.errors import ExitCode
from followup.cli.common import error_text, prepare_streams, run_guarded, say, settle_stdout
from followup.cli.lazy import LazyGroup

COMMANDS = {
    "advise": ".advise:advise",
    "draft": ".advise:draft",
    "validate": ".advise:validate",
    "batch": ".batch:batch",
    "explain": ".audit:explain_command",
    "replay": ".audit:replay_command",
    "rules": ".rules:rules",
    "plan": ".plan:plan",
    "done": ".done:done",
    "agenda": ".agenda:agenda",
    "serve": ".serve:serve",
    "log": ".log:log",
}




def exit_codes_help() -> str:
    """The exit code table for ``--help``; ``\\b`` keeps click from rewrapping it into one paragraph."""
    rows = [line for code in ExitCode
            for line in textwrap.wrap(code.meaning, 76, initial_indent=f"  {int(code):<4} ", subsequent_indent=" " * 7)]
    return "\b\nExit codes (every command):\n" + "\n".join(rows)


@click.group(cls=LazyGroup, lazy=COMMANDS, epilog=exit_codes_help(),
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="followup")
def cli() -> None:
    """Whether, when and how to follow up on a job application or interview.

    The advice comes from Danish, Swedish and Norwegian career articles, written as rules;
    every piece of advice names the rule and the sentence of the article it comes from.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``followup`` console script."""
    prepare_streams()
    code = run_guarded(cli, argv, debug=os.environ.get("FOLLOWUP_DEBUG") == "1")
    failure = settle_stdout()
    if failure is not None and code == ExitCode.OK:  # else the failure was reported already
        say(error_text(failure))
        code = failure.exit_code
    sys.exit(code)
