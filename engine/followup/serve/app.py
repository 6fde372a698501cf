"""The ASGI application: the routes, the token, and the headers every response carries.

Two small middlewares, both plain ASGI: ``Guard`` asks for the Bearer token when the server
has one (never for ``/healthz``, which a load balancer probes, or the static files), and
``Headers`` adds a strict Content-Security-Policy (no inline script or style at all: the
page's few lines of JavaScript are a static file), ``no-store`` (answers hold personal data;
no cache keeps them) and the usual hardening. CORS is off unless origins are named.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from followup.api import Rules
from followup.audit.log import DecisionLog
from followup.serve import balance, page, v1
from followup.serve.http import HTTPProblem, json_response
from followup.serve.openapi import document

STATIC = Path(__file__).parent / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
#: Reachable without the token: a health probe, and the page's own script and style sheet.
OPEN_PATHS = ("/healthz", "/static/")


class Headers:
    """Adds ``SECURITY_HEADERS`` to every response (a route's own ``Cache-Control`` wins), and
    ``Connection: close`` where this worker holds more than its share of connections (``balance.py``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in SECURITY_HEADERS if k not in have)]
                if b"connection" not in have and balance.should_close(scope):
                    message["headers"].append((b"connection", b"close"))
            await send(message)

        await self.app(scope, receive, with_headers)


class Guard:
    """Refuses (401) a request without ``Authorization: Bearer <token>`` when there is a token."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.expected is None or scope["type"] != "http" or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):  # constant time: the token is not guessed byte by byte
            await self.app(scope, receive, send)
            return
        refusal = json_response({"errors": [{"field": "Authorization", "line": None,
                                             "message": "send the server's token as: Authorization: Bearer TOKEN"}]},
                                401, {"WWW-Authenticate": "Bearer"})
        await refusal(scope, receive, send)


async def openapi(request: Request) -> Response:
    return json_response(document())


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return exc.response()


async def _internal(request: Request, exc: Exception) -> Response:
    """A bug of ours: the caller gets the error shape and no traceback (the server's log has it)."""
    return json_response({"errors": [{"field": None, "line": None,
                                      "message": f"internal error ({type(exc).__name__}); please report it"}]}, 500)


def make_app(rules: Rules, *, log: DecisionLog | None = None, token: str | None = None,
             cors_origins: tuple[str, ...] = ()) -> Starlette:
    """The application for ``rules``; ``log`` keeps each decision, ``token`` is required when given."""
    routes = [  # the router tries them in order: the busiest first (no two paths overlap)
        Route("/v1/advice", v1.advice_route, methods=["POST"]),
        Route("/", page.form_page, methods=["GET"]),
        Route("/advice", page.advice_page, methods=["POST"]),
        Route("/calendar.ics", page.calendar_download, methods=["POST"]),
        Route("/situation.yaml", page.situation_download, methods=["POST"]),
        Route("/agenda", page.agenda_page, methods=["GET", "POST"]),
        Route("/v1/explain", v1.explain_route, methods=["POST"]),
        Route("/v1/why-not/{channel}", v1.why_not_route, methods=["POST"]),
        Route("/v1/plan", v1.plan_route, methods=["POST"]),
        Route("/v1/batch", v1.BatchEndpoint(), methods=["POST"]),
        Route("/v1/rulesets", v1.rulesets_route, methods=["GET"]),
        Route("/v1/rulesets/{country}", v1.ruleset_route, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/healthz", v1.healthz, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(Headers), Middleware(Guard, token=token)]
    if cors_origins:  # only when asked for: a page elsewhere reading answers is a decision to make
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"],
                                     expose_headers=["X-Decision-Id", "X-Ruleset-Digest"]))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPProblem: _problem, Exception: _internal})
    app.state.service = v1.Service(rules, log)
    return app
