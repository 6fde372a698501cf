"""Validating documents against the project's JSON Schemas, with messages that name the line.

The schemas in ``schemas/`` are the contract; this module only loads them, adds the two
date formats they use, and turns jsonschema's errors into ``InputError``s.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any, Iterator

import fastjsonschema

from followup.base.errors import InputError, InputErrors
from followup.base.paths import schemas_dir
from followup.base.words import QUOTE_LIMIT, quoted
from followup.load.dates import (DATE_OR_LOCAL_DATETIME_PATTERN, DATE_PATTERN, parse_date,
                                 parse_date_or_local_datetime)
from followup.load.yamlio import Document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMAS = ("situation", "ruleset", "advice", "ruletest")

def _is_date(value: object) -> bool:
    if isinstance(value, str) and _DATE.fullmatch(value):
        parse_date(value)  # the one grammar (load/dates.py); the pattern has said the rest
    return True


def _is_date_or_datetime(value: object) -> bool:
    if isinstance(value, str) and _DATE_OR_LOCAL_DATETIME.fullmatch(value):
        parse_date_or_local_datetime(value)
    return True


_DATE = re.compile(DATE_PATTERN)
_DATE_OR_LOCAL_DATETIME = re.compile(DATE_OR_LOCAL_DATETIME_PATTERN)
#: A date pattern's words: what to write instead of the regular expression.
_PATTERN_FORMATS = {DATE_PATTERN: "date", DATE_OR_LOCAL_DATETIME_PATTERN: "date-or-local-datetime"}


def load_schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema ``schemas/<name>.schema.json``."""
    with open(schemas_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


def inlined_schema(name: str) -> dict[str, Any]:
    """``load_schema(name)`` with each local ``$ref`` (``#/$defs/...``) replaced by what it
    names, for code that walks the fields (the lint's vocabulary) rather than validating."""
    schema = load_schema(name)
    defs = schema.get("$defs", {})

    def inline(value: Any) -> Any:
        if isinstance(value, dict):
            if "$ref" in value:
                return {**inline(defs[value["$ref"].rsplit("/", 1)[-1]]),
                        **{k: inline(v) for k, v in value.items() if k != "$ref"}}
            return {k: inline(v) for k, v in value.items()}
        return [inline(v) for v in value] if isinstance(value, list) else value

    return inline(schema)


@cache
def validator(name: str) -> Draft202012Validator:
    """A reusable validator for one of ``SCHEMAS``, checking formats.

    jsonschema is imported here, when a document must be checked or its errors worded, not
    with this module: it is a fifth of a command's start-up, and a valid situation (what a
    batch line mostly is) never needs it, since fastjsonschema decides first.
    """
    from jsonschema import Draft202012Validator, FormatChecker  # noqa: PLC0415 - see above

    formats = FormatChecker(formats=())
    formats.checks("date", raises=ValueError)(_is_date)
    formats.checks("date-or-local-datetime", raises=ValueError)(_is_date_or_datetime)
    return Draft202012Validator(load_schema(name), format_checker=formats)


#: Schemas checked on every batch line: compiled by fastjsonschema as well (see ``validate``).
FAST = ("situation",)


def _fast_format(check: Any) -> Any:
    """A format check as fastjsonschema calls it: True or False, never an exception."""
    def holds(value: object) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False
    return holds


@cache
def fast_validator(name: str) -> Any:
    """The fastjsonschema function for one of ``FAST``: the same schema, formats and all, as Python code.

    Defaults are not filled in (``use_default=False``): validating never changes the data.
    """
    formats = {"date": _fast_format(_is_date), "date-or-local-datetime": _fast_format(_is_date_or_datetime)}
    return fastjsonschema.compile(load_schema(name), formats=formats, use_default=False)


def validate(document: Document, name: str) -> None:
    """Raise ``InputErrors`` listing every schema violation of ``document``, by line.

    For ``FAST`` schemas the compiled validator decides first, at a fifth of the cost; only a
    document it refuses goes to jsonschema, which words the errors and has the last word (it is
    the stricter of the two only in the rare way ``$`` treats a final line break: fastjsonschema
    refuses ``"DK\n"``, jsonschema lets the pattern match). ``tests/test_fast_schema.py`` shows
    the compiled one never accepts what jsonschema refuses.
    """
    if name in FAST:
        try:
            fast_validator(name)(document.data)
            return
        except fastjsonschema.JsonSchemaException:
            pass
    errors = sorted(validator(name).iter_errors(document.data), key=_error_order)
    if errors:
        raise InputErrors([_to_input_error(document, e) for e in errors][:20])


def _error_order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(p) for p in error.absolute_path)


def _to_input_error(document: Document, error: ValidationError) -> InputError:
    error = _most_specific(error)
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            hint = ", ".join(sorted(allowed))
            return InputError(f"unknown field {quoted(extra[0])} (allowed here: {hint})",
                              document.location(path + (extra[0],)))
    return InputError(_message(error), document.location(path))


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, the error of the branch the author meant, not 'is not valid under any'.

    The branch meant is the one whose required keys the value has (a condition with a
    ``fact`` is a leaf, whatever else is wrong with it); failing that, the branch with the
    fewest errors. Within it, the deepest error explains the most.
    """
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = min(branches.values(), key=lambda errs: (any(e.validator == "required" for e in errs), len(errs)))
        from jsonschema.exceptions import best_match  # noqa: PLC0415 - only once validator() has imported it

        error = best_match(meant, key=lambda e: (len(e.absolute_path), e.validator != "required"))
    return error


def _message(error: ValidationError) -> str:
    """The error in plain words; a value it shows is ``quoted``: cut short and escaped."""
    value, rule = error.instance, error.validator
    shown = quoted(value)
    if rule == "enum":
        options = ", ".join(quoted(o) for o in error.validator_value)
        return f"{shown} is not one of {options}"
    if rule == "format":
        return f"{shown} is not a valid {error.validator_value.replace('-', ' ')}" + _format_reason(error)
    if rule == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, got {_type_name(value)} {shown}"
    if rule == "required":
        return error.message.replace("is a required property", "is required")
    if rule == "pattern":
        return _pattern_message(error)
    if rule in ("minLength", "maxLength") and isinstance(value, str):
        most = "at least" if rule == "minLength" else "at most"
        return f"{shown} has {len(value):,} characters; {most} {error.validator_value} are allowed here"
    if rule in ("minProperties", "maxProperties") and isinstance(value, dict) and "fact" in value:
        operators = sorted(k for k in error.schema.get("properties", {}) if k != "fact")
        given = sorted(k for k in value if k != "fact")
        found = f"found {', '.join(given)}" if given else "found none"
        return f"a condition names a fact and exactly one operator ({', '.join(operators)}); {found}"
    if error.validator in ("minItems", "minLength", "minProperties") and error.validator_value == 1:
        # Our words: jsonschema said "is too short" before 4.21 and "should be non-empty" since.
        return f"{shown} should be non-empty"
    return _shortened(error.message, value)


#: Date formats in words: what to write, with an example, instead of Python's "Invalid isoformat string".
_FORMAT_WORDS = {
    "date": "write dates as YYYY-MM-DD, e.g. 2026-11-21",
    "date-or-local-datetime": "write a date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM, "
                              "e.g. 2026-11-21 or 2026-11-21T10:00",
}


def _format_reason(error: ValidationError) -> str:
    """Why a value is not of its format: a range problem as Python says it, the form in words otherwise."""
    cause = str(error.cause or "")
    words = _FORMAT_WORDS.get(error.validator_value)
    if words and (not cause or cause.startswith(("Invalid isoformat", "expected YYYY"))):
        return f": {words}"
    return f" ({_shortened(cause, error.instance)})" if cause else ""


#: Patterns that have words: the country code is the one a person gets wrong most.
_COUNTRY_PATTERN = "^[A-Z]{2}$"


def _pattern_message(error: ValidationError) -> str:
    value, shown = error.instance, quoted(error.instance)
    if error.validator_value == _COUNTRY_PATTERN:
        if isinstance(value, str) and len(value) == 2 and value.isalpha() and value.isascii():
            return f"write the country as a two-letter code in capital letters: {quoted(value.upper())}, not {shown}"
        return f"write the country as a two-letter code in capital letters, e.g. DK (ISO 3166-1); {shown} is not one"
    form = _PATTERN_FORMATS.get(error.validator_value)
    if form:
        return f"{shown} is not a valid {form.replace('-', ' ')}: {_FORMAT_WORDS[form]}"
    described = error.schema.get("description")
    return f"{shown} does not match {error.validator_value!r}" + (f" ({described})" if described else "")


def _shortened(message: str, value: object) -> str:
    """jsonschema's own message, with the whole value it quotes replaced by a short one."""
    whole = repr(value)
    if len(whole) > QUOTE_LIMIT:
        message = message.replace(whole, quoted(value))
    return message if len(message) <= 4 * QUOTE_LIMIT else message[: 4 * QUOTE_LIMIT] + "…"


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "nothing (null)"}.get(type(value), type(value).__name__)


def local_definition(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``node`` with a reference to one of ``root``'s ``$defs`` (``#/$defs/channel``) filled in."""
    ref = node.get("$ref", "")
    if not ref.startswith("#/$defs/"):
        return node
    return {**root["$defs"][ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}


def iter_schema_errors(data: Any, name: str) -> Iterator[ValidationError]:
    """Raw jsonschema errors, for tools (lint) that format their own messages."""
    yield from validator(name).iter_errors(data)


__all__ = ["SCHEMAS", "load_schema", "validator", "validate", "iter_schema_errors"]
