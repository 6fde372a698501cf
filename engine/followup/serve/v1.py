"""The JSON API, version 1: the CLI's commands over HTTP, with the CLI's JSON byte for byte.

=============================  ===================================================================
``POST /v1/advice``            ``followup advise --format json`` (``?today=&lang=&trace=full|compact|none``)
``POST /v1/explain``           ``followup explain --format json`` (``?why_not=CHANNEL``, repeatable)
``POST /v1/why-not/{channel}`` ``followup explain --why-not CHANNEL --format json``
``POST /v1/plan``              ``followup plan --format json``; ``Accept: text/calendar`` for ``--ics``
``POST /v1/batch``             ``followup batch``: JSON Lines in, JSON Lines out, line by line
``GET /v1/rulesets[/{c}]``     the countries with rules of their own; one merged ruleset
=============================  ===================================================================

A situation is sent as JSON (``application/json``) or as a situation file
(``application/yaml``). Every advice response names its decision in the body (``decision``)
and in the headers ``X-Decision-Id`` and ``X-Ruleset-Digest``, so a caller can quote the
decision without parsing the body. Advising runs on the event loop itself: durable_rules
holds the GIL throughout, so a thread pool would only add a hop; workers give parallelism.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import AsyncIterator

import asyncio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from followup.api import TRACES as API_TRACES
from followup.api import Decision, Rules, as_day, check_lang
from followup.audit.log import DecisionLog
from followup.audit.whynot import SUBJECTS
from followup.base.errors import ExitCode, InputError, Location
from followup.batch import Job, advise_line
from followup.load.situation import Situation, situation_from_document
from followup.load.yamlio import MAX_BYTES, parse_text
from followup.plan import horizon_day, make_plan
from followup.render.ics import plan_calendar
from followup.render.plan import plan_json
from followup.render.text import to_json_line, to_json_text
from followup.rules.ruleset import country_code
from followup.serve.http import (JSON, JSON_LINES_TYPES, READ_TIMEOUT, YAML_TYPES, HTTPProblem, body_text,
                                 input_problem, json_response, problem, read_body, require_type)

#: ``trace=``: the full trace of every rule (the CLI's document), the compact one, or none.
TRACES = API_TRACES
#: A batch request holds at most this many lines; each line at most ``MAX_BYTES``, like the CLI's.
MAX_BATCH_LINES = 10_000
CALENDAR = "text/calendar"


@dataclass(frozen=True)
class Service:
    """What the routes share: the rules (loaded once), and the decision log if one was asked for."""

    rules: Rules
    log: DecisionLog | None = None


def service(request: Request) -> Service:
    return request.app.state.service


async def situation_of(request: Request, today: str | None = None) -> Situation:
    """The situation in the request body (JSON or YAML), validated, with ``?today=`` applied."""
    kind = require_type(request, (JSON, *YAML_TYPES))
    text = body_text(await read_body(request))
    try:
        day = as_day(today if today is not None else request.query_params.get("today"))
        # The name's suffix picks the parser: JSON strictly, as the CLI reads a .json file.
        document = parse_text(text, "request.json" if kind == JSON else "request.yaml")
        return situation_from_document(document, day)
    except InputError as exc:
        raise input_problem(exc) from None


def query_choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise problem(name, f"'{value[:40]}' is not one of: {', '.join(choices)}")
    return value


def decision_headers(decision: Decision) -> dict[str, str]:
    return {"X-Decision-Id": decision.id, "X-Ruleset-Digest": decision.record.ruleset_digest}


def advise(request: Request, situation: Situation) -> Decision:
    """``Rules.advise`` with the request's ``lang``, logged when the server keeps a log."""
    svc = service(request)
    try:
        lang = check_lang(request.query_params.get("lang", "en"))
        return svc.rules.advise(situation, lang=lang, log=svc.log)
    except InputError as exc:
        raise input_problem(exc) from None


def json_text(text: str | bytes, headers: dict[str, str] | None = None) -> Response:
    """A body that is the CLI's JSON output: its text plus the newline ``click.echo`` ends it with."""
    body = text if isinstance(text, bytes) else text.encode("utf-8")
    return Response(body + b"\n", 200, headers=headers, media_type=JSON)


async def advice_route(request: Request) -> Response:
    trace = query_choice(request, "trace", TRACES, "full")
    decision = advise(request, await situation_of(request))
    return json_text(decision.to_json_bytes(trace=trace), decision_headers(decision))


async def explain_route(request: Request) -> Response:
    subjects = request.query_params.getlist("why_not")
    for subject in subjects:
        _check_subject(subject, "why_not")
    decision = advise(request, await situation_of(request))
    return json_text(explain_text(decision, subjects), decision_headers(decision))


async def why_not_route(request: Request) -> Response:
    subject = _check_subject(request.path_params["channel"], "channel")
    decision = advise(request, await situation_of(request))
    return json_text(explain_text(decision, [subject]), decision_headers(decision))


def explain_text(decision: Decision, subjects: list[str]) -> str:
    """What ``followup explain [--why-not S]... --format json`` prints."""
    document = decision.to_dict()
    if subjects:
        document["why_not"] = [decision.why_not(subject).to_json() for subject in subjects]
    return to_json_text(document)


def _check_subject(subject: str, field: str) -> str:
    if subject not in SUBJECTS:
        raise problem(field, f"'{subject[:40]}' is not a channel; choose one of: {', '.join(SUBJECTS)}")
    return subject


async def plan_route(request: Request) -> Response:
    svc = service(request)
    situation = await situation_of(request)
    try:
        lang = check_lang(request.query_params.get("lang", "en"))
        plan = make_plan(svc.rules, situation, lang=lang,
                         horizon=horizon_day(request.query_params.get("horizon"), situation.today))
    except InputError as exc:
        raise input_problem(exc) from None
    headers = {"X-Ruleset-Digest": svc.rules.ruleset(situation.country).digest}
    if CALENDAR in request.headers.get("accept", ""):  # reminders for people: in ``lang``, as ``followup plan --ics``
        return Response(plan_calendar(plan.reader_dict()), 200, headers=headers, media_type=f"{CALENDAR}; charset=utf-8")
    return Response(plan_json(plan.to_dict()), 200, headers=headers, media_type=JSON)


async def rulesets_route(request: Request) -> Response:
    rules = service(request).rules
    listed = []
    for country, name in rules.countries().items():
        merged = rules.ruleset(country)
        listed.append({"country": country, "name": name, "version": merged.version, "digest": merged.digest})
    return json_response({"rulesets": listed})


async def ruleset_route(request: Request) -> Response:
    try:
        country = country_code(request.path_params["country"], "country")
    except InputError as exc:
        raise input_problem(exc) from None
    merged = service(request).rules.ruleset(country)
    return json_response({**merged.to_data(), "digest": merged.digest, "warnings": list(merged.warnings)},
                         headers={"X-Ruleset-Digest": merged.digest})


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


# --- batch ---------------------------------------------------------------------------------------


class BatchEndpoint:
    """``POST /v1/batch``: each line answered as soon as it has arrived, in input order.

    A plain ASGI app rather than a streaming response: it reads the request and writes the
    answer at the same time, which a response object that also listens for the client going
    away would not allow. Lines are those of ``followup batch`` (an error record for a bad
    line, never a stop); a line over ``MAX_BYTES`` is dropped unread up to its newline.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            require_type(request, JSON_LINES_TYPES)
            trace = query_choice(request, "trace", TRACES, "compact")  # as followup batch: compact by default
            today = as_day(request.query_params.get("today"))
        except InputError as exc:
            await input_problem(exc).response()(scope, receive, send)
            return
        except HTTPProblem as exc:
            await exc.response()(scope, receive, send)
            return
        svc: Service = request.app.state.service
        job = Job("request", today, svc.rules.dirs, trace=trace)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/x-ndjson; charset=utf-8")]})
        number = 0
        try:
            async for raw in _lines(request):
                number += 1
                if number > MAX_BATCH_LINES:
                    error = InputError(f"a batch request holds at most {MAX_BATCH_LINES:,} lines; send the rest in "
                                       "another request", Location(None, number, None))
                    await send(_body(to_json_line_error(number, error)))
                    break
                _, text = advise_line(svc.rules, job, number, raw)
                await send(_body(text))
        except TimeoutError:  # the answer has begun: the stall is said as the next line's record, then it ends
            error = InputError(f"line {number + 1} did not arrive within {READ_TIMEOUT:g} seconds; the batch ends "
                               "here", Location(None, number + 1, None))
            await send(_body(to_json_line_error(number + 1, error)))
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _body(line: str | bytes) -> Message:
    """One output line of a streamed batch answer."""
    body = line if isinstance(line, bytes) else line.encode("utf-8")
    return {"type": "http.response.body", "body": body + b"\n", "more_body": True}


def to_json_line_error(number: int, error: InputError) -> str:
    """An error record of ``followup batch``'s shape, for a line the batch code never sees."""
    return to_json_line({"error": {"exit_code": int(ExitCode.BAD_INPUT), "line": number, "messages": [
        {"field": error.location.field, "line": number, "message": error.message}]}})


async def _lines(request: Request) -> AsyncIterator[bytes]:
    """The body's lines as bytes (without the newline), each bounded to ``MAX_BYTES`` + 1."""
    buffer = b""
    skipping = False
    stream = request.stream().__aiter__()
    while True:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                chunk = await stream.__anext__()
        except StopAsyncIteration:
            break
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line, buffer = buffer[:end], buffer[end + 1:]
            if skipping:
                skipping = False
                continue
            yield line.rstrip(b"\r")
        if len(buffer) > MAX_BYTES:  # a line too long: answered now (refused), the rest of it dropped
            if not skipping:
                yield buffer[: MAX_BYTES + 1]
            skipping, buffer = True, b""
    if buffer and not skipping:
        yield buffer.rstrip(b"\r")


__all__ = ["BatchEndpoint", "Service", "advice_route", "explain_route", "healthz", "plan_route", "ruleset_route",
           "rulesets_route", "why_not_route"]
