"""``followup serve``: the page and the JSON API on one address (uvicorn running ``serve.app``)."""

from __future__ import annotations

import ipaddress
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

import click

from followup.api import Rules
from followup.audit.log import open_log
from followup.base.errors import ExitCode, InputError, Location
from followup.cli.common import rules_option
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


def is_loopback(host: str) -> bool:
    """``127.0.0.1``, ``::1`` and ``localhost`` only reach this machine; anything else may not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, no_auth: bool) -> None:
    """Refuse to listen beyond this machine with no token, unless ``--no-auth`` says so."""
    if not is_loopback(host) and not token and not no_auth:
        raise InputError(f"{host} lets other machines in: set FOLLOWUP_TOKEN (clients then send "
                         "'Authorization: Bearer TOKEN'), or pass --no-auth if something in front checks them",
                         Location(None, None, "--host"))


def check_port(host: str, port: int) -> None:
    """Refuse a port that cannot be listened on (taken, or privileged) with a message, not uvicorn's log line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closed port in TIME_WAIT is free
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
                             "(or stop what is using it)", Location(None, None, "--port")) from None


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


def run_worker(config: Any, sock: socket.socket) -> None:
    """A worker process: uvicorn serving on its own socket (the config arrives pickled, so its
    logging is set up again here, as uvicorn does for its own workers)."""
    import uvicorn  # noqa: PLC0415 - a third-party import, paid for only by this command

    config.configure_logging()
    uvicorn.Server(config).run(sockets=[sock])


def supervise(config: Any, sockets: list[socket.socket]) -> None:
    """Run a worker per socket until SIGINT or SIGTERM, restarting one that dies.

    Stopping sends each worker SIGTERM, which uvicorn answers with a graceful shutdown of at
    most ``GRACEFUL`` seconds; one still running after that is killed.
    """
    multiprocessing.allow_connection_pickling()
    context = multiprocessing.get_context("spawn")  # as uvicorn's workers: nothing inherited but the socket
    stopping = threading.Event()

    def start(sock: socket.socket) -> tuple[Any, float]:
        process = context.Process(target=run_worker, args=(config, sock), daemon=False)
        process.start()
        return process, time.monotonic()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    workers = [start(sock) for sock in sockets]
    quick = [0] * len(sockets)
    while not stopping.wait(0.5) and max(quick) < QUICK_DEATHS:
        for index, (process, started) in enumerate(workers):
            if not process.is_alive():
                quick[index] = quick[index] + 1 if time.monotonic() - started < SHORTEST_LIFE else 0
                workers[index] = start(sockets[index])
    failed = max(quick) >= QUICK_DEATHS
    for process, _ in workers:
        process.terminate()
    for process, _ in workers:
        process.join(GRACEFUL + 5)
        if process.is_alive():
            process.kill()
    if failed:  # not the input's fault: the rules were checked before listening
        click.echo(f"followup: a worker stopped as soon as it had started, {QUICK_DEATHS} times running; "
                   "its error is above", err=True)
        raise SystemExit(int(ExitCode.INTERNAL))


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
        rules.ruleset(country)
    # What is loaded now lives as long as the process: out of the collector's way, so that a
    # full collection does not walk the compiled rules in the middle of a request.
    gc.freeze()
    return make_app(rules, log=log, token=token, cors_origins=cors)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Another than this machine's needs FOLLOWUP_TOKEN or --no-auth.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (advising holds one core each).")
@click.option("--audit-log", "audit_log", type=click.Path(dir_okay=False), metavar="LOG",
              help="Keep every decision the server makes in LOG (JSON Lines, owner-only). Without it the "
                   "server keeps nothing.")
@click.option("--no-auth", is_flag=True, help="Listen beyond this machine without a token (a proxy in front checks).")
@click.option("--cors-origin", "cors", multiple=True, metavar="ORIGIN",
              help="Let pages from ORIGIN call the API from a browser (repeatable). Off by default.")
@rules_option
def serve(host: str, port: int, workers: int, audit_log: str | None, no_auth: bool, cors: tuple[str, ...],
          rules_dirs: tuple[str, ...]) -> None:
    """Serve the page and the JSON API: open the address it prints in a browser.

    The JSON API is described at /openapi.json. Nothing is kept between requests unless
    --audit-log is given. Stop it with Ctrl-C.
    """
    import uvicorn  # noqa: PLC0415 - a third-party import, paid for only by this command

    token = os.environ.get("FOLLOWUP_TOKEN") or None
    check_exposure(host, token, no_auth)
    check_port(host, port)
    Rules(rules_dirs)  # load and check the rules here, so a bad folder fails before listening
    if audit_log:
        with open_log(audit_log, append=True):  # an unusable log is refused before listening
            pass
    os.environ["FOLLOWUP_SERVE_RULES"] = os.pathsep.join(rules_dirs)
    os.environ["FOLLOWUP_SERVE_AUDIT_LOG"] = audit_log or ""
    os.environ["FOLLOWUP_SERVE_CORS"] = " ".join(cors)
    os.environ["FOLLOWUP_SERVE_NO_AUTH"] = "1" if no_auth else "0"
    loop, http, notes = server_stack()
    for note in notes:
        click.echo(f"followup: {note}", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"followup: open http://{shown}:{port}/ in a browser (the JSON API: http://{shown}:{port}/openapi.json)")
    # access_log=False: at log level "warning" no access line is written, but uvicorn would
    # still format each request's address and path for the logger that drops it.
    settings = dict(factory=True, host=host, port=port, loop=loop, http=http, log_level="warning",
                    access_log=False, timeout_keep_alive=KEEP_ALIVE, limit_concurrency=MAX_CONCURRENCY,
                    timeout_graceful_shutdown=GRACEFUL, server_header=False, proxy_headers=False)
    sockets = balanced_sockets(host, port, workers)
    if sockets is None:
        uvicorn.run("followup.cli.serve:build_app", workers=workers, **settings)
    else:
        supervise(uvicorn.Config("followup.cli.serve:build_app", **settings), sockets)
