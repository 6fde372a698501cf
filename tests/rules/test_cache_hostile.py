"""The cache folder is not trusted: what a stranger (or an accident) puts there changes no advice.

Each test runs ``followup advise`` with a cache folder of its own, tampers with it as the
attack did, and checks that the advice is the advice without a cache, at once, and that the
bad entry is rebuilt. Advising runs in a subprocess wherever the old behaviour hung or ate
memory, with a timeout and a memory limit, so a regression fails instead of stopping the run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from followup.base import cachedir
from followup.engine import workdays

EXAMPLE = EXAMPLES / "dk-interview-date-passed.yaml"
INJECTED = "Call her private mobile late in the evening, several times."
POSIX = hasattr(os, "geteuid")
AS_ROOT = POSIX and os.geteuid() == 0


def _limit_memory() -> None:
    import resource  # noqa: PLC0415 (only where a child process is started, POSIX only)

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def advise(env: dict[str, str | None], cwd: Path | None = None, example: Path = EXAMPLE) -> subprocess.CompletedProcess[str]:
    """``followup advise --format json`` in a child process: 60 s and 2 GB at most."""
    full = {k: v for k, v in {**os.environ, "FOLLOWUP_CACHE": None, **env}.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "followup", "advise", str(example), "--format", "json"],
                          capture_output=True, text=True, env=full,
                          timeout=60, cwd=cwd, preexec_fn=_limit_memory if POSIX else None)


def advice(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The advice without what differs per run."""
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    document = json.loads(result.stdout)
    for name in ("id", "timestamp"):
        document["decision"].pop(name)
    return document


@pytest.fixture(scope="module")
def uncached() -> dict[str, Any]:
    """The advice given with no cache at all."""
    return advice(advise({"FOLLOWUP_CACHE": "0"}))


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory, uncached: dict[str, Any]) -> Path:
    """A cache folder a first run filled (``XDG_CACHE_HOME``), giving the advice as without one."""
    xdg = tmp_path_factory.mktemp("warmed") / "xdg"
    assert advice(advise({"XDG_CACHE_HOME": str(xdg)})) == uncached  # cold: writes the entries
    return xdg


@pytest.fixture
def cache(tmp_path: Path, warmed: Path, uncached: dict[str, Any]) -> dict[str, Any]:
    """A warm cache of its own (a copy of ``warmed``, modes kept): its env, folder, and the
    advice given with no cache at all."""
    shutil.copytree(warmed, tmp_path / "xdg")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    return {"env": env, "folder": tmp_path / "xdg" / "followup", "expected": uncached}


def entry(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def unsigned(path: Path) -> dict[str, Any]:
    """An entry's JSON, without its signature if it has one."""
    data = json.loads(path.read_bytes())
    data.pop("mac", None)
    return data


def signed(folder: Path, name: str, data: dict[str, Any]) -> bytes:
    """``data`` as an entry signed with the folder's own key: what an attacker with the key could write."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()[1:]
    key = (folder / "key").read_bytes()
    mac = hmac.new(key, name.encode() + b"\0" + body, hashlib.sha256).hexdigest()
    return b'{"mac":"' + mac.encode() + b'",' + body


# --- entries that are not regular files -----------------------------------------------------

@pytest.mark.parametrize("pattern", ["layers-*.json", "holidays-DK-2026-*.json"])
def test_an_entry_linked_to_dev_zero_is_passed_over_and_rebuilt(cache: dict[str, Any], pattern: str) -> None:
    path = entry(cache["folder"], pattern)
    path.unlink()
    path.symlink_to("/dev/zero")
    assert advice(advise(cache["env"])) == cache["expected"]
    assert path.is_file() and not path.is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("pattern", ["layers-*.json", "holidays-DK-2026-*.json"])
def test_a_fifo_entry_is_passed_over_at_once_and_rebuilt(cache: dict[str, Any], pattern: str) -> None:
    path = entry(cache["folder"], pattern)
    path.unlink()
    os.mkfifo(path)
    assert advice(advise(cache["env"])) == cache["expected"]
    assert path.is_file()


def test_a_link_at_an_entry_is_replaced_not_written_through(cache: dict[str, Any], tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    path = entry(cache["folder"], "layers-*.json")
    path.unlink()
    path.symlink_to(victim)
    assert advice(advise(cache["env"])) == cache["expected"]
    assert victim.read_text(encoding="utf-8") == "keep me" and not path.is_symlink()


# --- entries with the right key and the wrong content ---------------------------------------

def _inject(data: dict[str, Any]) -> dict[str, Any]:
    for layer in data["layers"]:
        if "translation" in layer["data"]:  # a catalogue: its rules are texts by id, not rules
            continue
        for rule in layer["data"].get("rules", []):
            if rule["then"].get("say"):
                rule["then"]["say"] = [INJECTED]
    return data


def test_a_crafted_ruleset_entry_with_the_right_key_injects_nothing(cache: dict[str, Any]) -> None:
    path = entry(cache["folder"], "layers-*.json")
    crafted = _inject(unsigned(path))
    path.write_text(json.dumps(crafted), encoding="utf-8")  # the right format and key, no signature
    result = advise(cache["env"])
    assert INJECTED not in result.stdout and advice(result) == cache["expected"]
    path.write_bytes(b'{"mac":"' + b"0" * 64 + b'",' + json.dumps(crafted).encode()[1:])  # a made-up one
    result = advise(cache["env"])
    assert INJECTED not in result.stdout and advice(result) == cache["expected"]


def test_a_signed_ruleset_entry_for_other_files_is_not_used(cache: dict[str, Any], tmp_path: Path) -> None:
    path = entry(cache["folder"], "layers-*.json")
    data = unsigned(path)
    data["layers"] = data["layers"][:1]  # signed with the key, but not the files' layers
    path.write_bytes(signed(cache["folder"], path.name, data))
    assert advice(advise(cache["env"])) == cache["expected"]


def _poisoned(days: dict[str, str]) -> list[dict[str, str]]:
    """Tables that moved windows: every day a holiday, days of other years, names that are not text."""
    every_day = {date.fromordinal(date(2026, 1, 1).toordinal() + n).isoformat(): "Holiday" for n in range(365)}
    return [every_day, {**days, "2100-01-04": "Moved"}, {"2026-01-05": 5}, {"2026-1-5": "Short"}, {}]


@pytest.mark.parametrize("case", range(5))
def test_a_poisoned_holiday_table_changes_no_window(cache: dict[str, Any], case: int) -> None:
    path = entry(cache["folder"], "holidays-DK-2026-*.json")
    data = unsigned(path)
    data["days"] = _poisoned(data["days"])[case]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert advice(advise(cache["env"])) == cache["expected"]


@pytest.mark.parametrize("case", range(4))
def test_a_poisoned_holiday_table_signed_with_the_key_is_still_refused(case: int) -> None:
    days = {"2026-12-25": "Christmas Day"}
    assert workdays.plausible_table(days, 2026) == {date(2026, 12, 25): "Christmas Day"}
    assert workdays.plausible_table(_poisoned(days)[case], 2026) is None


@pytest.mark.skipif(not AS_ROOT, reason="only root can give a file to another user")
def test_an_entry_owned_by_another_user_is_passed_over(cache: dict[str, Any]) -> None:
    path = entry(cache["folder"], "layers-*.json")
    path.write_text(json.dumps(_inject(unsigned(path))), encoding="utf-8")
    os.chown(path, 4242, 4242)
    assert advice(advise(cache["env"])) == cache["expected"]


def test_entries_and_key_are_private_files_and_no_temporary_is_left(cache: dict[str, Any]) -> None:
    names = sorted(p.name for p in cache["folder"].iterdir())
    assert "key" in names and not [n for n in names if n.startswith(".tmp")]
    if POSIX:
        assert {(cache["folder"] / n).stat().st_mode & 0o777 for n in names} == {0o600}
        assert cache["folder"].stat().st_mode & 0o777 == 0o700


def test_a_key_others_can_read_is_made_anew(cache: dict[str, Any]) -> None:
    key = cache["folder"] / "key"
    before = key.read_bytes()
    key.chmod(0o644)
    assert advice(advise(cache["env"])) == cache["expected"]
    assert key.read_bytes() != before and key.stat().st_mode & 0o777 == 0o600


# --- the folder -----------------------------------------------------------------------------

@pytest.mark.skipif(not POSIX, reason="modes and owners are POSIX")
def test_a_folder_others_can_write_is_not_used(tmp_path: Path, uncached: dict[str, Any]) -> None:
    folder = tmp_path / "xdg" / "followup"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert advice(advise({"XDG_CACHE_HOME": str(tmp_path / "xdg")})) == uncached
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not AS_ROOT, reason="only root can give a folder to another user")
def test_a_folder_of_another_user_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "xdg" / "followup"
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 4242, 4242)
    advice(advise({"XDG_CACHE_HOME": str(tmp_path / "xdg")}))
    assert list(folder.iterdir()) == []


def test_a_linked_folder_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "xdg").mkdir()
    (tmp_path / "xdg" / "followup").symlink_to(elsewhere)
    advice(advise({"XDG_CACHE_HOME": str(tmp_path / "xdg")}))
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(not POSIX, reason="HOME is a POSIX convention")
def test_a_home_that_does_not_exist_is_not_made(tmp_path: Path) -> None:
    home = tmp_path / "nonexistent" / "home"
    result = advise({"HOME": str(home), "XDG_CACHE_HOME": None})
    advice(result)
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG is for the other Unixes")
def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    advice(advise({"HOME": str(home), "XDG_CACHE_HOME": "relative/cache"}, cwd=work))
    assert list(work.iterdir()) == []
    assert list((home / ".cache" / "followup").glob("layers-*.json"))


def test_the_cache_folder_follows_the_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FOLLOWUP_CACHE", raising=False)
    assert cachedir.cache_dir() == tmp_path / "xdg" / "followup"
    monkeypatch.setenv("FOLLOWUP_CACHE", "0")
    assert cachedir.cache_dir() is None


def test_no_cache_to_be_had_still_gives_the_advice_silently(tmp_path: Path, uncached: dict[str, Any]) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    assert advice(advise({"XDG_CACHE_HOME": str(blocked / "below")})) == uncached
