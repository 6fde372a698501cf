"""A real ``followup serve`` on a free localhost port, for the API and browser tests.

Started as the user starts it (``python -m followup serve``), so the tests go through
uvicorn, its HTTP parser and the process's own startup, not only an in-process client.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(*args: str, env: dict[str, str] | None = None, wait: float = 30.0) -> Iterator[str]:
    """The base address of a server started with ``args``; stopped (by its own pid) afterwards."""
    port = free_port()
    environment = {**os.environ, **(env or {})}
    environment.pop("FOLLOWUP_TOKEN", None) if env is None or "FOLLOWUP_TOKEN" not in env else None
    process = subprocess.Popen([sys.executable, "-m", "followup", "serve", "--port", str(port), *args],
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"followup serve exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("followup serve did not answer in time")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
