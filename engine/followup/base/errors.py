"""Errors a user can act on, each carrying where it happened and the exit code it maps to.

Modelled on click's exceptions: code raises a ``FollowupError`` subclass, the CLI prints
``format_message()`` and exits with ``exit_code``; nothing else reaches the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of every ``followup`` command: one table, documented in the README.

    An internal error has a code of its own, so a script can never take a bug of ours for
    "a decision changed" or "lint found errors".
    """

    OK = 0  #: done: advice given, nothing found, every case passed
    FINDINGS = 1  #: done, and something was found: a replayed decision changed, lint errors, failed rule tests
    BAD_INPUT = 2  #: refused: a situation, ruleset, log or option is wrong (file, line and field are named)
    INTERNAL = 70  #: a bug of ours (sysexits' EX_SOFTWARE); the message asks for a report
    INTERRUPTED = 130  #: stopped by Ctrl-C (128 + SIGINT, as shells report it)


@dataclass(frozen=True)
class Location:
    """Where in which file a problem is: the file, the 1-based line if known, the field path."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def prefix(self) -> str:
        """``file:line: field: `` with the parts that are known."""
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + (": " if parts else "")


class FollowupError(Exception):
    """Base class; ``ExitCode.INTERNAL`` means the fault is ours, not the user's."""

    exit_code: int = ExitCode.INTERNAL

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()

    def format_message(self) -> str:
        """The one line the user sees."""
        return f"{self.location.prefix()}{self.message}"


class InputError(FollowupError):
    """The input (a situation, a ruleset, an option) is wrong: exit code 2."""

    exit_code = ExitCode.BAD_INPUT

    def each(self) -> list["InputError"]:
        """This error as a list of single errors, for code that collects every error of a run."""
        return [self]


class InputErrors(InputError):
    """Several input errors found in one pass, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__(errors[0].message if errors else "invalid input", errors[0].location if errors else None)
        self.errors = errors

    def each(self) -> list[InputError]:
        return list(self.errors)

    def format_message(self) -> str:
        return "\n".join(e.format_message() for e in self.errors)


class Findings(FollowupError):
    """A check ran to the end and found something (lint errors, uncited catalogue items): exit code 1.

    Not an ``InputError``: the input was read and understood; what it says is the finding.
    """

    exit_code = ExitCode.FINDINGS


class RulesetError(InputError):
    """A ruleset is malformed or contradicts itself."""


class EngineError(FollowupError):
    """durable_rules misbehaved or an invariant of ours broke: ``ExitCode.INTERNAL``."""
