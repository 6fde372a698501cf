"""Putting what a user wrote into our words: quoted short, safe for a terminal, in any encoding.

A message that echoes a value must stay a message: a 900,000-character value is cut to
about ``QUOTE_LIMIT`` characters (``quoted``), and a value that holds an escape sequence or
NUL must not drive the terminal it is printed on (``visible``). Output must also survive a
terminal that is not UTF-8 (``TRANSLITERATE``, a codec error handler).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

#: Characters of a value a message shows; the rest is "…". Enough to recognise a value.
QUOTE_LIMIT = 80

#: What may not reach a terminal as it is: C0 and C1 controls (ESC starts escape sequences;
#: some terminals read U+009B as one), DEL, the bidirectional embeddings, overrides and
#: isolates that make text read otherwise than it is stored, line and paragraph separators,
#: and lone surrogates. Line breaks are the one control output keeps. (The bidirectional
#: *marks*, U+200E/U+200F, stay: pasted right-to-left names carry them, and they reorder nothing.)
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
#: What a one-line text field refuses at load: the same, and line breaks too.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")

_NAMES = {"\x00": "NUL", "\t": "tab", "\n": "line break", "\r": "carriage return", "\x1b": "escape", "\x7f": "delete"}


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as ``repr`` shows it (so control characters are escaped), cut to about ``limit`` characters.

    ``quoted('x' * 900_000)`` is ``'xx…x…'``: 80 x's and an ellipsis inside the quotes;
    only the part shown is ever turned into text.
    """
    if isinstance(value, str):
        text = repr(value[:limit])
        if len(value) > limit or len(text) > limit + 2:  # escapes can make the shown part longer
            return text[: limit + 1] + "…" + text[0]
        return text
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def shortened(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` (a field path, a key) cut to ``limit`` characters with an ellipsis, made visible."""
    return visible(text if len(text) <= limit else text[:limit] + "…")


def _escape(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]  # \x1b, \u202e, \t: what Python itself would write


def visible(text: str) -> str:
    """``text`` with every character of ``UNSAFE`` written as an escape (``\\x1b``); line breaks kept."""
    return UNSAFE.sub(_escape, text)


def character_name(char: str) -> str:
    """``U+001B (escape)``: a character a message refuses, by code and name."""
    name = _NAMES.get(char) or unicodedata.name(char, "").lower() or "a control character"
    return f"U+{ord(char):04X} ({name})"


# --- Output in an encoding that is not UTF-8 -----------------------------------------------------

#: The name ``codecs`` knows the transliterating error handler by.
TRANSLITERATE = "followup-transliterate"

#: Characters whose decomposition says nothing in ASCII, spelled as people write them without.
_SPELLED = {"æ": "ae", "Æ": "AE", "ø": "oe", "Ø": "OE", "å": "aa", "Å": "AA", "ß": "ss", "ð": "d", "Ð": "D",
            "þ": "th", "Þ": "TH", "ł": "l", "Ł": "L", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
            "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "−": "-", "…": "...", "•": "*", "·": ".",
            "✓": "+", "✗": "x", "→": "->", "←": "<-", "×": "x", "\u00a0": " ", "\u202f": " ", "\u2009": " "}


def ascii_spelling(char: str) -> str:
    """``char`` in ASCII: a spelling (``ø`` → ``oe``), the letter without its accent (``é`` → ``e``), or ``?``."""
    if char in _SPELLED:
        return _SPELLED[char]
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii() and c.isprintable())
    return plain or "?"


def _transliterate(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: what the encoding cannot write, in ASCII (which every terminal can)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(ascii_spelling(c) for c in error.object[error.start:error.end]), error.end


#: The name of the error handler for JSON: ``\\u00f8`` means what ``ø`` means, in any encoding.
JSON_ESCAPE = "followup-json-escape"


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler for JSON text: what the encoding cannot write, as JSON escapes.

    Outside strings JSON is ASCII, so every character that reaches this is inside a string,
    where ``\\uXXXX`` (a surrogate pair beyond U+FFFF) reads back as the same character.
    """
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


def register_transliteration() -> str:
    """Make ``TRANSLITERATE`` and ``JSON_ESCAPE`` known to ``codecs`` (again is harmless); return the first."""
    codecs.register_error(TRANSLITERATE, _transliterate)
    codecs.register_error(JSON_ESCAPE, _json_escape)
    return TRANSLITERATE


def encodable_json(text: str, encoding: str | None) -> str:
    """JSON ``text`` that ``encoding`` can write: unchanged for UTF-8, else escaped (``\\u00f8``).

    Lossless, unlike transliteration: a tool reading the JSON gets the same data.
    """
    if not encoding or codecs.lookup(encoding).name in ("utf-8", "utf-16", "utf-32"):
        return text
    register_transliteration()
    return text.encode(encoding, JSON_ESCAPE).decode(encoding)
