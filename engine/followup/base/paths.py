"""Where the shipped schemas and rulesets are: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the followup package (this module is in base/)


@cache
def data_dir(name: str) -> Path:
    """The shipped ``schemas``, ``rulesets`` or ``examples`` folder.

    A wheel carries them in ``followup/_data``; a source checkout (or an editable install)
    has them at the top level, two folders above this package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped '{name}' folder is missing from this installation")


def schemas_dir() -> Path:
    """The folder of the JSON Schemas."""
    return data_dir("schemas")


def examples_dir() -> Path:
    """The folder of the shipped example situations (rule tests can patch them)."""
    return data_dir("examples")


def rulesets_dir() -> Path:
    """The folder of the shipped rulesets."""
    return data_dir("rulesets")
