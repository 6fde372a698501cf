"""``followup rules ...``: commands for rule authors and auditors of the rulesets."""

from __future__ import annotations

import click

from followup.cli.lazy import LazyGroup

SUBCOMMANDS = {
    "coverage": ".coverage:coverage",
    "show": ".authoring:show",
    "list": ".authoring:list_rules",
    "new": ".authoring:new",
    "lint": ".authoring:lint",
    "test": ".authoring:test",
}


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS)
def rules() -> None:
    """Inspect, check and test rulesets: coverage, show, list, new, lint, test."""
