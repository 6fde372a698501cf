"""This tree against a named baseline build, measured side by side in one run.

The machine is shared: a number from another day, or another hour, says little. So the
baseline (by default the last commit before issue 14, ``BASELINE``) is exported with
``git archive`` into a temporary folder and run from there (``PYTHONPATH``), in the same
environment as this tree, each measure alternating between the two, best of ``rounds``:

- ``followup batch`` lines per second and per CPU-second: the baseline with its full trace
  and with ``--no-explanation``, this tree with ``--trace compact`` (its default), ``none``
  and ``full``;
- ``Decision.to_json()`` per second in one warm process (what ``advise --format json``
  prints, full trace), the same API in both;
- this tree's peak RSS over a long batch, at a tenth of the lines and at all of them.

Ratios are this tree's figure divided by the baseline's, the targets of issue 14 beside them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The last build before issue 14 (compact trace, orjson, fastjsonschema).
BASELINE = "25f9d27"

_WARM = """
import json, sys, time
import followup
with open({source!r}, encoding="utf-8") as lines:
    data = [json.loads(line) for _, line in zip(range({count}), lines)]
rules = followup.Rules()
for d in data[:50]:
    rules.advise(d).to_json()
started = time.process_time()
for d in data:
    rules.advise(d).to_json()
print(json.dumps({{"per_cpu_second": len(data) / (time.process_time() - started)}}))
"""


def export(revision: str) -> Path:
    """The tree of ``revision`` in a new temporary folder (no worktree, nothing in .git changed)."""
    folder = Path(tempfile.mkdtemp(prefix="followup-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision, "engine", "rulesets",
                              "schemas", "examples"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _env(tree: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(tree / "engine"), "XDG_CACHE_HOME": str(cache)}


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _batch(tree: Path, cache: Path, source: Path, out: Path, flags: list[str]) -> dict[str, float]:
    command = [sys.executable, "-m", "followup", "batch", str(source), "-o", str(out), *flags]
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(tree, cache))
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    lines = sum(1 for _ in open(source, "rb"))
    return {"per_second": lines / elapsed, "per_cpu_second": lines / cpu, "line_KB": out.stat().st_size / lines / 1e3}


def _warm(tree: Path, cache: Path, source: Path, count: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _WARM.format(source=str(source), count=count)], capture_output=True,
                          text=True, env=_env(tree, cache))
    if done.returncode != 0:
        raise SystemExit(f"warm run failed: {done.stderr[-800:]}")
    return json.loads(done.stdout)


_RSS = """
import runpy, sys
sys.argv = ["followup", "batch", sys.argv[1], "-o", sys.argv[2]]
try:
    runpy.run_module("followup", run_name="__main__")
except SystemExit:
    pass
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) / 1024, file=sys.__stdout__)
"""


def _rss(tree: Path, cache: Path, source: Path, out: Path) -> float:
    done = subprocess.run([sys.executable, "-c", _RSS, str(source), str(out)], capture_output=True, text=True,
                          env=_env(tree, cache))
    return round(float(done.stdout.strip().splitlines()[-1]), 1)


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: max(r[key] for r in runs) if key != "line_KB" else runs[0][key] for key in runs[0]}


def _old_spelling(source: Path, target: Path) -> Path:
    """``source`` as the baseline reads it: ``interview.date`` and ``follow_ups[].date`` were
    still called ``on`` there (``load/spelling.py``). The same situations, each tree in its own words."""
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            data = json.loads(line)
            for record in [data.get("interview") or {}, *data.get("follow_ups", [])]:
                if "date" in record:
                    record["on"] = record.pop("date")
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
    return target


def compare(lines: int, rounds: int, memory_lines: int, revision: str = BASELINE) -> dict[str, Any]:
    """Every measure of the module docstring, for this tree and ``revision``."""
    sys.path.insert(0, str(HERE))
    from situations import jsonl

    base = export(revision)
    folder = Path(tempfile.mkdtemp(prefix="followup-versus-"))
    cache = folder / "cache"
    source = jsonl(folder / "in.jsonl", lines)
    old = _old_spelling(source, folder / "in-old.jsonl")
    cases = {f"baseline {revision}, full trace": (base, old, ["--explanation"]),
             f"baseline {revision}, --no-explanation": (base, old, ["--no-explanation"]),
             "this tree, --trace compact": (ROOT, source, ["--trace", "compact"]),
             "this tree, --trace none": (ROOT, source, ["--trace", "none"]),
             "this tree, --trace full": (ROOT, source, ["--trace", "full"])}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    warm: dict[str, list[dict[str, float]]] = {f"baseline {revision}": [], "this tree": []}
    for _ in range(rounds):  # interleaved: a busy minute on the machine hits both alike
        for name, (tree, lines_in, flags) in cases.items():
            runs[name].append(_batch(tree, cache, lines_in, folder / "out.jsonl", flags))
        for name, tree, lines_in in ((f"baseline {revision}", base, old), ("this tree", ROOT, source)):
            warm[name].append(_warm(tree, cache, lines_in, max(200, lines // 4)))
    batch = {name: _best(r) for name, r in runs.items()}
    documents = {name: _best(r) for name, r in warm.items()}
    b_full, b_none = batch[f"baseline {revision}, full trace"], batch[f"baseline {revision}, --no-explanation"]

    def ratio(mine: dict[str, float], theirs: dict[str, float]) -> str:
        return (f"{mine['per_second'] / theirs['per_second']:.2f}x wall, "
                f"{mine['per_cpu_second'] / theirs['per_cpu_second']:.2f}x per CPU-second")

    big = jsonl(folder / "big.jsonl", memory_lines)
    small = jsonl(folder / "small.jsonl", max(1, memory_lines // 10))
    return {
        "baseline": revision, "lines": lines, "rounds": rounds, "batch, --jobs 1": batch,
        "Decision.to_json() (advise --format json, full trace), warm": documents,
        "ratios (target)": {
            "batch compact / baseline full (>= 4x)": ratio(batch["this tree, --trace compact"], b_full),
            "batch --trace none / baseline --no-explanation (>= 3x)": ratio(batch["this tree, --trace none"], b_none),
            "batch --trace full / baseline full": ratio(batch["this tree, --trace full"], b_full),
            "advise --format json, full trace (>= 1.7x)":
                f"{documents['this tree']['per_cpu_second'] / documents[f'baseline {revision}']['per_cpu_second']:.2f}x "
                "per CPU-second"},
        "peak RSS of batch --trace compact, MB": {f"{memory_lines // 10:,} lines": _rss(ROOT, cache, small, folder / "o"),
                                                  f"{memory_lines:,} lines": _rss(ROOT, cache, big, folder / "o")},
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-lines", type=int, default=100_000)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    print(json.dumps(compare(args.lines, args.rounds, args.memory_lines, args.baseline), indent=2))
