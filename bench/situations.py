"""Varied, valid situations for the benchmark: the shipped examples, shifted and recombined.

Deterministic (a fixed seed), so two runs of the benchmark measure the same work.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

from followup.base.errors import InputError
from followup.base.paths import examples_dir
from followup.load.situation import parse_situation
from followup.load.yamlio import load_document

COUNTRIES = ("DK", "SE", "NO", "DE")


def _examples() -> list[dict[str, Any]]:
    return [load_document(path).data for path in sorted(Path(examples_dir()).glob("*.yaml"))]


def _shift(value: Any, days: int) -> Any:
    """Every date in ``value`` moved by ``days``."""
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            day = date.fromisoformat(value[:10]) + timedelta(days=days)
        except ValueError:
            return value
        return day.isoformat() + value[10:]
    return value


def variants(seed: int = 0) -> Iterator[dict[str, Any]]:
    """An endless stream of valid situations as plain data."""
    rnd = random.Random(seed)
    examples = _examples()
    while True:
        data = _shift(rnd.choice(examples), rnd.randrange(-200, 200))
        data["country"] = rnd.choice(COUNTRIES)
        if "today" in data and rnd.random() < 0.5:
            data["today"] = (date.fromisoformat(data["today"]) + timedelta(days=rnd.randrange(0, 20))).isoformat()
        try:
            parse_situation(json.dumps(data), "<bench>.json")
        except InputError:
            continue
        yield data


def situations(count: int, seed: int = 0) -> list[Any]:
    """``count`` parsed situations."""
    stream = variants(seed)
    return [parse_situation(json.dumps(next(stream)), "<bench>.json") for _ in range(count)]


def jsonl(path: Path, count: int, seed: int = 0) -> Path:
    """A JSON Lines file of ``count`` situations."""
    stream = variants(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(count):
            handle.write(json.dumps(next(stream), ensure_ascii=False) + "\n")
    return path
