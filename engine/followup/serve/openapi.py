"""The OpenAPI 3.1 document at ``/openapi.json``, built from the project's own JSON Schemas.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so ``situation.schema.json`` and
``advice.schema.json`` are embedded as they are: there is no second model to drift. They are
*bundled*: the advice schema's ``$defs`` become components of their own
(``Advice.point``, ...) and every ``#/$defs/x`` reference is rewritten to point at them,
because a ``#/...`` reference inside an embedded schema without its ``$id`` would otherwise
resolve against the OpenAPI document, where there is no ``$defs``. ``$id`` and ``$schema``
are dropped for the same reason (the document's ``jsonSchemaDialect`` says which dialect).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from followup import __version__
from followup.audit.whynot import SUBJECTS
from followup.load.schema import load_schema
from followup.serve.v1 import MAX_BATCH_LINES, TRACES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def bundled(name: str, component: str) -> dict[str, dict[str, Any]]:
    """Schema ``name`` as components: itself as ``component`` and each of its ``$defs`` beside it."""
    schema = copy.deepcopy(load_schema(name))
    defs = schema.pop("$defs", {})
    schema.pop("$id", None)
    schema.pop("$schema", None)
    prefix = f"#/components/schemas/{component}."

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (prefix + v[len("#/$defs/"):] if k == "$ref" and isinstance(v, str)
                        and v.startswith("#/$defs/") else rewrite(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    out = {component: rewrite(schema)}
    out.update({f"{component}.{key}": rewrite(value) for key, value in defs.items()})
    return out


def _ref(component: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{component}"}


_ERRORS = {"description": "Not a valid request: each problem with its field and line",
           "content": {"application/json": {"schema": _ref("Errors")}}}
_SITUATION_BODY = {"required": True, "content": {
    "application/json": {"schema": _ref("Situation")},
    "application/yaml": {"schema": _ref("Situation")}}}
_DECISION_HEADERS = {"X-Decision-Id": {"description": "The decision's id (a UUID), as in its record",
                                       "schema": {"type": "string"}},
                     "X-Ruleset-Digest": {"description": "The digest of the merged ruleset that decided",
                                          "schema": {"type": "string"}}}


def _param(name: str, where: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description, "required": required, "schema": schema}


_TODAY = _param("today", "query", "The day to advise for (YYYY-MM-DD); by default the situation's own, else "
                "the current date in its country", {"type": "string", "format": "date"})
_LANG = _param("lang", "query", "The language of the advice", {"type": "string", "default": "en"})
_TRACE = _param("trace", "query", "full: every rule, condition by condition, as the CLI prints it; compact: what "
                "this situation decided (the ruleset holds the rest); none: no trace",
                {"enum": list(TRACES), "default": "full"})
_COMMON_ERRORS = {"413": {"description": "The body is larger than 1 MB"},
                  "415": {"description": "Another content type than the ones listed"},
                  "422": _ERRORS}


def _advice_op(summary: str, extra: list[dict[str, Any]]) -> dict[str, Any]:
    return {"summary": summary, "parameters": [_TODAY, _LANG, *extra], "requestBody": _SITUATION_BODY,
            "responses": {"200": {"description": "The advice document (the CLI's JSON)", "headers": _DECISION_HEADERS,
                                  "content": {"application/json": {"schema": _ref("Advice")}}},
                          **_COMMON_ERRORS}}


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once: the schemas do not change while the server runs)."""
    schemas: dict[str, Any] = {**bundled("situation", "Situation"), **bundled("advice", "Advice")}
    schemas["Errors"] = {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "array", "items": {"type": "object", "required": ["field", "line", "message"], "properties": {
            "field": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
            "message": {"type": "string"}}}}}}
    channel = _param("channel", "path", "A channel, or follow_up for why not to follow up now",
                     {"enum": list(SUBJECTS)}, True)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {"title": "followup", "version": __version__,
                 "description": "Whether, when and how to follow up on a job application or interview, from "
                                "Danish, Swedish and Norwegian career articles written as rules. Every answer "
                                "is what the followup command line prints for the same situation."},
        "paths": {
            "/v1/advice": {"post": _advice_op("Advice for one situation (followup advise --format json)", [_TRACE])},
            "/v1/explain": {"post": _advice_op("Every rule, fired or not (followup explain --format json)", [
                _param("why_not", "query", "Also say why not this channel (repeatable)", {"enum": list(SUBJECTS)})])},
            "/v1/why-not/{channel}": {"post": _advice_op("Why not this channel (followup explain --why-not)",
                                                         [channel])},
            "/v1/plan": {"post": {
                "summary": "Every follow-up ahead (followup plan --format json), or its calendar with "
                           "Accept: text/calendar",
                "parameters": [_TODAY, _LANG, _param("horizon", "query", "A day (YYYY-MM-DD) or a number of days",
                                                     {"type": "string"})],
                "requestBody": _SITUATION_BODY,
                "responses": {"200": {"description": "The plan", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/calendar": {"schema": {"type": "string"}}}}, **_COMMON_ERRORS}}},
            "/v1/batch": {"post": {
                "summary": f"Advice for many situations: JSON Lines in and out, streamed (followup batch); at most "
                           f"{MAX_BATCH_LINES:,} lines of at most 1 MB each",
                "parameters": [_TODAY, _TRACE],
                "requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "One line per input line: an advice document or an error record",
                                      "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                              "415": _COMMON_ERRORS["415"], "422": _ERRORS}}},
            "/v1/rulesets": {"get": {"summary": "The countries with rules of their own",
                                     "responses": {"200": {"description": "Each ruleset's name, version and digest"}}}},
            "/v1/rulesets/{country}": {"get": {
                "summary": "The merged ruleset used for a country",
                "parameters": [_param("country", "path", "ISO 3166-1 alpha-2", {"type": "string"}, True)],
                "responses": {"200": {"description": "The rules, in order, with their sources"}, "422": _ERRORS}}},
            "/healthz": {"get": {"summary": "The server is up", "security": [],
                                 "responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "FOLLOWUP_TOKEN, when the server requires one"}}},
    }
