"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme), and the digests made from it.

Digests of rulesets and situations go into decision records and audit logs, where other
tools check them; so the text they are made from is JCS, which any language can reproduce:
no whitespace, object keys sorted by their UTF-16 code units, strings with the fewest
escapes, numbers written as ECMAScript writes them (``1e+21``, ``1.5e-7``, ``100``).

For followup's own documents (text, integers, true/false, null) JCS is the same text as
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)``; the two
differ only for floats and for keys beyond the Basic Multilingual Plane, which this writes
as RFC 8785 says.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from typing import Any

_ESCAPE = json.encoder.encode_basestring  # type: ignore[attr-defined]  # JSON's minimal string escapes


def canonical(data: Any) -> str:
    """``data`` as RFC 8785 canonical JSON text."""
    out: list[str] = []
    _write(data, out)
    return "".join(out)


def digest_of(data: Any) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``data``: the same meaning gives the same digest."""
    return "sha256:" + hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_ESCAPE(value))
    elif value is None or isinstance(value, bool):
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, dict):
        _write_object(value, out)
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"not JSON data: {type(value).__name__}")


def _write_object(value: dict[Any, Any], out: list[str]) -> None:
    if not all(isinstance(key, str) for key in value):
        raise TypeError("JSON object keys must be text")
    out.append("{")
    for i, key in enumerate(sorted(value, key=_utf16)):
        if i:
            out.append(",")
        out.append(_ESCAPE(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _utf16(key: str) -> bytes:
    # RFC 8785 3.2.3: keys sort by UTF-16 code units; big-endian bytes compare the same way.
    return key.encode("utf-16-be")


def number(value: float) -> str:
    """A float as ECMAScript's ``Number.prototype.toString`` writes it (RFC 8785 3.2.2.3)."""
    if not math.isfinite(value):
        raise ValueError("NaN and infinity are not JSON")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that read back as the same double, as ECMAScript does.
    digits_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    k, n = len(digits), len(digits) + int(exponent)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + text
