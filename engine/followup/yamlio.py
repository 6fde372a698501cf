"""Loading YAML and JSON documents safely, with the line of every field.

Everything a user or a stranger writes enters through ``load_document``. It
- reads at most ``MAX_BYTES`` and refuses bytes that are not UTF-8 text;
- parses YAML with a loader that constructs only plain data (no Python tags, no objects),
  keeps dates as strings (validated later by the schema, so YAML and JSON behave alike) and
  reads ``on``/``off``/``yes``/``no`` as strings, because ``interview.on`` is a field name;
- refuses duplicate keys, NaN and infinities, nesting deeper than ``MAX_DEPTH`` and documents
  that expand to more than ``MAX_NODES`` values (alias bombs);
- returns the data together with a map from field path to line for error messages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Location

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_NODES = 50_000

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """Parsed data, the file it came from, and the line of each field path."""

    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def location(self, path: Path_) -> Location:
        """A ``Location`` for a field path in this document."""
        return Location(self.file, self.line_of(path), format_path(path) or None)


def format_path(path: Path_) -> str:
    """``('follow_ups', 0, 'on')`` → ``follow_ups[0].on``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text; an ``InputError`` if it is missing, too large, binary or not UTF-8."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file", Location(name)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", Location(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(name)) from None
    if len(raw) > max_bytes:
        raise InputError(f"file is larger than the limit of {max_bytes:,} bytes", Location(name))
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is allowed); binary junk and other encodings are refused."""
    if b"\x00" in raw:
        raise InputError("binary data, not a text file", Location(name))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            Location(name, line)) from None
    return text


def load_document(path: str | Path) -> Document:
    """Read and parse a YAML or JSON file (JSON is YAML, but parsed strictly by ``json``)."""
    text = read_text(path)
    return parse_text(text, str(path))


def parse_text(text: str, name: str) -> Document:
    """Parse YAML or JSON text into a ``Document``; ``name`` is used in messages."""
    if Path(name).suffix.lower() in (".json", ".jsonl"):
        return _parse_json(text, name)
    return _parse_yaml(text, name)


def _parse_yaml(text: str, name: str) -> Document:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(f"malformed YAML: {problem}", Location(name, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", Location(name)) from None
    except RecursionError:
        raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name)) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError("the file is empty", Location(name))
    builder = _Builder(name, loader)
    data = builder.build(node, (), 0)
    return Document(data, name, builder.lines)


class _Builder:
    """Turns a composed node graph into plain data, counting every value it produces."""

    def __init__(self, name: str, loader: _Loader) -> None:
        self.name = name
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.count = 0

    def fail(self, message: str, node: yaml.Node, path: Path_) -> InputError:
        return InputError(message, Location(self.name, node.start_mark.line + 1, format_path(path) or None))

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"document expands to more than {MAX_NODES:,} values (alias bomb?)", node, path)
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than the limit of {MAX_DEPTH} levels", node, path)
        self.lines.setdefault(path, node.start_mark.line + 1)
        if node.tag not in _SAFE_TAGS:
            raise self.fail(f"tag {node.tag} is not allowed; only plain data is read", node, path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) or key is None else str(key)
            if key in out:
                raise self.fail(f"duplicate key '{key}'", key_node, path + (key,))
            self.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail("a key must be a plain value", node, path)
        if node.tag not in _SAFE_TAGS:
            raise self.fail(f"tag {node.tag} is not allowed; only plain data is read", node, path)
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail("NaN and infinite numbers are not allowed", node, path)
        return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _parse_json(text: str, name: str) -> Document:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key '{key}'")
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", Location(name, exc.lineno)) from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", Location(name)) from None
    except RecursionError:
        raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name)) from None
    _check_depth(data, name)
    return Document(data, name, _json_lines(text, name))


def _json_lines(text: str, name: str) -> dict[Path_, int]:
    """JSON is YAML too: borrow the YAML parser's line marks for messages, if it agrees."""
    try:
        return _parse_yaml(text, name).lines
    except InputError:
        return {}


def _check_depth(data: Any, name: str) -> None:
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name))
        if count > MAX_NODES:
            raise InputError(f"document has more than {MAX_NODES:,} values", Location(name))
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
