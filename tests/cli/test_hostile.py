"""Hostile situation files too big to commit, and what every hostile file costs.

Most hostile inputs are files in the corpus, ``tests/hostile/``, each with its expected exit
code and message, run through the command line by ``test_hostile_corpus.py``. The cases here
are generated, because they are a megabyte each: they show that a huge file stops early, at
the first value past a limit. Then, for these and some corpus files: bounded CPU time and
memory, and the pure-Python parser (a PyYAML without libyaml) refusing them the same way. The
limits are ``yamlio.MAX_BYTES``, ``MAX_DEPTH`` and ``MAX_NODES``; README, "Robustness, limits
and speed", says why each is what it is. Last, the shipped examples are mangled at random
(inserted YAML tokens, deleted bytes, pieces pasted from elsewhere): each is advised or
refused with exit 2, never anything else (``FOLLOWUP_LONG=1``: 25 times as many).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples, EXAMPLES, cpu_seconds
from followup.load import yamlio
from followup.engine.engine import Engine
from followup.base.errors import FollowupError, InputError
from followup.render.text import advice_document, render_text, to_json_line
from followup.load.situation import load_situation, parse_situation
from followup.load.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES, parse_text

#: Every hostile file is refused within this many CPU seconds. Measured on 2 shared cores: at
#: most 0.2 s with libyaml, 0.9 s with PyYAML's pure-Python parser (a million values). CPU, not
#: wall-clock, seconds: a busy machine must not fail the test (3 s of wall-clock time did).
#: What the limits prevent is far beyond: an alias bomb expanded runs for minutes.
CPU_BOUND = 10.0
#: ... and without allocating more than this (the file itself is at most 1 MB).
MEMORY_BOUND_MB = 64

CORPUS = Path(__file__).resolve().parents[1] / "hostile"
GOOD = "country: DK\ntoday: 2026-11-21\nstage: applied\napplication:\n  sent_on: 2026-11-11\n  via: online_portal\n"
DEEP = f"nested deeper than the limit of {MAX_DEPTH} levels"
TOO_MANY = f"expands to more than {MAX_NODES:,} values"

#: name → (file bytes, file suffix, line or None, message fragment)
GENERATED: dict[str, tuple[bytes, str, int | None, str]] = {
    "deep flow nesting": (b"[" * (MAX_BYTES - 1), ".yaml", 1, DEEP),
    "deep block nesting": ("".join(" " * (2 * i) + f"a{i}:\n" for i in range(900)).encode(), ".yaml", MAX_DEPTH + 1,
                           DEEP),
    "deep JSON nesting": (b"[" * (MAX_BYTES - 1), ".json", None, DEEP),
    "huge file": (GOOD.encode() + b"notes: " + b"x" * MAX_BYTES + b"\n", ".yaml", None,
                  f"file is larger than the limit of {MAX_BYTES:,} bytes"),
    "a million values": (b"[" + b"1," * (MAX_BYTES // 2 - 2) + b"1]", ".yaml", 1, TOO_MANY),
    "a million JSON values": (b"[" + b"1," * (MAX_BYTES // 2 - 2) + b"1]", ".json", None,
                              f"more than {MAX_NODES:,} values"),
}


def corpus(name: str) -> tuple[bytes, str]:
    """A corpus file's bytes and suffix (its expected outcome is in its ``.expect.yaml``)."""
    path = CORPUS / name
    return path.read_bytes(), path.suffix


#: Corpus files that are bombs: name → (file bytes, suffix, message fragment)
BOMBS: dict[str, tuple[bytes, str, str]] = {
    "billion laughs": (*corpus("billion-laughs.yaml"), TOO_MANY),
    "merge-key bomb": (*corpus("merge-key-bomb.yaml"), TOO_MANY),
}


def _write(tmp_path: Path, name: str, content: bytes, suffix: str) -> Path:
    path = tmp_path / (name.replace(" ", "-") + suffix)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_a_huge_hostile_situation_is_refused_quickly_with_a_clear_message(run, tmp_path: Path, case: str) -> None:
    content, suffix, line, message = GENERATED[case]
    path = _write(tmp_path, case, content, suffix)
    with cpu_seconds() as spent:
        result = run("advise", str(path))
    assert result.code == 2, result.err
    assert result.out == ""
    assert message in result.err
    assert result.err.startswith(f"error: {path}:{line}: " if line else f"error: {path}")
    assert "Traceback" not in result.err
    assert spent() < CPU_BOUND, f"{case}: {spent():.2f} CPU seconds"


@pytest.mark.parametrize("case", [*BOMBS, "a million values", "a million JSON values", "deep flow nesting", "huge file"])
def test_hostile_file_is_refused_within_bounded_memory(tmp_path: Path, case: str) -> None:
    content, suffix, message = BOMBS[case] if case in BOMBS else (GENERATED[case][0], GENERATED[case][1], GENERATED[case][3])
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

#: What the pure-Python parser must refuse as libyaml does: name → (text, message fragment)
PURE: dict[str, tuple[str, str]] = {
    **{name: (content.decode(), message) for name, (content, _, message) in BOMBS.items()},
    **{name: (GENERATED[name][0].decode(), GENERATED[name][3]) for name in ("deep flow nesting", "a million values")},
    "python tag": (corpus("python-tag-runs-nothing.yaml")[0].decode(), "is not allowed; only plain data is read"),
    "control characters": (corpus("control-characters.yaml")[0].decode(), "control character U+0007 (column 12)"),
    "duplicate key": (corpus("duplicate-key.yaml")[0].decode(), "duplicate key 'stage'"),
    "two documents": (corpus("two-documents.yaml")[0].decode(), "more than one YAML document"),
    "lone surrogate": (corpus("lone-surrogate-in-yaml.yaml")[0].decode(), "a lone UTF-16 surrogate escape"),
}


@pytest.mark.parametrize("case", sorted(PURE))
def test_the_pure_python_parser_refuses_the_same_way(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    text, message = PURE[case]
    with pytest.raises(InputError) as with_c:
        yamlio.parse_text(text, "x.yaml")
    monkeypatch.setattr(yamlio, "_Loader", _PurePythonLoader)
    with cpu_seconds() as spent, pytest.raises(InputError) as pure:
        yamlio.parse_text(text, "x.yaml")
    assert spent() < CPU_BOUND
    assert message in with_c.value.format_message() and message in pure.value.format_message()
    assert pure.value.location.line == with_c.value.location.line


def test_the_pure_python_parser_reads_the_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (EXAMPLES / "dk-applied-email.yaml").read_text(encoding="utf-8") + "x: &a {y: [1, 2.5, true, null, '3']}\nz: *a\n"
    with_c = yamlio.parse_text(text, "x.yaml")
    monkeypatch.setattr(yamlio, "_Loader", _PurePythonLoader)
    pure = yamlio.parse_text(text, "x.yaml")
    assert (pure.data, dict(pure.lines)) == (with_c.data, dict(with_c.lines))


# --- mutation fuzzing ----------------------------------------------------------------------------

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


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_a_mangled_file_is_advised_or_refused_never_a_crash(content: bytes) -> None:
    try:
        situation = parse_situation(yamlio.decode(content, "me.yaml"), "me.yaml")
        advice = _ENGINE.advise(situation)
        to_json_line(advice_document(advice))
        render_text(advice)
    except FollowupError as exc:
        assert exc.exit_code == 2, exc.format_message()
