"""Hostile and broken situation files: exit 2, a clear message, within bounded time and memory.

Each case is what users and other tools really send: hand-written YAML gone wrong, exports
in other encodings, and files built to hurt (alias bombs, deep nesting, Python tags). The
limits are ``yamlio.MAX_BYTES``, ``MAX_DEPTH`` and ``MAX_NODES`` and ``situation.check_dates``;
README, "Robustness, limits and speed", says why each is what it is. Last, the shipped examples
are mangled at random (inserted YAML tokens, deleted bytes, pieces pasted from elsewhere): each
is advised or refused with exit 2, never anything else (``FOLLOWUP_LONG=1``: 25 times as many).
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, cpu_seconds
from followup import yamlio
from followup.engine import Engine
from followup.errors import FollowupError, InputError
from followup.render import advice_document, render_text, to_json_line
from followup.situation import load_situation, parse_situation
from followup.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES, parse_text

#: Every hostile file is refused within this many CPU seconds. Measured on 2 shared cores: at
#: most 0.2 s with libyaml, 0.9 s with PyYAML's pure-Python parser (a million values). CPU, not
#: wall-clock, seconds: a busy machine must not fail the test (3 s of wall-clock time did).
#: What the limits prevent is far beyond: an alias bomb expanded runs for minutes.
CPU_BOUND = 10.0
#: ... and without allocating more than this (the file itself is at most 1 MB).
MEMORY_BOUND_MB = 64

GOOD = "country: DK\ntoday: 2026-11-21\nstage: applied\napplication:\n  sent_on: 2026-11-11\n  via: online_portal\n"


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def _merge_bomb() -> str:
    lines = ["a0: &a0 {" + ", ".join(f"k{i}: {i}" for i in range(10)) + "}"]
    lines += [f"a{i}: &a{i}\n  <<: [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    return "\n".join(lines) + "\n"


#: name → (file bytes, file suffix, line or None, message fragment)
CASES: dict[str, tuple[bytes, str, int | None, str]] = {
    "python tag runs nothing": (
        (GOOD + "position: !!python/object/apply:os.system ['touch {marker}']\n").encode(), ".yaml", 7,
        "tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"),
    "python name tag": (b"country: !!python/name:os.system\nstage: applied\n", ".yaml", 1, "is not allowed; only plain data"),
    "local tag": (b"country: !secret DK\nstage: applied\n", ".yaml", 1, "tag !secret is not allowed"),
    "billion laughs": (_bomb().encode(), ".yaml", None, f"expands to more than {MAX_NODES:,} values"),
    "merge-key bomb": (_merge_bomb().encode(), ".yaml", None, f"expands to more than {MAX_NODES:,} values"),
    "recursive alias": (b"country: DK\nstage: applied\nx: &a [1, *a]\n", ".yaml", 3, "refers to the value it is part of"),
    "deep flow nesting": (b"[" * (MAX_BYTES - 1), ".yaml", 1, f"nested deeper than the limit of {MAX_DEPTH} levels"),
    "deep block nesting": ("".join(" " * (2 * i) + f"a{i}:\n" for i in range(900)).encode(), ".yaml", MAX_DEPTH + 1,
                           f"nested deeper than the limit of {MAX_DEPTH} levels"),
    "deep JSON nesting": (b"[" * (MAX_BYTES - 1), ".json", None, f"nested deeper than the limit of {MAX_DEPTH} levels"),
    "huge file": (GOOD.encode() + b"notes: " + b"x" * MAX_BYTES + b"\n", ".yaml", None,
                  f"file is larger than the limit of {MAX_BYTES:,} bytes"),
    "a million values": (b"[" + b"1," * (MAX_BYTES // 2 - 2) + b"1]", ".yaml", 1,
                         f"expands to more than {MAX_NODES:,} values"),
    "a million JSON values": (b"[" + b"1," * (MAX_BYTES // 2 - 2) + b"1]", ".json", None,
                              f"more than {MAX_NODES:,} values"),
    "binary junk": (bytes(range(256)) * 64, ".yaml", None, "binary data, not a text file"),
    "UTF-16 with BOM": (("\ufeff" + GOOD).encode("utf-16-le"), ".yaml", None, "the file is UTF-16 text; save it as UTF-8"),
    "UTF-16 without BOM": (GOOD.encode("utf-16-le"), ".yaml", None, "looks like UTF-16 text; save it as UTF-8"),
    "Latin-1": (GOOD.encode() + "position: Lagerarbejder, Køge\n".encode("latin-1"), ".yaml", 7,
                "not valid UTF-8 (byte 0xf8); save the file as UTF-8"),
    "control characters": (GOOD.encode() + b"position: a\x07b\n", ".yaml", 7,
                           "control character U+0007 (column 12) is not allowed in YAML"),
    "duplicate key": ((GOOD + "stage: interviewed\n").encode(), ".yaml", 7, "duplicate key 'stage'"),
    "duplicate JSON key": (b'{"country": "DK", "stage": "applied", "stage": "applied"}', ".json", None, "duplicate key 'stage'"),
    "two documents": ((GOOD + "---\n" + GOOD).encode(), ".yaml", 7, "more than one YAML document"),
    "empty file": (b"", ".yaml", None, "the file is empty"),
    "not a mapping": (b"- DK\n- applied\n", ".yaml", 1, "a situation must be a mapping"),
    "impossible date": (GOOD.replace("2026-11-11", "2026-02-30").encode(), ".yaml", 5,
                        "application.sent_on: '2026-02-30' is not a valid date"),
    "date far in the future": ((GOOD + "  deadline: 2039-01-01\n").encode(), ".yaml", 7,
                               "application.deadline: 2039-01-01 is more than 5 years from today"),
    "date far in the past": (GOOD.replace("2026-11-11", "1999-11-11").encode(), ".yaml", 5,
                             "application.sent_on: 1999-11-11 is more than 5 years from today"),
    "today in year 9999": (GOOD.replace("today: 2026-11-21", "today: 9999-12-31").replace("2026-11-11", "9999-12-20").encode(),
                           ".yaml", 2, "today: 9999-12-31 is outside the years 2000-2099"),
    "today before the application": (GOOD.replace("today: 2026-11-21", "today: 2026-11-01").encode(), ".yaml", 5,
                                     "application.sent_on: 2026-11-11 is after today (2026-11-01)"),
    "follow-up in the future": ((GOOD + "follow_ups:\n  - {on: 2026-12-01, via: email}\n").encode(), ".yaml", 8,
                                "follow_ups[0].on: 2026-12-01 is after today"),
    "YAML NaN": ((GOOD + "x: .nan\n").encode(), ".yaml", 7, "NaN and infinite numbers are not allowed"),
    "YAML infinity": ((GOOD + "x: -.inf\n").encode(), ".yaml", 7, "NaN and infinite numbers are not allowed"),
    "JSON NaN": (b'{"country": "DK", "stage": "applied", "x": NaN}', ".json", None, "NaN is not allowed"),
    "JSON infinity": (b'{"country": "DK", "stage": "applied", "x": -Infinity}', ".json", None, "-Infinity is not allowed"),
    "JSON overflow to infinity": (b'{"country": "DK", "stage": "applied", "x": 1e400}', ".json", None,
                                  "a number too large to represent"),
    "integer of 5,000 digits": ((GOOD + "x: " + "9" * 5000 + "\n").encode(), ".yaml", 7, "cannot read '999"),
    "value YAML cannot read": ((GOOD + "x: !!int twelve\n").encode(), ".yaml", 7, "cannot read 'twelve' as int"),
    "merge of a scalar": ((GOOD + "x:\n  <<: 1\n").encode(), ".yaml", 8, "a merge key '<<' needs a mapping"),
    "lone surrogate in JSON": (b'{"country": "DK", "stage": "applied", "position": "a\\ud800b"}', ".json", None,
                               "position: a lone UTF-16 surrogate escape"),
    "lone surrogate in YAML": ((GOOD + 'position: "a\\udc00"\n').encode(), ".yaml", 7,
                               "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not text"),
}


def _write(tmp_path: Path, name: str, content: bytes, suffix: str) -> Path:
    path = tmp_path / (name.replace(" ", "-").replace(",", "") + suffix)
    path.write_bytes(content.replace(b"{marker}", str(tmp_path / "marker").encode()))
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_situation_is_refused_quickly_with_a_clear_message(run, tmp_path: Path, case: str) -> None:
    content, suffix, line, message = CASES[case]
    path = _write(tmp_path, case, content, suffix)
    with cpu_seconds() as spent:
        result = run("advise", str(path))
    assert result.code == 2, result.err
    assert result.out == ""
    assert message in result.err
    assert result.err.startswith(f"error: {path}:{line}: " if line else f"error: {path}")
    assert "Traceback" not in result.err
    assert spent() < CPU_BOUND, f"{case}: {spent():.2f} CPU seconds"
    assert not (tmp_path / "marker").exists(), "a tag in the file ran a command"


@pytest.mark.parametrize("case", ["billion laughs", "merge-key bomb", "a million values", "a million JSON values",
                                  "deep flow nesting", "huge file"])
def test_hostile_file_is_refused_within_bounded_memory(tmp_path: Path, case: str) -> None:
    content, suffix, _, message = CASES[case]
    path = _write(tmp_path, case, content, suffix)
    tracemalloc.start()
    try:
        with pytest.raises(Exception) as caught:
            load_situation(path)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert message in caught.value.format_message()  # type: ignore[attr-defined]
    assert getattr(caught.value, "exit_code", None) == 2
    assert peak < MEMORY_BOUND_MB, f"{case}: {peak:.1f} MB"


def test_today_out_of_range_on_the_command_line(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "me", b"country: DK\nstage: applied\n", ".yaml")
    result = run("advise", str(path), "--today", "2150-01-01")
    assert result.code == 2
    assert "2150-01-01 (from --today or the clock) is outside the years 2000-2099" in result.err


def test_a_directory_is_not_a_situation(run, tmp_path: Path) -> None:
    result = run("advise", str(tmp_path))
    assert result.code == 2 and "Traceback" not in result.err


def test_merge_keys_work_and_own_keys_win() -> None:
    doc = parse_text("base: &b {x: 1, y: 2}\nother: &o {y: 5, z: 6}\nthing:\n  <<: [*b, *o]\n  y: 3\n", "m.yaml")
    assert doc.data["thing"] == {"x": 1, "y": 3, "z": 6}
    assert doc.line_of(("thing", "y")) == 5


def test_aliases_are_copies_not_shared_values() -> None:
    doc = parse_text("a: &a {x: [1]}\nb: *a\n", "m.yaml")
    doc.data["b"]["x"].append(2)
    assert doc.data["a"] == {"x": [1]}


class _PurePythonLoader(yaml.SafeLoader):
    """PyYAML's pure-Python parser with yamlio's resolvers: what a PyYAML without libyaml uses."""


_PurePythonLoader.yaml_implicit_resolvers = yamlio._Loader.yaml_implicit_resolvers


@pytest.mark.parametrize("case", ["billion laughs", "merge-key bomb", "deep flow nesting", "a million values",
                                  "python tag runs nothing", "control characters", "duplicate key", "two documents"])
def test_the_pure_python_parser_refuses_the_same_way(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str) -> None:
    content, suffix, line, message = CASES[case]
    text = content.decode()
    with pytest.raises(InputError) as with_c:
        yamlio.parse_text(text, "x.yaml")
    monkeypatch.setattr(yamlio, "_Loader", _PurePythonLoader)
    with cpu_seconds() as spent, pytest.raises(InputError) as pure:
        yamlio.parse_text(text, "x.yaml")
    assert spent() < CPU_BOUND
    assert message in pure.value.format_message()
    assert pure.value.location.line == with_c.value.location.line


def test_the_pure_python_parser_reads_the_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (EXAMPLES / "dk-applied-email.yaml").read_text(encoding="utf-8") + "x: &a {y: [1, 2.5, true, null, '3']}\nz: *a\n"
    with_c = yamlio.parse_text(text, "x.yaml")
    monkeypatch.setattr(yamlio, "_Loader", _PurePythonLoader)
    pure = yamlio.parse_text(text, "x.yaml")
    assert (pure.data, dict(pure.lines)) == (with_c.data, dict(with_c.lines))


# --- mutation fuzzing ----------------------------------------------------------------------------

SCALE = 25 if os.environ.get("FOLLOWUP_LONG") == "1" else 1
TOKENS = [b"{", b"}", b"[", b"]", b":", b"- ", b" ", b"\n", b"&a ", b"*a", b"<<: ", b"!!", b"'", b'"', b"\\", b"#",
          b"---\n", b"2026-02-30", b"9999-12-31", b"null", b"~", b".nan", b"1e999", b"true", b"0x1F", b"\t",
          "æ".encode(), b"\xff", b"%YAML 1.1\n", b"? ", b"|\n", b">\n", b"\\ud800"]
_EXAMPLES = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.yaml"))]
_ENGINE = Engine()


@st.composite
def mutated_examples(draw: st.DrawFn) -> bytes:
    """A shipped example with a few tokens inserted, bytes deleted, or pieces of another pasted in."""
    data = bytearray(draw(st.sampled_from(_EXAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["insert", "delete", "paste"]))
        if how == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif how == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        else:
            other = draw(st.sampled_from(_EXAMPLES))
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start:start + draw(st.integers(1, 40))]
    return bytes(data)


@settings(max_examples=1000 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_a_mangled_file_is_advised_or_refused_never_a_crash(content: bytes) -> None:
    try:
        situation = parse_situation(yamlio.decode(content, "me.yaml"), "me.yaml")
        advice = _ENGINE.advise(situation)
        to_json_line(advice_document(advice))
        render_text(advice)
    except FollowupError as exc:
        assert exc.exit_code == 2, exc.format_message()
