"""Load on ``followup serve``: throughput and p99 latency at 32 concurrent clients, against the
in-process ``advise`` throughput measured in the same run, and the server's memory over many
requests. On 127.0.0.1 only, bounded in requests and in seconds.

    python bench/serve.py                      # 32 clients, 5,000 requests (at most 60 s), 2 workers
    python bench/serve.py --memory 100000      # also RSS every 10% of 100,000 requests (at most 600 s)
    python bench/serve.py --json               # the numbers as JSON too

The load generator is a small asyncio HTTP/1.1 client with keep-alive connections (one per
client), much lighter than an HTTP library, but it runs on the same cores as the server: on
a 2-core machine the server does not get both cores to itself, and the report says so.
Each request is ``POST /v1/advice?trace=none`` with a situation from ``bench/situations.py``.
The in-process figure is the server's own work without HTTP: the JSON body parsed,
``Rules.advise``, and ``Decision.to_json(trace="none")``, in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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


async def client(port: int, queue: asyncio.Queue[bytes], latencies: list[float], deadline: float,
                 failures: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            try:
                raw = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                failures.append(status)
    finally:
        writer.close()


async def load(port: int, payloads: list[bytes], requests: int, seconds: float) -> dict[str, Any]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(request_bytes(payloads[i % len(payloads)]))
    latencies: list[float] = []
    failures: list[int] = []
    start = time.monotonic()
    await asyncio.gather(*(client(port, queue, latencies, start + seconds, failures) for _ in range(CLIENTS)))
    elapsed = time.monotonic() - start
    ordered = sorted(latencies)
    return {"requests": len(latencies), "seconds": round(elapsed, 2), "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            "failures": len(failures)}


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


def memory(port: int, pid: int, payloads: list[bytes], total: int, seconds: float) -> list[dict[str, Any]]:
    """RSS of every server process after each tenth of ``total`` requests (bounded by ``seconds``)."""
    samples = []
    deadline = time.monotonic() + seconds
    step = max(1, total // 10)
    done = 0
    while done < total and time.monotonic() < deadline:
        result = asyncio.run(load(port, payloads, step, deadline - time.monotonic()))
        done += result["requests"]
        samples.append({"requests": done, "rss_mb": rss_mb(workers_of(pid))})
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0, help="at most this long for the load")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory", type=int, default=0, help="also sample RSS over this many requests")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    payloads = bodies(200)
    port = free_port()
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
        asyncio.run(load(port, payloads, 200, 30))  # warm every worker (first requests load the rules)
        served = asyncio.run(load(port, payloads, args.requests, args.seconds))
        alone = in_process(payloads, min(10.0, args.seconds))
        results: dict[str, Any] = {"cores": os.cpu_count(), "workers": args.workers, "clients": CLIENTS,
                                   "served": served, "in_process": alone,
                                   "ratio": round(served["per_second"] / alone["per_second"], 2)}
        if args.memory:
            results["memory"] = memory(port, server.pid, payloads, args.memory, 600)
    finally:
        server.terminate()
        server.wait(10)
    print(f"{results['cores']} cores, {results['workers']} workers, {CLIENTS} clients, load generator on the same cores")
    print(f"served:     {served['per_second']:>8} advice/s over HTTP ({served['requests']} requests in "
          f"{served['seconds']} s), p50 {served['p50_ms']} ms, p99 {served['p99_ms']} ms, "
          f"{served['failures']} not 200")
    print(f"in process: {alone['per_second']:>8} advice/s (one process, no HTTP)")
    print(f"ratio:      {results['ratio']} (served / in process)")
    for sample in results.get("memory", []):
        print(f"memory:     {sample['requests']:>8} requests: {sample['rss_mb']} MB (every server process)")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
