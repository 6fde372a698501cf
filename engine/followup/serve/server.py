"""Running the app: uvicorn in one process, or several workers with a listening socket each.

``followup serve`` checks its options and then calls ``run``. The app itself is ``app.py``;
this module is how it is served: the event loop and HTTP parser (both in C, named rather
than left to uvicorn's guess), one socket per worker where the kernel can spread connections
over them, and a supervisor that restarts a worker that dies. Each worker builds its app with
``build_app`` from settings its parent put in the environment.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from importlib.util import find_spec
from typing import Any

from followup.api import Rules
from followup.audit.log import open_log
from followup.base.errors import EngineError
from followup.render.draft import compile_templates
from followup.serve import balance
from followup.serve.app import make_app

#: How long a kept-alive connection may sit idle, and how long a shutdown waits for requests.
KEEP_ALIVE = 5
GRACEFUL = 10
#: At most this many connections at once per worker; more are answered 503 at once.
MAX_CONCURRENCY = 1000
#: uvicorn's event loop and HTTP parser, both in C and both dependencies of ours: named, not
#: left to uvicorn's guess, so that the server a user runs is the one bench/serve.py measured.
LOOP = "uvloop"
HTTP = "httptools"
#: A worker that dies sooner than this after it started, this many times running, is not
#: started again: it would only die again (its error is in the log above).
SHORTEST_LIFE = 5.0
QUICK_DEATHS = 3
#: What each worker imports to build its app.
FACTORY = "followup.serve.server:build_app"


def build_app():  # type: ignore[no-untyped-def]
    """The app for a worker process, from the settings the parent put in the environment.

    With ``--workers N`` uvicorn imports the app in each worker by name, so the options
    travel as environment variables (never the token on a command line, where ``ps`` shows it).
    """
    dirs = [d for d in os.environ.get("FOLLOWUP_SERVE_RULES", "").split(os.pathsep) if d]
    log_path = os.environ.get("FOLLOWUP_SERVE_AUDIT_LOG") or None
    cors = tuple(o for o in os.environ.get("FOLLOWUP_SERVE_CORS", "").split() if o)
    token = os.environ.get("FOLLOWUP_TOKEN") or None
    if os.environ.get("FOLLOWUP_SERVE_NO_AUTH") == "1":
        token = None
    log = open_log(log_path, append=True) if log_path else None
    rules = Rules(dirs)
    for country in (*rules.countries(), "ZZ"):  # compiled now, not by a first request that waits for it
        compile_templates(rules.ruleset(country))  # the rules, and the drafts' texts in every language
    # What is loaded now lives as long as the process: out of the collector's way, so that a
    # full collection does not walk the compiled rules in the middle of a request.
    gc.freeze()
    return make_app(rules, log=log, token=token, cors_origins=cors)


def server_stack(platform: str = sys.platform) -> tuple[str, str, list[str]]:
    """uvicorn's ``loop`` and ``http``, and a note for each that had to fall back.

    A missing one is not fatal: asyncio's loop and h11 give the same answers, only more
    slowly, so the server still starts and says what to install. uvloop has no Windows
    build (pyproject.toml leaves it out there), so asyncio is no surprise there and needs no note.
    """
    loop, http, notes = LOOP, HTTP, []
    if find_spec(LOOP) is None:
        loop = "asyncio"
        if platform != "win32":
            notes.append(f"{LOOP} is not installed: serving on asyncio's own event loop, which is slower "
                         f"(pip install {LOOP})")
    if find_spec(HTTP) is None:
        http = "h11"
        notes.append(f"{HTTP} is not installed: reading HTTP with the pure-Python h11, which is slower "
                     f"(pip install {HTTP})")
    return loop, http, notes


def balanced_sockets(host: str, port: int, workers: int) -> list[socket.socket] | None:
    """One listening socket per worker, all on ``port`` (SO_REUSEPORT), or None to share one.

    With one shared socket, whichever worker wakes first accepts every connection waiting,
    so a burst of keep-alive clients lands on one worker while the other idles (bench/serve.py
    saw 32 connections of 32 on one of two). With a socket each, the kernel spreads new
    connections over the workers by their addresses. Linux only: elsewhere SO_REUSEPORT is
    missing or does not spread. The kernel lets only the same user join the port.
    """
    if workers < 2 or sys.platform != "linux" or not hasattr(socket, "SO_REUSEPORT"):
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = []
    for _ in range(workers):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host.strip("[]"), port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def run_worker(config: Any, sock: socket.socket, table: Any = None, index: int = 0) -> None:
    """A worker process: uvicorn serving on its own socket (the config arrives pickled, so its
    logging is set up again here, as uvicorn does for its own workers). With ``table``, the
    worker counts its connections in slot ``index`` and sheds those beyond its share (``balance.py``)."""
    import uvicorn  # noqa: PLC0415 - a third-party import, paid for only by this command
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string

    config.configure_logging()
    if table is not None and isinstance(config.http, str):
        balance.configure(table, index)
        config.http = balance.counting(import_from_string(HTTP_PROTOCOLS.get(config.http, config.http)))
    uvicorn.Server(config).run(sockets=[sock])


def supervise(config: Any, sockets: list[socket.socket]) -> None:
    """Run a worker per socket until SIGINT or SIGTERM, restarting one that dies.

    Stopping sends each worker SIGTERM, which uvicorn answers with a graceful shutdown of at
    most ``GRACEFUL`` seconds; one still running after that is killed.
    """
    multiprocessing.allow_connection_pickling()
    context = multiprocessing.get_context("spawn")  # as uvicorn's workers: nothing inherited but the socket
    stopping = threading.Event()
    table = balance.new_table(len(sockets))

    def start(index: int) -> tuple[Any, float]:
        balance.reset(table, index)  # a worker that died held nothing any more
        process = context.Process(target=run_worker, args=(config, sockets[index], table, index), daemon=False)
        process.start()
        return process, time.monotonic()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    workers = [start(index) for index in range(len(sockets))]
    quick = [0] * len(sockets)
    while not stopping.wait(0.5) and max(quick) < QUICK_DEATHS:
        for index, (process, started) in enumerate(workers):
            if not process.is_alive():
                quick[index] = quick[index] + 1 if time.monotonic() - started < SHORTEST_LIFE else 0
                workers[index] = start(index)
    failed = max(quick) >= QUICK_DEATHS
    for process, _ in workers:
        process.terminate()
    for process, _ in workers:
        process.join(GRACEFUL + 5)
        if process.is_alive():
            process.kill()
    if failed:  # not the input's fault: the rules were checked before listening
        raise EngineError(f"a worker stopped as soon as it had started, {QUICK_DEATHS} times running; "
                          "its error is above")


def run(host: str, port: int, workers: int) -> None:
    """Serve on ``host:port`` with ``workers`` processes until SIGINT or SIGTERM."""
    import uvicorn  # a third-party import, paid for only by the server

    loop, http, notes = server_stack()
    for note in notes:
        print(f"followup: {note}", file=sys.stderr)
    # access_log=False: at log level "warning" no access line is written, but uvicorn would
    # still format each request's address and path for the logger that drops it.
    settings = dict(factory=True, host=host, port=port, loop=loop, http=http, log_level="warning",
                    access_log=False, timeout_keep_alive=KEEP_ALIVE, limit_concurrency=MAX_CONCURRENCY,
                    timeout_graceful_shutdown=GRACEFUL, server_header=False, proxy_headers=False)
    sockets = balanced_sockets(host, port, workers)
    if sockets is None:
        uvicorn.run(FACTORY, workers=workers, **settings)
    else:
        supervise(uvicorn.Config(FACTORY, **settings), sockets)
