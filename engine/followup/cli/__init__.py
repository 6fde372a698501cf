"""The ``followup`` command line.

Each command lives in its own module and is imported only when it is run; this module
only names them and maps errors to exit codes: 0 advice given, 2 bad input (with file,
line and field), 1 an internal error. No traceback reaches the user unless
``FOLLOWUP_DEBUG=1`` is set.
"""

from __future__ import annotations

import os
import sys

import click

from followup import __version__
from followup.cli.common import run_guarded
from followup.cli.lazy import LazyGroup

COMMANDS = {
    "advise": ".advise:advise",
    "draft": ".advise:draft",
    "validate": ".advise:validate",
    "batch": ".batch:batch",
    "explain": ".audit:explain_command",
    "replay": ".audit:replay_command",
    "rules": ".rules:rules",
}


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="followup")
def cli() -> None:
    """Whether, when and how to follow up on a job application or interview.

    The advice comes from Danish, Swedish and Norwegian career articles, written as rules;
    every piece of advice names the rule and the sentence of the article it comes from.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``followup`` console script."""
    sys.exit(run_guarded(cli, argv, debug=os.environ.get("FOLLOWUP_DEBUG") == "1"))
