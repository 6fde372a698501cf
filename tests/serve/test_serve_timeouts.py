"""A client that stops sending its body is answered, not waited for: 408 for one situation, an
error record ending the stream for a batch. The app is called directly with a stalling client
and a short limit, since the real limit is seconds long."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import followup
from followup.serve import http, v1
from followup.serve.app import make_app

APP = make_app(followup.Rules())
LINE = json.dumps({"country": "DK", "stage": "applied", "today": "2026-11-21",
                   "application": {"sent_on": "2026-11-11", "via": "email"},
                   "contact": {"name": "Mette Jensen", "email": "mj@example.dk"}}).encode()


def stalled(path: str, kind: str, first: bytes) -> list[dict[str, Any]]:
    """What the app sends for a request whose body stops after ``first`` (it never ends)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", kind.encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {}}
    parts = [{"type": "http.request", "body": first, "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return parts.pop()
        await asyncio.sleep(3600)  # the client has gone quiet
        raise AssertionError("not answered in time")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(APP(scope, receive, send), 30)

    asyncio.run(run())
    return sent


@pytest.fixture(autouse=True)
def short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "READ_TIMEOUT", 0.2)
    monkeypatch.setattr(v1, "READ_TIMEOUT", 0.2)


def test_a_body_that_stops_arriving_is_answered_408_naming_the_limit() -> None:
    sent = stalled("/v1/advice", "application/json", LINE[:20])
    assert sent[0]["status"] == 408
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert "did not arrive within 0.2 seconds" in body["errors"][0]["message"]


def test_a_batch_that_stalls_keeps_the_lines_advised_and_ends_with_a_record_for_the_next() -> None:
    sent = stalled("/v1/batch", "application/x-ndjson", LINE + b"\n" + LINE + b"\n" + LINE[:10])
    assert sent[0]["status"] == 200 and sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    lines = [json.loads(line) for line in b"".join(m.get("body", b"") for m in sent[1:]).splitlines()]
    assert [line.get("action") for line in lines[:2]] == ["follow_up", "follow_up"]
    assert lines[2]["error"]["line"] == 3 and len(lines) == 3
    assert "line 3 did not arrive within 0.2 seconds" in lines[2]["error"]["messages"][0]["message"]
