"""Loading YAML and JSON documents safely, with the line of every field.

Everything a user or a stranger writes enters through ``load_document``. It
- reads at most ``MAX_BYTES`` and refuses bytes that are not UTF-8 text (naming UTF-16 and
  binary files as such);
- parses YAML as a stream of events (libyaml's C parser where PyYAML has it) and builds plain
  data itself: no Python tags, no objects, no recursive structures. Building from events, not
  from PyYAML's node graph, is what bounds time and memory: the build stops at the first value
  past ``MAX_NODES`` (aliases count as everything they expand to, so "billion laughs" stops
  early) and at the first collection deeper than ``MAX_DEPTH``, long before the rest of a huge
  file is even scanned;
- keeps dates as strings (validated later by the schema, so YAML and JSON behave alike) and
  reads ``on``/``off``/``yes``/``no`` as strings, because ``on`` was a field name (``interview.on``, now ``date``);
- refuses characters YAML does not allow (control characters) with their line and column,
  duplicate keys, NaN and infinities, values PyYAML cannot construct (``!!int abc``,
  integers of more than 4,300 digits), and more than one document;
- supports merge keys (``<<: *defaults``; the mapping's own keys win), bounded like aliases;
- returns the data together with a map from field path to line for error messages. JSON is
  parsed by ``json``; its line map is computed only when a message needs it.

The limits are measured, not guessed: see README, "Robustness, limits and speed".
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Mapping

import yaml

from followup.base.errors import InputError, Location
from followup.base.words import QUOTE_LIMIT, quoted, shortened

#: Bytes read from one file. A situation is a few hundred bytes; the shipped rulesets together
#: are tens of kilobytes.
MAX_BYTES = 1_000_000
#: Nesting of mappings and lists. A situation needs 3 levels, a ruleset about 3 + 2 per level
#: of all/any/not; durable_rules refuses a rule nested more than 15 groups deep anyway.
MAX_DEPTH = 32
#: Values (scalars, mappings, lists) a document may expand to, aliases and merges included.
MAX_NODES = 50_000

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """Parsed data, the file it came from, and the line of each field path."""

    data: Any
    file: str
    lines: Mapping[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def location(self, path: Path_) -> Location:
        """A ``Location`` for a field path in this document (a path through long keys is cut short)."""
        return Location(self.file, self.line_of(path), shortened(format_path(path)) or None)


def format_path(path: Path_) -> str:
    """``('follow_ups', 0, 'on')`` → ``follow_ups[0].on``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


#: libyaml's parser where PyYAML was built with it (10x faster); the pure-Python one otherwise.
#: Only the parser differs: tags are resolved and values built by the code below either way.
_ParserBase = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _Loader(_ParserBase):  # type: ignore[misc, valid-type]
    """A YAML event source with YAML 1.2 booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
_MAP_TAGS = {None, "!", _TAG + "map"}
_SEQ_TAGS = {None, "!", _TAG + "seq"}
_MERGE = _TAG + "merge"
#: Half of a UTF-16 pair, written as an escape (``"\ud800"``): no text, and no UTF-8 exists for it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_MESSAGE = "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not text"
#: What YAML allows in a stream (its c-printable set). PyYAML's reader and libyaml refuse the
#: rest, each in its own words and without a line; checked here first, so the user gets one
#: message with the line and column whichever parser is installed.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Line breaks as YAML counts them, and both parsers with it.
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
#: A ``\u`` or ``\U`` escape, for naming the one libyaml refuses as "invalid".
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text; an ``InputError`` if it is missing, not a regular file, too large, binary or not UTF-8."""
    name = str(path)
    with _open_regular(path, name) as handle:
        return read_stream(handle, name, max_bytes=max_bytes)


def read_stream(stream: BinaryIO, name: str, *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """At most ``max_bytes`` of ``stream`` (a file, or standard input) as text, like ``read_text``."""
    try:
        raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Location(name)) from None
    if len(raw) > max_bytes:
        raise InputError(f"{what} is larger than the limit of {max_bytes:,} bytes", Location(name))
    return decode(raw, name)


def _open_regular(path: str | Path, name: str) -> BinaryIO:
    """``path`` opened for reading if it is a regular file; anything else is refused at once.

    A FIFO would block until some writer came, ``/dev/zero`` never ends and a directory is no
    text: the kind is checked before opening (so a FIFO or device is never opened), then again
    on the open file, in case the path was swapped in between. Opening with ``O_NONBLOCK``
    makes even that swap unable to block.
    """
    try:
        _refuse_irregular(os.stat(path).st_mode, name)
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except FileNotFoundError:
        raise InputError("no such file", Location(name)) from None
    except NotADirectoryError:
        raise InputError("no such file (a part of the path is a file, not a folder)", Location(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", Location(name)) from None
    try:
        _refuse_irregular(os.fstat(fd).st_mode, name)
        os.set_blocking(fd, True)  # a regular file: reads never wait anyway
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


#: Never wait on open (a FIFO swapped in), never make a terminal ours, never leak into children.
_OPEN_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_irregular(mode: int, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((words for test, words in _KINDS if test(mode)), "not a regular file")
    hint = "" if kind == "a directory" else "; to read standard input, give '-'"
    raise InputError(f"is {kind}, not a regular file{hint}", Location(name))


_UTF16_32 = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
             (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is allowed); binary junk and other encodings are refused."""
    for bom, encoding in _UTF16_32:
        if raw.startswith(bom):
            raise InputError(f"the file is {encoding} text; save it as UTF-8", Location(name))
    if b"\x00" in raw:
        if len(raw) >= 4 and (raw[1::2].count(0) > len(raw) // 3 or raw[0::2].count(0) > len(raw) // 3):
            raise InputError("the file looks like UTF-16 text; save it as UTF-8", Location(name))
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
    if len(text) > MAX_BYTES:  # text from a file was bounded in bytes already; this is for callers with text
        raise InputError(f"text is larger than the limit of {MAX_BYTES:,} characters", Location(name))
    if Path(name).suffix.lower() in (".json", ".jsonl"):
        return _parse_json(text, name)
    return _parse_yaml(text, name)


# --- YAML ------------------------------------------------------------------------------------


def _parse_yaml(text: str, name: str) -> Document:
    _check_printable(text, name)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        builder = _Builder(name, loader)
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(_parser_problem(exc, text, mark.line if mark else None, line), Location(name, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {_first_line(exc)}", Location(name)) from None
    except RecursionError:  # not reachable through the builder (depth is checked first); kept as a guard
        raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(data, name, builder.lines)


#: What a YAML parser says when a line is indented wrongly (libyaml's words, then PyYAML's).
_INDENTATION_PROBLEMS = ("mapping values are not allowed", "did not find expected key",
                         "did not find expected '-' indicator", "expected <block end>", "could not find expected ':'")


def _hint(problem: str, text: str, line: int | None) -> str:
    """Words for the parser's: most errors in a hand-written file are indentation or tabs."""
    lines = text.splitlines()
    where = lines[line] if line is not None and 0 <= line < len(lines) else ""
    if "\t" in where[: len(where) - len(where.lstrip())] or ("cannot start any token" in problem and "\t" in where):
        return "; YAML indents with spaces, not tabs"
    if problem.startswith(_INDENTATION_PROBLEMS):
        hint = "; check the indentation of this line and the one before (YAML uses spaces to nest)"
        if problem.startswith("mapping values") and where.count(": ") > 1:
            hint += ", or put a value that contains ': ' in quotes"
        return hint
    return ""


def _check_printable(text: str, name: str) -> None:
    """Refuse a character YAML does not allow, naming it with its line and column."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return
    breaks = list(_BREAK.finditer(text, 0, found.start()))
    line = len(breaks) + 1
    column = found.start() - (breaks[-1].end() if breaks else 0) + 1
    code = ord(found.group())
    kind = "control character" if code < 0x20 or 0x7f <= code < 0xa0 else "character"
    raise InputError(f"{kind} U+{code:04X} (column {column}) is not allowed in YAML; remove it",
                     Location(name, line))


def _parser_problem(exc: yaml.MarkedYAMLError, text: str, index: int | None, line: int | None) -> str:
    """The message for a parser error: ours where the limit or rule is ours, else the parser's."""
    said = f"{exc.problem or ''} {exc.context or ''}".lower()
    # libyaml 0.2.6 (PyYAML 6.0.4) stops flow nesting past 1,000 levels while it scans ahead,
    # before the builder sees level MAX_DEPTH + 1; earlier releases and the pure-Python parser
    # leave it to the builder. Either way it is the same limit to the user.
    if "nest" in said or "depth" in said:
        return f"nested deeper than the limit of {MAX_DEPTH} levels"
    # libyaml refuses a surrogate or out-of-range escape itself; the pure-Python parser and
    # JSON leave a surrogate to the builder (_SURROGATE_MESSAGE): one wording for all three.
    if "escape" in said and line is not None:
        lines = text.splitlines()
        for escape in _ESCAPE.finditer(lines[line - 1] if line <= len(lines) else ""):
            code = int(escape.group(1) or escape.group(2), 16)
            if 0xD800 <= code <= 0xDFFF:
                return _SURROGATE_MESSAGE
            if code > 0x10FFFF:
                return f"{escape.group()} is not a Unicode character (the last one is \\U0010FFFF)"
    problem = exc.problem or exc.context or "a syntax error"
    return f"malformed YAML: {shortened(problem, 4 * QUOTE_LIMIT)}{_hint(problem, text, index)}"


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message, cut short: a parser may quote the whole value."""
    text = str(exc).strip()
    return shortened(text.splitlines()[0], 4 * QUOTE_LIMIT) if text else type(exc).__name__


@dataclass
class _Anchor:
    """A value with an anchor: what an alias to it expands to."""

    value: Any = None
    size: int = 0
    line: int = 0
    done: bool = False


class _Builder:
    """Plain data from a YAML event stream, counting every value it produces."""

    def __init__(self, name: str, loader: _Loader) -> None:
        self.name = name
        self.loader = loader
        self.lines: dict[Path_, int] = {}
        self.count = 0
        self.anchors: dict[str, _Anchor] = {}

    # -- the stream ---------------------------------------------------------------------------

    def document(self) -> Any:
        """The single document of the stream."""
        self._expect(yaml.StreamStartEvent)
        if isinstance(self.loader.peek_event(), yaml.StreamEndEvent):
            raise InputError("the file is empty", Location(self.name))
        self._expect(yaml.DocumentStartEvent)
        data = self.value((), 0)
        self._expect(yaml.DocumentEndEvent)
        event = self.loader.get_event()
        if not isinstance(event, yaml.StreamEndEvent):
            raise InputError("more than one YAML document ('---') in the file; put everything in one",
                             Location(self.name, event.start_mark.line + 1))
        return data

    def _expect(self, kind: type) -> yaml.Event:
        event = self.loader.get_event()
        if not isinstance(event, kind):  # the parser guarantees the order; a guard, not a check
            raise InputError(f"malformed YAML: unexpected {type(event).__name__}", self._loc(event, ()))
        return event

    # -- values -------------------------------------------------------------------------------

    def value(self, path: Path_, depth: int) -> Any:
        """Build the next value of the stream at ``path``."""
        event = self.loader.get_event()
        self.lines.setdefault(path, event.start_mark.line + 1)
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event, path)
        self._count(event, path, 1)
        anchor = getattr(event, "anchor", None)
        start = self.count
        if anchor is not None:
            self.anchors[anchor] = _Anchor(line=event.start_mark.line + 1)
        if isinstance(event, yaml.ScalarEvent):
            result = self._scalar(event, path)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth >= MAX_DEPTH:
                raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels",
                                 Location(self.name, event.start_mark.line + 1, shortened(format_path(path[:4])) + "..."))
            allowed = _MAP_TAGS if isinstance(event, yaml.MappingStartEvent) else _SEQ_TAGS
            if event.tag not in allowed:
                raise self._tag_error(event, path)
            result = self._mapping(path, depth) if isinstance(event, yaml.MappingStartEvent) else self._sequence(path, depth)
        else:
            raise InputError(f"malformed YAML: unexpected {type(event).__name__}", self._loc(event, path))
        if anchor is not None:
            self.anchors[anchor] = _Anchor(result, self.count - start + 1, event.start_mark.line + 1, done=True)
        return result

    def _sequence(self, path: Path_, depth: int) -> list[Any]:
        out: list[Any] = []
        while not isinstance(self.loader.peek_event(), yaml.SequenceEndEvent):
            out.append(self.value(path + (len(out),), depth + 1))
        self.loader.get_event()
        return out

    def _mapping(self, path: Path_, depth: int) -> dict[str, Any]:
        own: dict[str, Any] = {}
        merged: list[tuple[dict[str, Any], int]] = []
        while not isinstance(self.loader.peek_event(), yaml.MappingEndEvent):
            key_event = self.loader.get_event()
            if _is_merge_key(self.loader, key_event):
                merged.append((self._merge_value(path, depth), key_event.start_mark.line + 1))
                continue
            key = self._key(key_event, path)
            if key in own:
                raise InputError(f"duplicate key {quoted(key)}", self._loc(key_event, path + (key,)))
            self.lines[path + (key,)] = key_event.start_mark.line + 1
            own[key] = self.value(path + (key,), depth + 1)
        self.loader.get_event()
        return self._merged(own, merged, path) if merged else own

    def _merged(self, own: dict[str, Any], merged: list[tuple[dict[str, Any], int]], path: Path_) -> dict[str, Any]:
        """YAML merge keys: the mapping's own keys win, then the first merged mapping, and so on."""
        out: dict[str, Any] = {}
        for source, line in merged:
            for key, value in source.items():
                if key not in own and key not in out:
                    self.lines.setdefault(path + (key,), line)
                    out[key] = value
        out.update(own)
        return out

    def _merge_value(self, path: Path_, depth: int) -> dict[str, Any]:
        """The mapping(s) after ``<<``, copied, and counted as values again."""
        event = self.loader.peek_event()
        value = self.value(path + ("<<",), depth + 1)
        sources = value if isinstance(value, list) else [value]
        if not sources or not all(isinstance(s, dict) for s in sources):
            raise InputError("a merge key '<<' needs a mapping or a list of mappings", self._loc(event, path))
        out: dict[str, Any] = {}
        for source in sources:  # the first listed mapping wins, as in PyYAML
            for key, item in source.items():
                if key not in out:
                    self._count(event, path, _size(item))
                    out[key] = _copy(item)
        return out

    def _key(self, event: yaml.Event, path: Path_) -> str:
        if isinstance(event, yaml.AliasEvent):
            key = self._alias(event, path)
            if isinstance(key, (dict, list)):
                raise InputError("a key must be a plain value", self._loc(event, path))
        elif isinstance(event, yaml.ScalarEvent):
            self._count(event, path, 1)
            key = self._scalar(event, path)
        else:
            raise InputError("a key must be a plain value, not a mapping or list", self._loc(event, path))
        if isinstance(key, str):
            return key
        return str(key).lower() if isinstance(key, bool) or key is None else str(key)

    def _alias(self, event: yaml.AliasEvent, path: Path_) -> Any:
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise InputError(f"alias *{event.anchor} refers to no anchor &{event.anchor} before it", self._loc(event, path))
        if not anchor.done:
            raise InputError(f"alias *{event.anchor} refers to the value it is part of (a recursive structure)",
                             self._loc(event, path))
        self._count(event, path, anchor.size)
        return _copy(anchor.value)

    def _scalar(self, event: yaml.ScalarEvent, path: Path_) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SCALAR_TAGS:
            raise self._tag_error(event, path, tag)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, ArithmeticError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read {quoted(event.value, 40)} as {tag.rsplit(':', 1)[-1]}: {_first_line(exc)}",
                             self._loc(event, path)) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError("NaN and infinite numbers are not allowed", self._loc(event, path))
        if isinstance(value, str) and _SURROGATE.search(value):
            raise InputError(_SURROGATE_MESSAGE, self._loc(event, path))
        return value

    # -- bookkeeping --------------------------------------------------------------------------

    def _count(self, event: yaml.Event, path: Path_, n: int) -> None:
        self.count += n
        if self.count > MAX_NODES:
            raise InputError(f"document expands to more than {MAX_NODES:,} values (an alias bomb, or far too big)",
                             self._loc(event, path))

    def _tag_error(self, event: yaml.Event, path: Path_, tag: str | None = None) -> InputError:
        return InputError(f"tag {tag or event.tag} is not allowed; only plain data is read", self._loc(event, path))

    def _loc(self, event: yaml.Event, path: Path_) -> Location:
        return Location(self.name, event.start_mark.line + 1, shortened(format_path(path)) or None)


def _is_merge_key(loader: _Loader, event: yaml.Event) -> bool:
    if not isinstance(event, yaml.ScalarEvent) or event.value != "<<":
        return False
    tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    return tag == _MERGE


def _size(value: Any) -> int:
    """How many values ``value`` is made of (itself included)."""
    if isinstance(value, dict):
        return 1 + sum(_size(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_size(v) for v in value)
    return 1


def _copy(value: Any) -> Any:
    """A copy of plain data, so no two places of a document share one mutable value."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --- JSON ------------------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # in C; a key given twice leaves fewer keys than pairs
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {quoted(key)}")
            seen.add(key)
    return out


def loads_json(text: str, name: str, line: int | None = None) -> Any:
    """Strict JSON: no duplicate keys, NaN or infinities, bounded depth and size."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})",
                         Location(name, exc.lineno if line is None else line)) from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", Location(name, line)) from None
    except RecursionError:
        raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name, line)) from None
    if _may_break_a_limit(text):
        _check_json(data, name, line)
    return data


#: Where a parsed value could be a lone surrogate (an escape of one) or a number too large
#: for a float (an exponent, or a run of digits past a float's range).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
#: One digit, then either branch: as two alternatives the search tried both at every
#: character and took 17 µs a line; factored, 6.
_HUGE_NUMBER = re.compile(r"[0-9](?:[eE]|[0-9]{299})")


def _may_break_a_limit(text: str) -> bool:
    """Whether ``_check_json`` could refuse what ``text`` parses to; if not, the walk is skipped.

    Each condition errs only towards walking: every value takes at least one character, so
    there are no more values than characters; a container at depth d takes d + 1 opening
    brackets; a lone surrogate comes only from an escape of one (or is in the text already);
    a float is infinite only past 1.8e308. A batch line of a situation passes all four in about
    9 µs, where the walk took 15 µs (``tests/load/test_json_limits.py``).
    """
    return (len(text) > MAX_NODES or text.count("[") + text.count("{") > MAX_DEPTH
            or _SURROGATE.search(text) is not None or _ESCAPED_SURROGATE.search(text) is not None
            or _HUGE_NUMBER.search(text) is not None)


def _parse_json(text: str, name: str) -> Document:
    data = loads_json(text, name)
    return Document(data, name, _LazyLines(lambda: _json_lines(text, name)))


def json_line_document(text: str, name: str, line: int) -> Document:
    """One JSON value on line ``line`` of a file (a batch line): every field is on that line."""
    return Document(loads_json(text, name, line), name, {(): line})


class _LazyLines(Mapping[Path_, int]):
    """JSON's line map, computed (by the YAML parser) only when a message needs a line."""

    def __init__(self, compute: Callable[[], dict[Path_, int]]) -> None:
        self._compute: Callable[[], dict[Path_, int]] | None = compute
        self._lines: dict[Path_, int] = {}

    def _get(self) -> dict[Path_, int]:
        if self._compute is not None:
            compute, self._compute = self._compute, None
            self._lines = compute()
        return self._lines

    def __getitem__(self, key: Path_) -> int:
        return self._get()[key]

    def __iter__(self) -> Iterator[Path_]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _json_lines(text: str, name: str) -> dict[Path_, int]:
    """JSON is YAML too: borrow the YAML parser's line marks for messages, if it agrees."""
    try:
        return dict(_parse_yaml(text, name).lines)
    except InputError:
        return {}


def _where(name: str, line: int | None, path: Path_) -> Location:
    # Made only for a message: formatting every value's path cost a batch line 100 µs.
    return Location(name, line, shortened(format_path(path)) or None)


def _check_json(data: Any, name: str, line: int | None) -> None:
    """Depth, size, numbers and text of parsed JSON; children are counted before they are visited."""
    stack: list[tuple[Any, int, Path_]] = [(data, 0, ())]
    count = 1
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, (dict, list)):
            count += len(value)
            if count > MAX_NODES:
                raise InputError(f"document has more than {MAX_NODES:,} values", Location(name, line))
            if depth >= MAX_DEPTH:
                raise InputError(f"nested deeper than the limit of {MAX_DEPTH} levels", Location(name, line))
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise InputError(_SURROGATE_MESSAGE, _where(name, line, path))
                stack.append((item, depth + 1, path + (key,)))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, path + (i,)) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError("a number too large to represent (or NaN/infinity) is not allowed", _where(name, line, path))
        elif isinstance(value, str) and _SURROGATE.search(value):
            raise InputError(_SURROGATE_MESSAGE, _where(name, line, path))
