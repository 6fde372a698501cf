"""What every request goes through: a bounded body read in bounded time, and the error shapes.

Errors are JSON: ``422 {"errors": [{"field", "line", "message"}]}`` for input that is not a
valid situation (the records ``followup batch`` writes), 413 for a body over the limit, 415
for a content type the route does not read. The limit is the CLI's own (1 MB, ``MAX_BYTES``),
so a file the command line accepts is accepted here, and nothing larger is ever held.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import asyncio
from starlette.requests import Request
from starlette.responses import Response

from followup.base.errors import InputError
from followup.load.yamlio import MAX_BYTES

#: A request body must arrive within this many seconds (a slow sender holds no worker forever).
READ_TIMEOUT = 10.0

JSON = "application/json"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines")


class HTTPProblem(Exception):
    """A request refused with ``status`` and a JSON body (raised anywhere, answered by the app)."""

    def __init__(self, status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        return json_response({"errors": self.errors}, self.status, self.headers)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Compact JSON for errors and listings (advice bodies are the CLI's own text instead)."""
    return Response(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n", status,
                    headers=headers, media_type=JSON)


def problem(field: str | None, message: str, status: int = 422, line: int | None = None) -> HTTPProblem:
    return HTTPProblem(status, [{"field": field, "line": line, "message": message}])


def input_problem(exc: InputError) -> HTTPProblem:
    """422 with one record per problem, as ``InputErrors.to_json`` gives them."""
    return HTTPProblem(422, [{"field": e.location.field, "line": e.location.line, "message": e.message}
                             for e in exc.each()])


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def require_type(request: Request, accepted: Iterable[str]) -> str:
    """The request's media type if the route reads it, else 415 naming the ones it does."""
    kind = media_type(request)
    accepted = tuple(accepted)
    if kind not in accepted:
        raise problem("Content-Type", f"'{kind[:60] or 'none'}' is not accepted here; send {', '.join(accepted)}", 415)
    return kind


def declared_length(request: Request, limit: int = MAX_BYTES) -> None:
    """413 at once when Content-Length already says the body is too large."""
    value = request.headers.get("content-length")
    if value is not None and value.isdigit() and int(value) > limit:
        raise too_large(limit)


def too_large(limit: int = MAX_BYTES) -> HTTPProblem:
    return problem(None, f"the request body is larger than the limit of {limit:,} bytes", 413)


async def read_body(request: Request, limit: int = MAX_BYTES) -> bytes:
    """The whole body, refused (413) as soon as it passes ``limit``; 408 if it takes too long."""
    declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise problem(None, f"the request body did not arrive within {READ_TIMEOUT:g} seconds", 408) from None
    return b"".join(chunks)


def body_text(raw: bytes) -> str:
    """The body as text: UTF-8 (a byte-order mark is allowed), else 422."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise problem(None, f"the body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
