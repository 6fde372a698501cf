"""Errors a user can act on, each carrying where it happened and the exit code it maps to.

Modelled on click's exceptions: code raises a ``FollowupError`` subclass, the CLI prints
``format_message()`` and exits with ``exit_code``; nothing else reaches the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from enum import IntEnum

from followup.base.words import shortened, visible


class ExitCode(IntEnum):
    """Every exit code of every ``followup`` command: one table, documented in the README.

    An internal error has a code of its own, so a script can never take a bug of ours for
    "a decision changed" or "lint found errors"; nor can it take a full disk for either.
    Each code carries its ``meaning``: the README's table and ``followup --help`` print it.
    """

    meaning: str

    def __new__(cls, value: int, meaning: str) -> "ExitCode":
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    OK = 0, "done: advice given, files valid, nothing found, every rule test passed"
    FINDINGS = 1, ("done, and something was found: a replayed decision changed, lint found errors, "
                   "a rule test failed or coverage is too low, a catalogue item is cited by no rule")
    BAD_INPUT = 2, "refused: a situation, ruleset, log or option is wrong (the message names file, line and field)"
    INTERNAL = 70, "a bug of ours (sysexits' EX_SOFTWARE); the message asks for a report"
    OUTPUT = 74, ("the output could not be written (sysexits' EX_IOERR): a full disk or a closed output "
                  "says so; a reader that stops reading, such as head, ends the run quietly")
    INTERRUPTED = 130, "stopped by Ctrl-C (128 + SIGINT, as shells report it)"

    @classmethod
    def of_many(cls, codes: "Iterable[int]") -> "ExitCode":
        """The code of a run over many items (batch lines, agenda files), from each one's code:
        a bug of ours (70) wins over bad input (2), which wins over success (0)."""
        found = set(codes) - {cls.OK}
        if cls.INTERNAL in found:
            return cls.INTERNAL
        return cls.BAD_INPUT if found else cls.OK


@dataclass(frozen=True)
class Location:
    """Where in which file a problem is: the file, the 1-based line if known, the field path."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def prefix(self) -> str:
        """``file:line: field: `` with the parts that are known, each safe to print (``words.visible``)."""
        parts = []
        if self.file:
            parts.append(visible(self.file) if self.line is None else f"{visible(self.file)}:{self.line}")
        if self.field:
            parts.append(shortened(self.field))
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

    @property
    def file(self) -> str | None:
        """The file the problem is in (``<situation>`` for data passed in memory)."""
        return self.location.file

    @property
    def line(self) -> int | None:
        """The 1-based line, or None where there is none (data passed as a mapping)."""
        return self.location.line

    @property
    def field(self) -> str | None:
        """The field's path (``contact.email``, ``follow_ups[1].via``), if the problem has one."""
        return self.location.field

    def to_json(self) -> dict[str, object]:
        """``{"field", "line", "message"}``: the error record batch and the HTTP API write."""
        return {"field": self.field, "line": self.line, "message": self.message}


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


class OutputError(FollowupError):
    """Standard output (or an output file) cannot be written: the environment's fault, not ours."""

    exit_code = ExitCode.OUTPUT


class ReaderGone(OutputError):
    """The reader of our output went away (``| head``): the run ends, quietly."""

    def __init__(self) -> None:
        super().__init__("")

    def format_message(self) -> str:
        return ""


class EngineError(FollowupError):
    """durable_rules misbehaved or an invariant of ours broke: ``ExitCode.INTERNAL``."""
