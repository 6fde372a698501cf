"""Working days and the cache of holiday tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from conftest import EXAMPLES
from followup.engine import workdays


def _fresh_tables(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("FOLLOWUP_CACHE", raising=False)
    workdays._holiday_table.cache_clear()


def test_danish_christmas_is_skipped_and_the_table_cached(monkeypatch, tmp_path: Path) -> None:
    _fresh_tables(monkeypatch, tmp_path)
    # Christmas Eve is a day off in practice in every country (workdays.DAYS_OFF_IN_PRACTICE),
    # so two working days after 23 December are the 28th and the 29th.
    assert workdays.add_working_days("DK", date(2026, 12, 23), 2) == date(2026, 12, 29)
    (entry,) = (tmp_path / "followup").glob("holidays-DK-2026-*.json")
    days = json.loads(entry.read_text(encoding="utf-8"))["days"]
    # The cached table is the package's own; the days kept off in practice are added on lookup.
    assert days["2026-12-25"] == "Christmas Day" and "2026-12-24" not in days


def test_a_damaged_table_is_read_again_from_holidays(monkeypatch, tmp_path: Path) -> None:
    _fresh_tables(monkeypatch, tmp_path)
    workdays.holiday_name("SE", date(2026, 6, 19))
    (entry,) = (tmp_path / "followup").glob("holidays-SE-2026-*.json")
    entry.write_text('{"format": "followup-holidays/1", "key": "x", "days": {}}', encoding="utf-8")
    workdays._holiday_table.cache_clear()
    assert workdays.holiday_name("SE", date(2026, 6, 19)) == "Midsummer Eve"
    entry.write_bytes(b"\xff\x00 not json")
    workdays._holiday_table.cache_clear()
    assert workdays.holiday_name("SE", date(2026, 12, 24)) == "Christmas Eve"


def test_a_warm_advise_never_imports_holidays(tmp_path: Path) -> None:
    code = ("import sys\nfrom followup.cli import main\n"
            "try:\n    main(['advise', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print('holidays imported' if 'holidays' in sys.modules else 'holidays not imported', file=sys.stderr)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("FOLLOWUP_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "dk-interview-date-passed.yaml")],
                           capture_output=True, text=True, env=env, timeout=60) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout
    assert runs[0].stderr.strip().endswith("holidays imported")
    assert runs[1].stderr.strip().endswith("holidays not imported")
