"""10,000 evaluations in one process leave memory flat.

durable_rules caps live sessions at 1,024 per ruleset and grows without bound if sessions
are not deleted; this test would fail at evaluation 1,025 (MemoryError) or show growth if
the evaluator leaked sessions.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from conftest import EXAMPLES
from followup.load.situation import load_situation


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.mark.slow
def test_ten_thousand_evaluations_keep_memory_flat(engine) -> None:
    situations = [load_situation(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    for i in range(1_000):
        engine.advise(situations[i % len(situations)])
    gc.collect()
    before = rss_kib()
    for i in range(10_000):
        engine.advise(situations[i % len(situations)])
    gc.collect()
    grown = rss_kib() - before
    assert grown < 4_096, f"RSS grew by {grown} KiB over 10,000 evaluations"
