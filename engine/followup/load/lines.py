"""Reading a stream line by line in bounded memory: JSON Lines input (batch) and audit logs.

A line longer than the limit is cut there, and the rest of it is skipped as it is read, never
held: a one-line file of a gigabyte costs no more memory than a line at the limit.
"""

from __future__ import annotations

from typing import IO, Iterator

from followup.load.yamlio import MAX_BYTES

#: A line and its 1-based number; the bytes have no line ending.
Line = tuple[int, bytes]


def read_lines(stream: IO[bytes], max_bytes: int = MAX_BYTES) -> Iterator[Line]:
    """``(number, bytes)`` of each line, without its newline; a line over ``max_bytes`` is cut
    there (so ``len(bytes) > max_bytes`` tells the caller to refuse it), the rest of it skipped
    without being held in memory."""
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 16)) and not rest.endswith(b"\n"):
                pass
        yield number, raw.rstrip(b"\r\n")
