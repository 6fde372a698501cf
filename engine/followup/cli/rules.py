"""``followup rules ...``: commands for rule authors and auditors of the rulesets."""

from __future__ import annotations

import click


@click.group()
def rules() -> None:
    """Inspect, check and test rulesets: coverage, show, list, new, lint, test."""


def register() -> None:
    """Attach the subcommands; each lives in a module of its own."""
    # One line per module; keep this list in the order the commands should be listed.
    from .coverage import coverage; rules.add_command(coverage)  # noqa: E702
    from .authoring import register as register_authoring; register_authoring(rules)  # noqa: E702
