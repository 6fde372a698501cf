"""Same input, rules and day: the same advice, byte for byte, whatever else differs.

What may not matter: the machine's time zone, locale and hash seed; the order of keys in the
file; the order rules are listed in when their priorities differ; the ruleset cache being
on, off, stale or corrupt. The only per-run fields are the decision record's ``id`` and
``timestamp`` (``audit.record.PER_RUN``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import EXAMPLES
from followup.engine.engine import Engine
from followup.render.text import advice_document, to_json_line
from followup.rules.ruleset import Library
from followup.load.situation import load_situation, local_today

EXAMPLE = EXAMPLES / "dk-applied-email.yaml"
DECISIONS = ("action", "channel", "alternatives", "purpose", "timing", "forbidden", "conflicts", "verdict", "warnings",
             "today", "country")


def followup(*args: str, env: dict[str, str] | None = None) -> bytes:
    done = subprocess.run([sys.executable, "-m", "followup", *args], capture_output=True,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def without_per_run(output: bytes) -> dict[str, Any]:
    document = json.loads(output)
    for name in ("id", "timestamp"):
        document["decision"].pop(name)
    return document


MACHINES = [
    {"TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"},
    {"TZ": "Pacific/Kiritimati", "LANG": "da_DK.UTF-8", "LC_ALL": "", "PYTHONHASHSEED": "4242"},
    {"TZ": "America/Los_Angeles", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "random"},
]


def test_other_zones_locales_and_hash_seeds_give_the_same_bytes() -> None:
    texts = {followup("advise", str(EXAMPLE), env=machine) for machine in MACHINES}
    assert len(texts) == 1
    documents = [without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env=m)) for m in MACHINES]
    assert documents[0] == documents[1] == documents[2]
    assert json.dumps(documents[0], sort_keys=True) == json.dumps(documents[1], sort_keys=True)


def test_today_is_the_countrys_date_whatever_the_machines_zone(tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text("country: DK\nstage: considering\n", encoding="utf-8")
    days = {without_per_run(followup("advise", str(path), "--format", "json", env={"TZ": zone}))["today"]
            for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC")}
    assert days == {local_today("DK").isoformat()}


def test_the_command_lines_today_wins_over_the_files(run) -> None:
    result = run("advise", str(EXAMPLE), "--today", "2026-11-24", "--format", "json")
    assert result.json()["today"] == "2026-11-24"


def _shuffled_keys(value: Any, rnd: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {k: _shuffled_keys(value[k], rnd) for k in keys}
    return value


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_order_of_keys_in_the_file_does_not_matter(run, tmp_path: Path, seed: int) -> None:
    data = yaml.load(EXAMPLE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    path = tmp_path / "me.yaml"
    path.write_text(yaml.safe_dump(_shuffled_keys(data, random.Random(seed)), sort_keys=False), encoding="utf-8")
    # The text names its own file in its last line (where 'followup explain' is): the rest is equal.
    assert run("advise", str(path)).out.replace(str(path), "FILE") == \
        run("advise", str(EXAMPLE)).out.replace(str(EXAMPLE), "FILE")
    assert run("advise", str(path), "--format", "json").json()["decision"]["situation_digest"] == \
        run("advise", str(EXAMPLE), "--format", "json").json()["decision"]["situation_digest"]


# --- rule order -------------------------------------------------------------------------------


def _base_with_distinct_priorities() -> dict[str, Any]:
    """The shipped base layer, each rule given its own priority (ties broken as listed)."""
    from followup.base.paths import rulesets_dir

    base = yaml.safe_load((rulesets_dir() / "base.yaml").read_text(encoding="utf-8"))
    order = sorted(range(len(base["rules"])), key=lambda i: (base["rules"][i].get("priority", 0), -i))
    for rank, i in enumerate(order):
        base["rules"][i]["priority"] = rank
    return base


def _advice_under(base: dict[str, Any], rules: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    folder.mkdir()
    (folder / "base.yaml").write_text(yaml.safe_dump({**base, "rules": rules}, allow_unicode=True), encoding="utf-8")
    engine = Engine(library=Library.load([folder], include_shipped=False))
    return [json.loads(to_json_line(advice_document(engine.advise(load_situation(p)), trace="full")))
            for p in sorted(EXAMPLES.glob("*.yaml"))]


@pytest.mark.parametrize("seed", [1, 2])
def test_shuffled_rules_with_distinct_priorities_give_the_same_advice(tmp_path: Path, seed: int) -> None:
    base = _base_with_distinct_priorities()
    shuffled = list(base["rules"])
    random.Random(seed).shuffle(shuffled)
    listed, reordered = _advice_under(base, base["rules"], tmp_path / "a"), _advice_under(base, shuffled, tmp_path / "b")
    for one, other in zip(listed, reordered):
        assert {k: one[k] for k in DECISIONS} == {k: other[k] for k in DECISIONS}
        for points in ("say", "avoid", "cautions"):
            assert sorted(map(json.dumps, one[points])) == sorted(map(json.dumps, other[points]))
        assert sorted(e["id"] for e in one["trace"]) == sorted(e["id"] for e in other["trace"])


def test_shuffled_rules_with_distinct_priorities_give_the_points_in_the_same_order(tmp_path: Path) -> None:
    base = _base_with_distinct_priorities()
    shuffled = list(base["rules"])
    random.Random(1).shuffle(shuffled)
    listed, reordered = _advice_under(base, base["rules"], tmp_path / "a"), _advice_under(base, shuffled, tmp_path / "b")
    assert [(a["say"], a["avoid"], a["cautions"]) for a in listed] == \
        [(b["say"], b["avoid"], b["cautions"]) for b in reordered]


# --- the ruleset cache ------------------------------------------------------------------------


def test_the_cache_on_off_or_corrupt_gives_the_same_bytes(tmp_path: Path) -> None:
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    cold = without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env=cache))
    entries = list((tmp_path / "cache" / "followup").glob("layers-*.json"))
    assert len(entries) == 1
    warm = without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env=cache))
    off = without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env={**cache, "FOLLOWUP_CACHE": "0"}))
    entries[0].write_text('{"format": "followup-layers/1", "key": "' + entries[0].stem[7:] + '", "layers": [{}]}')
    corrupt = without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env=cache))
    entries[0].write_bytes(b"\x00\xff not json")
    garbage = without_per_run(followup("advise", str(EXAMPLE), "--format", "json", env=cache))
    assert cold == warm == off == corrupt == garbage


def test_a_changed_ruleset_file_is_read_again(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    layer = rules / "mine.yaml"
    entry = {"id": "mine", "title": "Mine", "when": {"fact": "stage", "equals": "applied"},
             "then": {"say": ["first words"]}, "because": "A test.", "source": {"seed": "000", "items": ["T2"], "quote": "q"}}
    layer.write_text(yaml.safe_dump({"ruleset": "mine", "version": "1", "extends": "dk", "country": "DK", "rules": [entry]}),
                     encoding="utf-8")
    assert "first words" in run("advise", str(EXAMPLE), "--rules", str(rules), "--format", "json").out
    entry["then"] = {"say": ["second words"]}
    layer.write_text(yaml.safe_dump({"ruleset": "mine", "version": "1", "extends": "dk", "country": "DK", "rules": [entry]}),
                     encoding="utf-8")
    out = run("advise", str(EXAMPLE), "--rules", str(rules), "--format", "json").out
    assert "second words" in out and "first words" not in out


def test_an_unwritable_cache_only_costs_speed(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    result = run("advise", str(EXAMPLE))
    assert result.code == 0 and result.err == ""
