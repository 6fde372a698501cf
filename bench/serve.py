"""Load on ``followup serve``: throughput and p99 latency at 32 concurrent clients, against the
in-process ``advise`` throughput measured in the same run, and the server's memory over many
requests. On 127.0.0.1 only, bounded in requests and in seconds.

    python bench/serve.py                      # 32 clients, 5,000 requests (at most 60 s), 2 workers
    python bench/serve.py --memory 100000      # also RSS every 10% of 100,000 requests (at most 600 s)
    python bench/serve.py --json               # the numbers as JSON too

The load generator is a small HTTP/1.1 client (an ``asyncio.Protocol`` on uvloop, as the
server is) with one keep-alive connection per client, all opened before the first request;
each client sends its next request once its last answer is in (a closed loop). It runs on
the same cores as the server: on a 2-core machine the server does not get both cores to
itself, and the report says so, with the load average before and after. Each request is
``POST /v1/advice?trace=none`` with a situation from ``bench/situations.py``; every answer
must be 200 and the in-process advice byte for byte (decision id and timestamp aside), or
the run exits 1. The report also says how many connections each worker held at the end,
and how many times a worker asked a client to reconnect (``Connection: close``: the workers
balance their connections, ``engine/followup/serve/balance.py``); the client then opens a new
connection, as HTTP clients do, and that time counts in its request's latency.
The in-process figure is the server's own work without HTTP: the JSON body parsed,
``Rules.advise``, and ``Decision.to_json(trace="none")``, in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from situations import variants  # noqa: E402

CLIENTS = 32
PATH = "/v1/advice?trace=none"
UNIQUE = re.compile(rb'"(id|timestamp)": "[^"]*"')
#: The memory run stops after this many seconds however many requests it has sent.
MEMORY_SECONDS = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bodies(count: int) -> list[bytes]:
    """Distinct valid situations as JSON request bodies."""
    stream = variants()
    return [json.dumps(next(stream), ensure_ascii=False).encode() for _ in range(count)]


def request_bytes(body: bytes) -> bytes:
    return (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def masked(body: bytes) -> bytes:
    """The document without its decision id and timestamp, the only bytes that differ between runs."""
    return UNIQUE.sub(rb'"\1": "-"', body)


def expected_answers(payloads: list[bytes]) -> list[bytes]:
    """What the server must answer to each payload: the in-process document, as the route sends it."""
    import followup
    rules = followup.Rules()
    return [masked(rules.advise(json.loads(p)).to_json(trace="none").encode() + b"\n") for p in payloads]


class Work:
    """The requests still to send, shared by every client, and what came back."""

    def __init__(self, payloads: list[bytes], expected: list[bytes], requests: int, deadline: float) -> None:
        self.raw = [request_bytes(p) for p in payloads]
        self.expected = expected
        self.left = requests
        self.sent = 0
        self.deadline = deadline
        self.latencies: list[float] = []
        self.answers: list[tuple[int, bytes]] = []  # (payload, the whole answer), checked after the run
        self.failures: list[str] = []
        self.port = 0
        self.reconnections = 0  # connections the server asked to close (its workers balancing)

    def check(self) -> None:
        """Every answer a 200 with, byte for byte but for the decision id and timestamp, the in-process document."""
        for index, answer in self.answers:
            head, _, body = answer.partition(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            if status != 200:
                self.failures.append(f"status {status}")
            elif masked(body) != self.expected[index]:
                self.failures.append("an answer other than the in-process advice")
        self.answers.clear()

    def take(self) -> int | None:
        """The index of the next payload, or None when the count or the time is used up."""
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return None
        self.left -= 1
        self.sent += 1
        return (self.sent - 1) % len(self.raw)


class Client(asyncio.Protocol):
    """One keep-alive connection in a closed loop: the next request only once the last answer is in."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.loop = asyncio.get_running_loop()
        self.connected: asyncio.Future[None] = self.loop.create_future()
        self.finished: asyncio.Future[None] = self.loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.index = 0
        self.started = 0.0
        self.closing = False  # the server said Connection: close; a new connection follows

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is a Transport in all but name
        if not self.connected.done():
            self.connected.set_result(None)

    def send_next(self) -> None:
        index = self.work.take()
        if index is None:
            self.finish()
            return
        self.index, self.buffer = index, bytearray()
        self.started = time.perf_counter()  # before a reconnection: its cost is this request's
        if self.closing:
            self.loop.create_task(self.reopen(self.work.raw[index]))
            return
        assert self.transport is not None
        self.transport.write(self.work.raw[index])

    async def reopen(self, request: bytes) -> None:
        """A new connection, as any HTTP/1.1 client opens after ``Connection: close``, then ``request`` on it."""
        self.work.reconnections += 1
        try:
            await self.loop.create_connection(lambda: self, "127.0.0.1", self.work.port)
        except OSError as exc:
            self.finished.set_exception(ConnectionError(f"could not connect again: {exc}"))
            return
        self.closing = False
        assert self.transport is not None
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = bytes(self.buffer[:head_end]).lower()
        at = head.index(b"\r\ncontent-length:") + len(b"\r\ncontent-length:")
        stop = head.find(b"\r\n", at)
        length = int(head[at:stop if stop >= 0 else len(head)])
        if len(self.buffer) < head_end + 4 + length:
            return
        self.work.latencies.append(time.perf_counter() - self.started)
        # Checked once the clock has stopped (``Work.check``): the 17 KB comparison is the
        # load generator's work, and it shares the server's two cores.
        self.work.answers.append((self.index, bytes(self.buffer)))
        if b"\r\nconnection: close" in head:
            self.closing = True
            assert self.transport is not None
            self.transport.close()
        self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done() and not self.closing:
            self.finished.set_exception(ConnectionError(f"the server closed a connection: {exc}"))

    def finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def load(port: int, payloads: list[bytes], expected: list[bytes], requests: int, seconds: float,
               pid: int | None = None) -> dict[str, Any]:
    """``requests`` requests from ``CLIENTS`` connections, all opened before the first request."""
    loop = asyncio.get_running_loop()
    work = Work(payloads, expected, requests, time.monotonic() + seconds)
    work.port = port
    clients = [Client(work) for _ in range(CLIENTS)]
    for client in clients:
        await loop.create_connection(lambda c=client: c, "127.0.0.1", port)
        await client.connected
    start, cpu = time.monotonic(), time.process_time()
    for client in clients:
        client.send_next()
    await asyncio.gather(*(c.finished for c in clients))
    elapsed, cpu = time.monotonic() - start, time.process_time() - cpu
    # Read from /proc after the clock has stopped (it takes milliseconds), before the connections close.
    split = connections_per_worker(pid, port) if pid else []
    for client in clients:
        client.close()
    work.check()
    ordered = sorted(work.latencies)
    return {"requests": len(ordered), "seconds": round(elapsed, 2), "per_second": round(len(ordered) / elapsed, 1),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2), "client_cpu_share": round(cpu / elapsed, 2),
            "failures": len(work.failures),
            "failure_kinds": sorted(set(work.failures)), "connections_per_worker": split,
            "reconnections": work.reconnections}


def run(coroutine: Any) -> Any:
    """The client on uvloop, as the server is: the lighter the load generator, the more of the
    two shared cores is left for the server."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def in_process(payloads: list[bytes], seconds: float) -> dict[str, Any]:
    """``advise`` and its JSON document without HTTP, in this process, for ``seconds``."""
    import followup
    rules = followup.Rules()
    for p in payloads[:20]:
        rules.advise(json.loads(p))
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:  # what the server does: parse, advise, the document's text
        rules.advise(json.loads(payloads[done % len(payloads)])).to_json(trace="none")
        done += 1
    elapsed = time.perf_counter() - start
    return {"advised": done, "per_second": round(done / elapsed, 1)}


def workers_of(pid: int) -> list[int]:
    """The server's processes: itself and its children (uvicorn's workers), from /proc."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def listening(port: int) -> int:
    """How many sockets listen on ``port`` (one per worker with followup serve's own sockets)."""
    return sum(1 for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
               if int(line.split()[1].rsplit(":", 1)[1], 16) == port and line.split()[3] == "0A")


def connections_per_worker(pid: int, port: int) -> list[int]:
    """How many of the established connections to ``port`` each worker holds (from /proc),
    most first: the kernel, not the server, decides which worker accepts a connection."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for worker in [w for w in workers_of(pid)[1:] if _is_worker(w)] or [pid]:
        try:
            fds = list(Path(f"/proc/{worker}/fd").iterdir())
        except OSError:
            continue
        counts.append(sum(1 for fd in fds if _link(fd) in inodes))
    return sorted(counts, reverse=True)


def _is_worker(pid: int) -> bool:
    """uvicorn's workers are spawned by multiprocessing; its resource tracker is a child too."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _link(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


def memory(port: int, pid: int, payloads: list[bytes], expected: list[bytes], total: int,
           seconds: float) -> tuple[list[dict[str, Any]], int]:
    """RSS of every server process after each tenth of ``total`` requests (bounded by ``seconds``),
    and how many answers were not the expected advice."""
    samples = []
    deadline = time.monotonic() + seconds
    step = max(1, total // 10)
    done = failures = 0
    while done < total and time.monotonic() < deadline:
        result = run(load(port, payloads, expected, step, deadline - time.monotonic()))
        done += result["requests"]
        failures += result["failures"]
        samples.append({"requests": done, "rss_mb": rss_mb(workers_of(pid))})
    return samples, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0, help="at most this long for the load")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory", type=int, default=0,
                        help=f"also sample RSS over this many requests (at most {MEMORY_SECONDS} s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    payloads = bodies(200)
    expected = expected_answers(payloads)
    port = free_port()
    load_before = os.getloadavg()
    server = subprocess.Popen([sys.executable, "-m", "followup", "serve", "--port", str(port),
                               "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("followup serve did not start")
                time.sleep(0.2)
        while listening(port) < args.workers and time.monotonic() < deadline:
            time.sleep(0.2)  # a worker listens once it has loaded the rules; until then the others get its share
        run(load(port, payloads, expected, 200, 30))  # every worker's first requests, not measured
        served = run(load(port, payloads, expected, args.requests, args.seconds, server.pid))
        alone = in_process(payloads, min(10.0, args.seconds))
        results: dict[str, Any] = {"cores": os.cpu_count(), "workers": args.workers, "clients": CLIENTS,
                                   "served": served, "in_process": alone,
                                   "ratio": round(served["per_second"] / alone["per_second"], 2)}
        if args.memory:
            results["memory"], results["memory_failures"] = memory(port, server.pid, payloads, expected,
                                                                   args.memory, MEMORY_SECONDS)
    finally:
        server.terminate()
        server.wait(10)
    results["load_average"] = {"before": [round(x, 2) for x in load_before],
                               "after": [round(x, 2) for x in os.getloadavg()]}
    print(f"{results['cores']} cores, {results['workers']} workers, {CLIENTS} clients, load generator on the same "
          f"cores; load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"served:     {served['per_second']:>8} advice/s over HTTP ({served['requests']} requests in "
          f"{served['seconds']} s), p50 {served['p50_ms']} ms, p99 {served['p99_ms']} ms, max {served['max_ms']} ms; "
          f"connections per worker at the end {served['connections_per_worker']} ({served['reconnections']} asked "
          f"by a worker to reconnect, balancing); the load generator used "
          f"{served['client_cpu_share']:.0%} of a core")
    print(f"checked:    {served['failures']} answers not 200 with the in-process advice "
          f"{served['failure_kinds'] or ''}".rstrip())
    print(f"in process: {alone['per_second']:>8} advice/s (one process, no HTTP)")
    print(f"ratio:      {results['ratio']} (served / in process)")
    for sample in results.get("memory", []):
        print(f"memory:     {sample['requests']:>8} requests: {sample['rss_mb']} MB (every server process)")
    if args.memory:
        print(f"checked:    {results['memory_failures']} answers of the memory run not 200 with the advice")
    if args.json:
        print(json.dumps(results, indent=2))
    if served["failures"] or results.get("memory_failures"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
