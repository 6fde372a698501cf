"""Messages quote what a user wrote cut short: a 900,000-character value is not a 900 KB message."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from followup import batch as batching
from followup.base.errors import InputError, Location
from followup.base.words import QUOTE_LIMIT, quoted
from followup.load.situation import parse_situation

BIG = "x" * 900_000
#: A message may name the file, line and field and quote a value; it stays far below this.
MESSAGE_BOUND = 1_000

BIG_VALUES = {
    "enum": {"country": "DK", "stage": BIG},
    "pattern": {"country": BIG, "stage": "applied"},
    "max length": {"country": "DK", "stage": "applied", "position": BIG},
    "date": {"country": "DK", "stage": "applied", "application": {"sent_on": BIG}},
    "type": {"country": "DK", "stage": "applied", "follow_ups": [BIG]},
    "unknown field": {"country": "DK", "stage": "applied", BIG: 1},
    "nested unknown field": {"country": "DK", "stage": "applied", "contact": {BIG: 1}},
    "long list": {"country": "DK", "stage": "applied", "follow_ups": [{"date": "2026-11-12"}] * 5_000},
}


def test_quoted_cuts_a_long_value_and_escapes_controls() -> None:
    assert quoted("stage") == "'stage'" and quoted(3) == "3"
    assert quoted(BIG) == "'" + "x" * QUOTE_LIMIT + "…'"
    assert quoted("\x1b[31m") == "'\\x1b[31m'"
    assert len(quoted("\x00" * 10_000)) < 2 * QUOTE_LIMIT
    assert len(quoted(list(range(100_000)))) < 2 * QUOTE_LIMIT


@pytest.mark.parametrize("case", sorted(BIG_VALUES))
def test_a_huge_bad_value_gives_a_short_message(case: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_situation(json.dumps(BIG_VALUES[case]), "me.json")
    message = caught.value.format_message()
    assert message.startswith("me.json")
    assert len(message) < MESSAGE_BOUND * 3, message[:300]  # a few errors, each short
    assert all(len(line) < MESSAGE_BOUND for line in message.splitlines()), message[:300]


@pytest.mark.parametrize("text", [f"country: DK\nstage: applied\nstage: {BIG}\n",
                                  f"country: DK\nstage: applied\n'{BIG}': 1\n'{BIG}': 2\n",
                                  f"country: DK\nstage: applied\nposition: !!int {BIG}\n"])
def test_yaml_messages_quote_short(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_situation(text, "me.yaml")
    assert len(caught.value.format_message()) < MESSAGE_BOUND


def test_a_location_cuts_a_long_field_path() -> None:
    assert len(Location("me.yaml", 3, "contact." + BIG).prefix()) < MESSAGE_BOUND


def test_batch_output_for_huge_bad_values_stays_small() -> None:
    lines = b"".join(json.dumps({"country": "DK", "stage": "applied", "position": BIG}).encode() + b"\n"
                     for _ in range(10))
    written: list[bytes] = []
    tally = batching.run(batching.Job("in.jsonl", None, (), False), batching.read_lines(io.BytesIO(lines)),
                         written.append)
    assert tally.exit_code == 2 and len(written) == 10
    assert sum(map(len, written)) < 10 * MESSAGE_BOUND


def test_the_cli_message_for_a_huge_value_is_short(run, tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text(f"country: DK\nstage: applied\nposition: {BIG}\n", encoding="utf-8")
    result = run("advise", str(path))
    assert result.code == 2 and f"{path}:3: position: 'xxx" in result.err
    assert len(result.err) < MESSAGE_BOUND
