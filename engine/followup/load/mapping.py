"""A situation (or any document) handed over as data rather than as a file.

A program calling ``followup.advise({...})`` passes what its own parser made: ``json.load``
gives plain JSON, PyYAML's ``safe_load`` gives ``datetime.date`` values for dates. Both are
accepted; the data is copied into plain JSON values (dates as ISO text) and held to the same
limits as a file, so the schema and the engine see exactly what a file would have given them.
A mapping has no lines: errors name the field only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from followup.base.errors import InputError, Location
from followup.load.spelling import TRUE_KEY_MESSAGE
from followup.load.yamlio import MAX_DEPTH, MAX_NODES, Document, Path_, format_path


def document_from_data(data: Any, name: str = "<situation>") -> Document:
    """A ``Document`` holding a plain-JSON copy of ``data``, refused if a file could not hold it."""
    copier = _Copier(name)
    return Document(copier.copy(data, (), 0), name)


class _Copier:
    """Copies data into plain JSON values, counting values and depth as the file loader does."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def copy(self, value: Any, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(f"the situation has more than {MAX_NODES:,} values", Location(self.name))
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", self._at(path))
        if isinstance(value, Mapping):
            return {self._key(key, path): self.copy(item, (*path, str(key)), depth + 1) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.copy(item, (*path, i), depth + 1) for i, item in enumerate(value)]
        return self._scalar(value, path)

    def _key(self, key: Any, path: Path_) -> str:
        if isinstance(key, str):
            return key
        if key is True:  # PyYAML's safe_load reads an unquoted `on:` as True (YAML 1.1)
            raise InputError(TRUE_KEY_MESSAGE, self._at((*path, "true")))
        raise InputError(f"a field name must be text, not {type(key).__name__} {key!r}", self._at(path))

    def _scalar(self, value: Any, path: Path_) -> Any:
        if value is None or isinstance(value, (str, bool, int)):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise InputError("a number too large to represent (or NaN/infinity) is not allowed", self._at(path))
            return value
        if isinstance(value, datetime):
            return value.replace(tzinfo=None).isoformat(timespec="minutes") if value.tzinfo is None else value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        raise InputError(f"a value of type {type(value).__name__} cannot be part of a situation; "
                         "use text, numbers, true/false, lists and mappings", self._at(path))

    def _at(self, path: Path_) -> Location:
        return Location(self.name, None, format_path(path) or None)
