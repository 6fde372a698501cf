"""Validating documents against the project's JSON Schemas, with messages that name the line.

The schemas in ``schemas/`` are the contract; this module only loads them, adds the two
date formats they use, and turns jsonschema's errors into ``InputError``s.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any, Iterator

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from .errors import InputError, InputErrors
from .paths import schemas_dir
from .yamlio import Document

SCHEMAS = ("situation", "ruleset", "advice", "ruletest")

_formats = FormatChecker(formats=())


@_formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) != 10:
        raise ValueError("expected YYYY-MM-DD")
    date.fromisoformat(value)
    return True


@_formats.checks("date-or-local-datetime", raises=ValueError)
def _is_date_or_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) == 10:
        date.fromisoformat(value)
    elif len(value) in (16, 19) and value[10] == "T":
        datetime.fromisoformat(value)
    else:
        raise ValueError("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    return True


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema ``schemas/<name>.schema.json``."""
    with open(schemas_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


@cache
def validator(name: str) -> Draft202012Validator:
    """A reusable validator for one of ``SCHEMAS``, checking formats."""
    return Draft202012Validator(load_schema(name), format_checker=_formats)


def validate(document: Document, name: str) -> None:
    """Raise ``InputErrors`` listing every schema violation of ``document``, by line."""
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
            return InputError(f"unknown field '{extra[0]}' (allowed here: {hint})",
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
        error = best_match(meant, key=lambda e: (len(e.absolute_path), e.validator != "required"))
    return error


def _message(error: ValidationError) -> str:
    value = error.instance
    if error.validator == "enum":
        options = ", ".join(repr(o) for o in error.validator_value)
        return f"{value!r} is not one of {options}"
    if error.validator == "format":
        return f"{value!r} is not a valid {error.validator_value.replace('-', ' ')}" + _format_reason(error)
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, got {_type_name(value)} {value!r}"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator in ("minProperties", "maxProperties") and isinstance(value, dict) and "fact" in value:
        operators = sorted(k for k in error.schema.get("properties", {}) if k != "fact")
        given = sorted(k for k in value if k != "fact")
        found = f"found {', '.join(given)}" if given else "found none"
        return f"a condition names a fact and exactly one operator ({', '.join(operators)}); {found}"
    if error.validator in ("minItems", "minLength", "minProperties") and error.validator_value == 1:
        # Our words: jsonschema said "is too short" before 4.21 and "should be non-empty" since.
        return f"{value!r} should be non-empty"
    return error.message


def _format_reason(error: ValidationError) -> str:
    cause = error.cause
    return f" ({cause})" if cause else ""


def _type_name(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "nothing (null)"}.get(type(value), type(value).__name__)


def iter_schema_errors(data: Any, name: str) -> Iterator[ValidationError]:
    """Raw jsonschema errors, for tools (lint) that format their own messages."""
    yield from validator(name).iter_errors(data)


__all__ = ["SCHEMAS", "load_schema", "validator", "validate", "iter_schema_errors", "jsonschema"]
