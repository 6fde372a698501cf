"""JSON text fast, byte for byte what the standard library (and ``canonical.py``) would write.

Encoding was half of a batch line's time. orjson writes the same text as
``canonical.canonical`` (sorted keys, no spaces, the fewest escapes, UTF-8 kept) and as
``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`` for everything followup's
documents hold (text, integers, true/false, null, lists and mappings with text keys). Where
it could differ, or cannot encode at all, the standard code writes the text instead:

- a number with a fraction or exponent (ECMAScript's ``100`` for ``100.0`` in RFC 8785; the
  check is on the output, so it can only err towards the slow path);
- a character beyond the Basic Multilingual Plane anywhere (RFC 8785 sorts keys by UTF-16
  code units, orjson by code point: they disagree only there);
- what orjson refuses: integers beyond 64 bits, lone surrogates, keys that are not text,
  subclasses of str/int/dict/list, dates and dataclasses (passed through to ``_refuse``, so
  the standard code raises on them as before instead of orjson writing them its own way).

NaN and infinity never reach here: every reader refuses them (``tests/hostile``).
``tests/test_fastjson.py`` proves the byte identity on the examples and generated data.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable, NoReturn

import orjson

from followup.base.canonical import canonical

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | \
    orjson.OPT_PASSTHROUGH_DATACLASS
#: A number with a fraction or an exponent, as a whole token (after ``:`` ``,`` ``[`` or a
#: line's indent, before ``,`` ``]`` ``}`` or a line's end: a timestamp's ``:22.009Z`` inside
#: text is not one); text that merely looks like one only costs the slow path.
_NUMBER = rb"-?[0-9]+(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)"
_FLOAT = re.compile(rb"(?:^|[:,\[ ])" + _NUMBER + rb"(?:[,\]}\n]|$)")
#: Where a float's integer part ends. ``_FLOAT`` scanned from every position costs 20 ns a
#: byte (1.6 ms on a full-trace document); this one 0.05, and ``_FLOAT`` is then tried only
#: at the few places it finds (a timestamp's seconds, a version in text).
_CANDIDATE = re.compile(rb"[0-9][.eE]")
_DIGITS = b"0123456789"
#: The lead bytes of four-byte UTF-8 sequences: characters beyond the Basic Multilingual Plane.
_ASTRAL = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def _refuse(value: Any) -> NoReturn:
    raise TypeError(type(value).__name__)


def _fast(data: Any, options: int, floats: bool) -> bytes | None:
    """orjson's text for ``data``, or None where it might differ from the standard code's.

    ``floats=False`` is the caller's word that ``data`` holds no float (an advice document
    whose ruleset has none: situations hold no numbers, and the engine makes only integers);
    then only the characters are checked, at memchr speed.
    """
    try:
        out = orjson.dumps(data, default=_refuse, option=options)
    except TypeError:  # orjson.JSONEncodeError is one
        return None
    if not out.isascii() and any(lead in out for lead in _ASTRAL):
        return None
    if floats and _holds_float(out):
        return None
    return out


def _holds_float(out: bytes) -> bool:
    """``_FLOAT.search(out)``, tried only where a number's integer part meets ``.``, ``e`` or ``E``."""
    for hit in _CANDIDATE.finditer(out):
        start = hit.start()
        while start > 0 and out[start - 1] in _DIGITS:
            start -= 1
        if start > 0 and out[start - 1] == 0x2D:  # the minus sign belongs to the number
            start -= 1
        if _FLOAT.match(out, max(start - 1, 0)):  # at 0 the pattern's ``^`` stands for the delimiter
            return True
    return False


def encoded(data: Any, plain: Callable[[], Any], *, indent: bool, floats: bool = True) -> bytes:
    """As UTF-8, what ``text`` (``indent``) or ``line`` would write for ``plain()``, where ``data``
    may hold ``orjson.Fragment``s: parts encoded beforehand, at the depth they are spliced in.

    orjson writes a fragment's bytes as they are. Where its text might differ from the standard
    code's (see ``_fast``), the standard code writes ``plain()``: the same data without fragments.
    Bytes, because that is what a file or a socket takes: a 17 KB line decoded to text and
    encoded back cost a batch line 40 µs.
    """
    out = _fast(data, _OPTIONS | orjson.OPT_INDENT_2 if indent else _OPTIONS, floats)
    if out is not None:
        return out
    return (_text(plain()) if indent else canonical(plain())).encode("utf-8")


def line_bytes(data: Any, *, floats: bool = True) -> bytes:
    """``canonical(data)`` as UTF-8 bytes (RFC 8785 canonical JSON)."""
    out = _fast(data, _OPTIONS, floats)
    return canonical(data).encode("utf-8") if out is None else out


def line(data: Any, *, floats: bool = True) -> str:
    """``canonical(data)``: canonical JSON text on one line."""
    out = _fast(data, _OPTIONS, floats)
    return canonical(data) if out is None else out.decode("utf-8")


def text(data: Any, *, floats: bool = True) -> str:
    """``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)``: JSON for people to read."""
    out = _fast(data, _OPTIONS | orjson.OPT_INDENT_2, floats)
    return _text(data) if out is None else out.decode("utf-8")


def _text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)




def digest_of(data: Any, *, floats: bool = True) -> str:
    """``canonical.digest_of(data)``, from the fast text: ``sha256:<hex>`` of its canonical JSON
    (``floats=False``: as ``line``)."""
    return "sha256:" + hashlib.sha256(line_bytes(data, floats=floats)).hexdigest()


__all__ = ["digest_of", "encoded", "line", "line_bytes", "text"]
