"""``followup serve``: the page and the JSON API on one address (``serve/server.py`` runs ``serve/app.py``)."""

from __future__ import annotations

import ipaddress
import os
import socket

import click

from followup.api import Rules
from followup.audit.log import open_log
from followup.base.errors import InputError, Location
from followup.cli.common import rules_option
from followup.serve import server


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
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"followup: open http://{shown}:{port}/ in a browser (the JSON API: http://{shown}:{port}/openapi.json)")
    server.run(host, port, workers)
