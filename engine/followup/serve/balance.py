"""Kept-alive connections spread evenly over the workers, whatever the kernel's hash did.

With a listening socket per worker (``server.balanced_sockets``), the kernel places each new
connection by a hash of the client's address and port. 32 connections opened together split
19/13 or worse about one time in three, and the worker holding 19 answers each of its clients
later than the other by as much: that is the p99 ``bench/serve.py`` measures.

So every worker counts the connections it holds in a small table of shared memory that each
worker reads. A worker holding more than its share (all the connections held, divided by the
workers, rounded up) answers one request on one of its connections with ``Connection: close``.
The client opens a new connection for its next request, as HTTP/1.1 says it may and every
HTTP client does, and the kernel places that one afresh; connections told to close still
count until they are gone, and a worker has one such connection at a time: while a burst of
connections is still being accepted the counts move, and shedding on each of them would close
connections that no longer need to move. Nothing is lost: the answer is whole, only the
connection ends after it.

Only the server's own workers balance (``configure`` is called in each); in one process, or
where the workers share one socket, ``should_close`` is always False.
"""

from __future__ import annotations

import asyncio
from multiprocessing.sharedctypes import RawArray
from typing import Any

#: Slots per worker in the table: the connections it holds, and those it has told to close.
SLOTS = 2

_table: Any = None  # the shared RawArray, or None: this process does not balance
_index = 0
_closing: set[tuple[Any, ...]] = set()  # the peers of this worker's connections told to close


def new_table(workers: int) -> Any:
    """Shared memory for ``workers`` workers' counts, all zero (given to each worker at its start)."""
    return RawArray("i", SLOTS * workers)


def reset(table: Any, index: int) -> None:
    """Worker ``index``'s counts back to zero, before a new worker takes its place."""
    table[SLOTS * index] = table[SLOTS * index + 1] = 0


def configure(table: Any, index: int) -> None:
    """In a worker process: count this worker's connections in slot ``index`` of ``table``."""
    global _table, _index
    _table, _index = table, index
    _closing.clear()


def counting(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class ``base``, counting the connections it serves in the table."""

    class Counted(base):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.followup_peer = _peer(transport.get_extra_info("peername"))
            _arrived()
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            _gone(self.followup_peer)

    Counted.__name__ = Counted.__qualname__ = f"Counted{base.__name__}"
    return Counted


def should_close(scope: dict[str, Any]) -> bool:
    """Whether the answer to this request should end its connection: True when this worker holds
    more than its share and has no other connection closing."""
    if _table is None or scope.get("http_version") != "1.1":
        return False
    peer = _peer(scope.get("client"))
    if peer is None or peer in _closing:
        return False
    held, closing = _table[SLOTS * _index], _table[SLOTS * _index + 1]
    if closing:  # one at a time: while connections open in a burst, the counts are still moving
        return False
    everyone = sum(_table[SLOTS * i] for i in range(len(_table) // SLOTS))
    share = -(-everyone // (len(_table) // SLOTS))  # rounded up: 31 connections on 2 workers is 16 each
    if held - closing <= share:
        return False
    _closing.add(peer)
    _table[SLOTS * _index + 1] = closing + 1
    return True


def _peer(address: Any) -> tuple[Any, ...] | None:
    """The client's (host, port), as uvicorn puts it in ``scope["client"]``; None for a Unix socket."""
    if isinstance(address, (tuple, list)) and len(address) >= 2:
        return (address[0], address[1])
    return None


def _arrived() -> None:
    if _table is not None:
        _table[SLOTS * _index] += 1


def _gone(peer: tuple[Any, ...] | None) -> None:
    if _table is None:
        return
    _table[SLOTS * _index] -= 1
    if peer in _closing:
        _closing.discard(peer)
        _table[SLOTS * _index + 1] -= 1
