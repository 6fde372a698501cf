"""Which event loop and HTTP parser ``followup serve`` hands uvicorn, and what it says when one is missing."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import uvicorn

from followup.cli import serve as serve_cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def started_with(run: Any, monkeypatch: pytest.MonkeyPatch, missing: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """uvicorn.run's keyword arguments (uvicorn itself not started) and what the command wrote to stderr."""
    real_find_spec = serve_cli.find_spec
    monkeypatch.setattr(serve_cli, "find_spec", lambda name: None if name in missing else real_find_spec(name))
    for name in ("FOLLOWUP_SERVE_RULES", "FOLLOWUP_SERVE_AUDIT_LOG", "FOLLOWUP_SERVE_CORS", "FOLLOWUP_SERVE_NO_AUTH"):
        monkeypatch.setenv(name, "")  # the command sets them for its workers; put back afterwards
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs, app=app))
    result = run("serve", "--port", str(free_port()))
    assert result.code == 0, result.err
    return seen, result.err


def test_the_server_runs_on_uvloop_and_httptools_by_name(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs, stderr = started_with(run, monkeypatch)
    assert (kwargs["loop"], kwargs["http"]) == ("uvloop", "httptools")
    assert kwargs["access_log"] is False
    assert stderr == ""


def test_a_missing_parser_falls_back_to_h11_and_says_what_to_install(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs, stderr = started_with(run, monkeypatch, missing=("httptools",))
    assert (kwargs["loop"], kwargs["http"]) == ("uvloop", "h11")
    assert "httptools is not installed" in stderr and "pip install httptools" in stderr


def test_a_missing_loop_falls_back_to_asyncio_and_says_so_except_on_windows(run: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs, stderr = started_with(run, monkeypatch, missing=("uvloop",))
    assert (kwargs["loop"], kwargs["http"]) == ("asyncio", "httptools")
    assert "uvloop is not installed" in stderr and "pip install uvloop" in stderr
    # pyproject.toml installs no uvloop on Windows: asyncio's loop is expected there, not news.
    assert serve_cli.server_stack("win32") == ("asyncio", "httptools", [])
