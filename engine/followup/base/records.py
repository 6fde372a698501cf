"""Frozen records: making them quickly, and turning them into JSON data, one way for all.

``make``: a frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__``: about 1 µs for a record of ten fields. One evaluation of the shipped
rules makes about 20 trace entries and, with the full trace, some 300 condition results;
``make`` fills the record's ``__dict__`` at once instead (a fifth of the cost). The record is
the same: same fields, equality, hash and repr, and as frozen afterwards.

``to_json_data``: a record as JSON data (what ``fastjson`` writes), fields in declaration
order: nested records converted the same way, tuples and lists as lists, mappings with their
values converted, dates and datetimes as ISO text, enums (typed as such) as their value, None
kept. What a field needs beyond that is declared on it with ``json_field`` (another JSON
name, left out, left out when empty, pairs as an object), not written as code. A record whose
JSON has a shape of its own (computed keys) defines ``__json__``, which ``to_json_data`` then
uses, nested or not; it builds the plain part with ``fields_json``.

How each field converts is worked out once per class from its type hints (``Any`` is JSON
data already, kept as it is; a type that cannot be resolved is looked at value by value), and
written as one function, so converting a record costs what the hand-written ``to_json``
methods it replaced cost (the advice's records are converted for every advice).
"""

from __future__ import annotations

import dataclasses
import threading
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

#: The ``field(metadata=...)`` key of a field's ``JsonSpec``.
JSON = "json"

Converter = Callable[[Any], Any]


def make(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass ``cls`` with ``values`` (every field, by name)."""
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


@dataclasses.dataclass(frozen=True)
class JsonSpec:
    """How one field appears in its record's JSON data (the default: as itself, by its name)."""

    #: The JSON name, if not the field's.
    key: str | None = None
    #: Never in the JSON data (caches, what the JSON is derived from).
    omit: bool = False
    #: Left out when None or empty ("", (), {}), as a ruleset leaves out what is not set.
    omit_empty: bool = False
    #: A tuple of ``(key, value)`` pairs, written as one object.
    pairs: bool = False
    #: The field holds, when not None, the JSON of every other field but these keys, made once
    #: and shared by many records: it is written first and only these are converted (never
    #: itself in the JSON data).
    spread_except: tuple[str, ...] | None = None
    #: The key of an object the field is written in, with the other fields ``within`` it (in
    #: order, where the first of them is): ``opens`` and ``closes`` as ``window``.
    within: str | None = None


_PLAIN = JsonSpec()


def json_field(*, key: str | None = None, omit: bool = False, omit_empty: bool = False, pairs: bool = False,
               spread_except: tuple[str, ...] | None = None, within: str | None = None, **options: Any) -> Any:
    """``dataclasses.field(**options)`` with the field's JSON adjustments (``JsonSpec``) as its metadata."""
    metadata = {**options.pop("metadata", {}),
                JSON: JsonSpec(key, omit, omit_empty, pairs, spread_except, within)}
    return dataclasses.field(metadata=metadata, **options)


def to_json_data(record: Any) -> Any:
    """``record`` (a dataclass instance) as JSON data: its ``__json__()`` if it has one, else ``fields_json``."""
    return _record_converter(type(record))(record)


def fields_json(record: Any, without: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every field of ``record`` as its declaration says (``json_field``), leaving out the JSON keys ``without``."""
    return _fields_converter(type(record), without)(record)


def fields_converter(cls: type, without: frozenset[str] = frozenset()) -> Callable[[Any], dict[str, Any]]:
    """``fields_json`` for records of ``cls`` alone, looked up once: for a ``__json__`` on the hot path."""
    return _fields_converter(cls, without)


@cache
def _record_converter(cls: type) -> Converter:
    custom = getattr(cls, "__json__", None)
    if custom is not None:
        return custom  # type: ignore[no-any-return]
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"not a record: {cls.__name__}")
    return _fields_converter(cls, frozenset())


@cache
def _fields_converter(cls: type, without: frozenset[str]) -> Callable[[Any], dict[str, Any]]:
    """The conversion of ``cls``'s fields, made once: which fields, under which keys, each converted how.

    It is one function written for the class, as ``dataclasses`` writes ``__init__``: a dict
    display of the fields, each converted inline. Its text is made from the class's field
    names and types and the keys declared in the code (``repr``'d), never from data.
    """
    building = _building()
    building.add(cls)
    try:
        code = _Code()
        hints = _hints(cls)
        items: dict[str, str | list[str]] = {}
        empty, spread = [], None
        for f in dataclasses.fields(cls):
            spec: JsonSpec = f.metadata.get(JSON, _PLAIN)
            key = spec.key or f.name
            if spec.spread_except is not None and not without:
                spread = (f.name, spec.spread_except)
            if spec.omit or spec.spread_except is not None or key in without:
                continue
            hint = hints.get(f.name, _UNKNOWN)
            source = f"record.{f.name}"
            value = code.pairs(hint, source) if spec.pairs else code.expr(hint, source)
            if spec.within is not None:
                items.setdefault(spec.within, [])
                items[spec.within].append(f"{key!r}: {value}")  # type: ignore[union-attr]
            else:
                items[key] = f"{key!r}: {value}"
            if spec.omit_empty:
                empty.append(key)
        shown = {key: f"{key!r}: {{{', '.join(v)}}}" if isinstance(v, list) else v for key, v in items.items()}
        body = f"    out = {{{', '.join(shown.values())}}}\n"
        if spread is not None:
            rest = "".join(f", {shown[key]}" for key in spread[1])
            body = f"    if (_s := record.{spread[0]}) is not None:\n        return {{**_s{rest}}}\n" + body
        for key in empty:
            body += f"    if _empty(out[{key!r}]):\n        del out[{key!r}]\n"
        return code.function(f"_json_{cls.__name__}", body + "    return out\n")
    finally:
        building.discard(cls)


_LOCAL = threading.local()


def _building() -> set[type]:
    """The classes whose conversion this thread is writing: a field of one of them (a class that
    refers back to itself) looks its converter up when called instead."""
    if not hasattr(_LOCAL, "building"):
        _LOCAL.building = set()
    return _LOCAL.building  # type: ignore[no-any-return]


class _Code:
    """One converter function's text, and the converters it calls by name."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_empty": _empty}
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"_{self.counter}"

    def call(self, convert: Converter, source: str) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = convert
        return f"{name}({source})"

    def expr(self, hint: Any, source: str) -> str:
        """Python text for ``source`` (a value of type ``hint``) as JSON data."""
        if hint in _AS_IS:
            return source
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            others = [a for a in args if a is not type(None)]
            if len(others) != 1:
                return self.call(_dynamic, source)
            inner = self.fresh()
            converted = self.expr(others[0], inner)
            return source if converted == inner else f"(None if ({inner} := {source}) is None else {converted})"
        if isinstance(hint, type):
            if issubclass(hint, Enum):
                return f"{source}.value"
            if issubclass(hint, date):
                return f"{source}.isoformat()"
            if dataclasses.is_dataclass(hint):
                convert = to_json_data if hint in _building() else _record_converter(hint)
                return self.call(convert, source)
        if origin in (tuple, list) and args:
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                return self.call(_dynamic, source)
            item = self.fresh()
            converted = self.expr(args[0], item)
            return f"list({source})" if converted == item else f"[{converted} for {item} in {source}]"
        if origin in (dict, Mapping) and len(args) == 2:
            key, value = self.fresh(), self.fresh()
            converted = self.expr(args[1], value)
            return f"dict({source})" if converted == value else \
                f"{{{key}: {converted} for {key}, {value} in {source}.items()}}"
        return self.call(_dynamic, source)

    def pairs(self, hint: Any, source: str) -> str:
        """``((key, value), ...)`` (``tuple[tuple[K, V], ...]``) as ``{key: value}``, each value converted."""
        pair = typing.get_args(typing.get_args(hint)[0]) if typing.get_args(hint) else ()
        key, value = self.fresh(), self.fresh()
        converted = self.expr(pair[1], value) if len(pair) == 2 else self.call(_dynamic, value)
        return f"dict({source})" if converted == value else f"{{{key}: {converted} for {key}, {value} in {source}}}"

    def function(self, name: str, body: str) -> Callable[[Any], dict[str, Any]]:
        namespace: dict[str, Any] = {}
        exec(f"def {name}(record):\n{body}", dict(self.names), namespace)  # noqa: S102 (see _fields_converter)
        return namespace[name]  # type: ignore[no-any-return]


def _empty(value: Any) -> bool:
    return value is None or (not value and hasattr(value, "__len__"))


def _hints(cls: type) -> dict[str, Any]:
    """``cls``'s field types; none (so every value is looked at as it comes) if one cannot be resolved."""
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        return {}


#: A field whose type could not be resolved: its values are looked at as they come.
_UNKNOWN = object()
#: Types whose values are JSON data already. ``Any`` is too: followup types as ``Any`` only
#: what is JSON data (facts, a rule's effect and values, an example situation).
_AS_IS = (str, int, bool, float, type(None), Any)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _dynamic(value: Any) -> Any:
    """A value whose type the hints do not pin down, converted by what it is."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json_data(value)
    if isinstance(value, Mapping):
        return {k: _dynamic(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dynamic(v) for v in value]
    if isinstance(value, (str, int, float)):  # subclasses (followup's str enums are caught above)
        return value
    raise TypeError(f"cannot be JSON data: {kind.__name__}")
