"""A click group whose commands are imported only when used.

``followup advise`` should pay for advising, not for importing the linter, the batch
runner and the audit tools too; ``followup --help`` still lists every command.
"""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """A group that maps command names to ``"module:attribute"`` and imports on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            command = getattr(importlib.import_module(module, __package__), attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)
