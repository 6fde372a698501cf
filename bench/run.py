"""The benchmark: cold start against the import floor, warm throughput, batch, and memory.

Run from a checkout, with ``followup`` installed or on PYTHONPATH::

    python bench/run.py            # about 3 minutes on 2 cores
    python bench/run.py --quick    # a tenth of the work, for a smoke test
    python bench/run.py --json     # the numbers as JSON too
    python bench/run.py --baseline /path/to/other/checkout/engine --quick
                                   # cold advise side by side with another version of followup
    python bench/run.py --versus   # only this tree against the build before issue 14, side by side
                                   # (bench/baseline.py: git archive of that commit, alternated)

Each number is what a user pays, measured on the shipped rulesets:

- cold ``followup advise`` (a new process, as a shell runs it), median and best of N runs,
  with the ruleset cache warm (as after the first run), cold (first run) and off; beside the
  import floor: a process that only imports followup's own dependencies, as followup uses
  them (``holidays`` imports every country module on the first lookup of any one);
- warm evaluations per second in one process: ``advise`` alone; with the full trace
  (``explain``: every rule, fired or not, condition by condition); and the full JSON document
  of ``advise --format json`` / each batch line; and the matching alone, through
  ``evaluate.py``'s direct calls into durable_rules' C core and through its stock ``Host``;
- ``followup batch`` with ``--jobs 1`` and ``--jobs 2``, lines per second end to end, and per
  CPU-second (what the lines cost, whatever else the machine is running);
- RSS every 10,000 of 100,000 evaluations with the full trace, in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baseline import BASELINE, compare  # noqa: E402 - bench/ is on the path only from here

FLOOR = {
    "bare": "import yaml, jsonschema, durable_rules_engine, click, holidays",
    "as used": "import yaml, jsonschema, durable_rules_engine, click, holidays, holidays.countries",
    "with durable.engine": "import yaml, jsonschema, durable.engine, click, holidays, holidays.countries",
}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import yaml
    from importlib.metadata import version

    return {"nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "cpu": model, "python": platform.python_version(), "platform": platform.platform(),
            "durable_rules": version("durable-rules"), "pyyaml": yaml.__version__,
            "libyaml": bool(getattr(yaml, "__with_libyaml__", False)), "followup": version("followup")
            if _installed() else "source", "load_1min": os.getloadavg()[0]}


def _installed() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version("followup")
        return True
    except PackageNotFoundError:
        return False


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment, minus PYTHONDONTWRITEBYTECODE: a user's Python keeps compiled modules."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def wall(command: list[str], runs: int, env: dict[str, str] | None = None, before: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Median and best wall time of ``runs`` runs of a command (after one run to warm the disk cache)."""
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment(env))
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment(env))
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    return {"median_s": statistics.median(times), "best_s": min(times)}


def cold(runs: int, example: Path) -> dict[str, Any]:
    cache = Path(tempfile.mkdtemp(prefix="followup-bench-cache-"))
    advise = [sys.executable, "-m", "followup", "advise", str(example)]
    env = {"XDG_CACHE_HOME": str(cache)}
    subprocess.run(advise, stdout=subprocess.DEVNULL, env=environment(env), check=True)  # fills the cache

    def clear() -> None:
        for entry in (cache / "followup").glob("*.json"):
            entry.unlink()

    out: dict[str, Any] = {"floor": {name: wall([sys.executable, "-c", code], runs) for name, code in FLOOR.items()},
                           "python -c pass": wall([sys.executable, "-c", "pass"], runs),
                           "advise, cache warm": wall(advise, runs, env),
                           "advise, cache cold (first run)": wall(advise, runs, env, before=clear),
                           "advise, cache off": wall(advise, runs, {**env, "FOLLOWUP_CACHE": "0"})}
    for name in ("bare", "as used"):
        out[f"ratio to floor ({name}), median"] = out["advise, cache warm"]["median_s"] / out["floor"][name]["median_s"]
    return out


def side_by_side(runs: int, example: Path, baseline: Path) -> dict[str, Any]:
    """Cold ``followup advise`` of this followup and of ``baseline`` (its ``engine`` folder), alternately.

    Both run with warm caches of their own (each has a different cache key), one after the
    other in each round, so that the load of a shared machine falls on both alike; wall time
    and CPU time (user + system of the child) are reported, medians and the ratio.
    """
    import resource

    caches = {name: Path(tempfile.mkdtemp(prefix=f"followup-bench-{name}-")) for name in ("this", "baseline")}
    envs = {"this": {"XDG_CACHE_HOME": str(caches["this"])},
            "baseline": {"XDG_CACHE_HOME": str(caches["baseline"]), "PYTHONPATH": str(baseline)}}
    command = [sys.executable, "-m", "followup", "advise", str(example)]
    times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in envs}
    for name, env in envs.items():  # fill the caches
        subprocess.run(command, stdout=subprocess.DEVNULL, env=environment(env), check=True)
    for _ in range(runs):
        for name, env in envs.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, env=environment(env), check=True)
            times[name]["wall"].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times[name]["cpu"].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    out: dict[str, Any] = {"example": example.name, "runs": runs}
    for name in envs:
        out[name] = {f"{kind} median_s": statistics.median(values) for kind, values in times[name].items()}
        out[name].update({f"{kind} best_s": min(values) for kind, values in times[name].items()})
    for kind in ("wall", "cpu"):
        out[f"ratio, {kind} median"] = out["this"][f"{kind} median_s"] / out["baseline"][f"{kind} median_s"]
        out[f"ratio, {kind} best"] = out["this"][f"{kind} best_s"] / out["baseline"][f"{kind} best_s"]
    return out


def warm(count: int) -> dict[str, Any]:
    """Evaluations per second in this process, on ``count`` varied situations."""
    from followup.engine.engine import Engine
    from followup.audit.explain import explain
    from followup.render.text import advice_document, to_json_line
    from situations import situations

    engine = Engine()
    batch = situations(count)
    for s in batch[:200]:
        explain(engine.advise(s))
    steps: dict[str, Callable[[Any], Any]] = {
        "advise": engine.advise,
        "advise + full trace (explain)": lambda s: explain(engine.advise(s)),
        "advise + full JSON document (one batch line)": lambda s: to_json_line(advice_document(engine.advise(s))),
        "advise + JSON document without the full trace": lambda s: to_json_line(advice_document(engine.advise(s), explanation=False)),
    }
    out = {}
    for name, step in steps.items():
        started = time.perf_counter()
        for situation in batch:
            step(situation)
        elapsed = time.perf_counter() - started
        out[name] = {"per_second": count / elapsed, "us_each": elapsed / count * 1e6}
    out["durable_rules alone, µs per evaluation"] = matching_only(engine, batch)
    rules = {c: len(engine.ruleset_for(c).rules) for c in ("DK", "SE", "NO", "DE")}
    fired = statistics.mean(len(engine.advise(s).trace) for s in batch[:500])
    return {"situations": count, "rules per country": rules, "rules fired on average": round(fired, 1), **out}


def matching_only(engine: Any, batch: list[Any]) -> dict[str, float]:
    """The matching alone: evaluate.py's direct calls into the C core, and durable_rules' own Host."""
    import durable.engine

    from followup.rules.compiler import definition_json
    from followup.engine.evaluate import Evaluator
    from followup.engine.facts import build_facts

    class SyncHost(durable.engine.Host):
        def _run(self) -> None:  # no timer threads
            pass

    cases = [(engine.ruleset_for(s.country), build_facts(s)) for s in batch]
    host, fired, names = SyncHost(), [], {}
    for merged, _ in cases:
        if merged.digest not in names:
            definition = json.loads(definition_json(merged))
            for rule_id, entry in definition.items():
                entry["run"] = (lambda rid: lambda c: fired.append(rid))(rule_id)
            names[merged.digest] = f"stock{len(names)}"
            host.register_rulesets({names[merged.digest]: definition})

    def stock(merged: Any, facts: dict[str, Any], sid: str) -> None:
        try:
            host.assert_fact(names[merged.digest], {**facts, "_kind": "situation", "sid": sid, "id": "situation"})
        except durable.engine.MessageNotHandledException:
            pass
        host.delete_state(names[merged.digest], sid)

    evaluator = Evaluator()
    out = {}
    for name, run in (("evaluate.py (C core directly)", lambda m, f, i: evaluator.fired(m, f)),
                      ("durable.engine.Host", lambda m, f, i: stock(m, f, str(i)))):
        started = time.perf_counter()
        for i, (merged, facts) in enumerate(cases):
            run(merged, facts, i)
        out[name] = (time.perf_counter() - started) / len(cases) * 1e6
    return out


def batch(lines: int) -> dict[str, Any]:
    from situations import jsonl

    folder = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    source = jsonl(folder / "in.jsonl", lines)
    out: dict[str, Any] = {"lines": lines}
    for jobs in (1, 2):
        for explanation in ("--explanation", "--no-explanation"):
            command = [sys.executable, "-m", "followup", "batch", str(source), "-o", str(folder / "out.jsonl"),
                       "--jobs", str(jobs), explanation]
            cpu_before = _children_cpu()
            started = time.perf_counter()
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment())
            elapsed = time.perf_counter() - started
            cpu = _children_cpu() - cpu_before
            if done.returncode != 0:
                raise SystemExit(f"batch failed: {done.stderr.decode()[-500:]}")
            size = (folder / "out.jsonl").stat().st_size
            out[f"--jobs {jobs} {explanation}"] = {"per_second": lines / elapsed, "per_cpu_second": lines / cpu,
                                                   "seconds": elapsed, "output_MB": round(size / 1e6, 1)}
    small = jsonl(folder / "small.jsonl", max(1, lines // 10))
    out["peak RSS of --jobs 1, MB"] = {f"{lines // 10:,} lines": _batch_rss(small, folder),
                                       f"{lines:,} lines": _batch_rss(source, folder)}
    return out


def _children_cpu() -> float:
    """User and system CPU seconds of finished child processes (with their worker processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_RSS = """
import runpy, sys
sys.argv = ["followup", "batch", sys.argv[1], "-o", sys.argv[2], "--no-explanation"]
try:
    runpy.run_module("followup", run_name="__main__")
except SystemExit:
    pass
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):  # ru_maxrss would include the parent's size before exec
        print(int(line.split()[1]) / 1024, file=sys.__stdout__)
"""


def _batch_rss(source: Path, folder: Path) -> float:
    done = subprocess.run([sys.executable, "-c", _RSS, str(source), str(folder / "rss.jsonl")], capture_output=True,
                          text=True, env=environment())
    return round(float(done.stdout.strip().splitlines()[-1]), 1)


_MEMORY = """
import json, sys
sys.path.insert(0, {here!r})
from followup.engine.engine import Engine
from followup.audit.explain import explain
from situations import situations
engine = Engine()
batch = situations(1000)
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
samples = []
for i in range({count}):
    explain(engine.advise(batch[i % len(batch)]))
    if (i + 1) % ({count} // 10) == 0:
        samples.append(round(rss(), 1))
peak = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"rss_MB_every_tenth": samples, "peak_MB": peak}}))
"""


def memory(count: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _MEMORY.format(here=str(HERE), count=count)], capture_output=True,
                          text=True, env=environment())
    if done.returncode != 0:
        raise SystemExit(f"memory run failed: {done.stderr[-800:]}")
    result = json.loads(done.stdout)
    samples = result["rss_MB_every_tenth"]
    return {"evaluations": count, **result, "growth_after_first_tenth_MB": round(samples[-1] - samples[0], 1)}


def report(results: dict[str, Any]) -> str:
    """The results as an indented text outline."""
    lines: list[str] = []

    def walk(value: Any, depth: int) -> None:
        for key, item in value.items():
            if isinstance(item, dict) and not {"per_second", "median_s"} & set(item):
                lines.append("  " * depth + f"{key}:")
                walk(item, depth + 1)
            else:
                lines.append("  " * depth + f"{key}: {_show(item)}")

    walk(results, 0)
    return "\n".join(lines)


def _show(item: Any) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{k} {v:,.3f}" if isinstance(v, float) and v < 10 else
                         f"{k} {v:,.0f}" if isinstance(v, float) else f"{k} {v}" for k, v in item.items())
    if isinstance(item, float):
        return f"{item:.2f}"
    return str(item)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--baseline", type=Path, metavar="ENGINE_DIR",
                        help="only compare cold advise with the followup package in ENGINE_DIR (another "
                             "checkout's engine/ folder), side by side")
    parser.add_argument("--versus", action="store_true",
                        help=f"only this tree against the build before issue 14 ({BASELINE}), in one run")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    if args.versus:
        print(json.dumps(compare(5000 // scale, 3, 100_000 // scale), indent=2))
        return
    from followup.base.paths import examples_dir

    results: dict[str, Any] = {"machine": machine()}
    if args.baseline:
        print("measuring cold advise side by side ...", file=sys.stderr)
        for name in ("dk-applied-email.yaml", "dk-rejected.yaml"):
            results[f"side by side: {name}"] = side_by_side(max(5, 41 // scale), Path(examples_dir()) / name,
                                                            args.baseline.resolve())
        print(report(results))
        if args.json:
            print(json.dumps(results, indent=2))
        return
    print("measuring cold start ...", file=sys.stderr)
    results["cold start"] = cold(max(3, 21 // scale), Path(examples_dir()) / "dk-applied-email.yaml")
    print("measuring warm evaluations ...", file=sys.stderr)
    results["warm, one process"] = warm(10_000 // scale)
    print("measuring batch ...", file=sys.stderr)
    results["batch"] = batch(20_000 // scale)
    print("measuring memory ...", file=sys.stderr)
    results["memory"] = memory(100_000 // scale)
    results["machine"]["load_1min_after"] = os.getloadavg()[0]
    print(report(results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
