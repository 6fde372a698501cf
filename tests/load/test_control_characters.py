"""Escape sequences and NUL in a name or note: refused at load, and escaped on output anyway."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES, write
from followup.render.text import verdict
from followup.audit.record import new_record
from followup.audit.explain import explain
from followup.audit.whynot import why_not
from followup.engine.engine import Engine
from followup.load.situation import Contact, Employer, load_situation
from followup.render.report import explanation_markdown, explanation_text, why_not_markdown, why_not_text
from followup.render.text import render_text

GOOD = "country: DK\ntoday: 2026-11-21\nstage: applied\napplication:\n  sent_on: 2026-11-11\n"

#: YAML double-quoted escapes: what a file can hold that no editor shows.
REFUSED = {
    "escape sequence": ('"Mette \\e[2J\\e[31mJensen"', "U+001B (escape) at character 7"),
    "NUL": ('"Mette\\0Jensen"', "U+0000 (NUL) at character 6"),
    "C1 control (CSI)": ('"Mette\\x9b2J"', "U+009B"),
    "right-to-left override": ('"Mette \\u202eneseJ"', "U+202E (right-to-left override)"),
    "line break": ('"Mette\\n# Jensen"', "U+000A (line break)"),
    "carriage return": ('"Mette\\rJensen"', "U+000D (carriage return)"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_control_character_in_a_name_is_refused_with_file_line_and_field(run, tmp_path: Path, case: str) -> None:
    value, words = REFUSED[case]
    path = write(tmp_path, "me.yaml", GOOD + f"contact:\n  name: {value}\n")
    result = run("advise", str(path))
    assert result.code == 2 and result.out == ""
    assert f"{path}:7: contact.name: text may not contain control characters; found {words}" in result.err
    assert "\x1b" not in result.err and "\x00" not in result.err


def test_json_and_batch_refuse_them_too(run, tmp_path: Path) -> None:
    line = json.dumps({"country": "DK", "stage": "applied", "employer": {"name": "Nord\u001b]0;pwned\u0007"}})
    (tmp_path / "in.jsonl").write_text(line + "\n", encoding="utf-8")
    result = run("batch", str(tmp_path / "in.jsonl"))
    assert result.code == 2
    message = json.loads(result.out)["error"]["messages"][0]
    assert message["field"] == "employer.name" and "U+001B (escape)" in message["message"]


def test_notes_may_have_several_lines_and_tabs(run, tmp_path: Path) -> None:
    path = write(tmp_path, "me.yaml", GOOD + 'notes: "first line\\n\\tsecond line"\n')
    assert run("validate", str(path)).code == 0


# --- Defence in depth: a Situation made without the loader -------------------------------

HOSTILE = "Eve\x1b[2J\x00\u202e\n\n# Heading <img src=x onerror=alert(1)> [click](http://evil.example) **bold**"


@pytest.fixture(scope="module")
def hostile_advice():
    situation = load_situation(EXAMPLES / "dk-applied-email.yaml")
    situation = dataclasses.replace(situation, contact=Contact(name=HOSTILE, email="eve@example.dk"),
                                    employer=Employer(name=HOSTILE))
    return Engine().advise(situation)


def _outputs(advice) -> dict[str, str]:
    record = new_record(advice)
    return {"advise text": render_text(advice), "explain text": explanation_text(advice, explain(advice), record),
            "why-not text": why_not_text(why_not(advice, "phone"), record),
            "explain markdown": explanation_markdown(advice, explain(advice), record),
            "why-not markdown": why_not_markdown(why_not(advice, "phone"), record)}


def _outside_code_blocks(markdown: str) -> str:
    """The markdown with each fenced code block removed, checking no line inside could close its fence."""
    out, fence = [], None
    for line in markdown.splitlines():
        if fence is None and re.match(r"`{3,}", line):
            fence = re.match(r"`+", line).group()
        elif fence is not None:
            if line.strip() == fence:
                fence = None
            else:
                assert not line.lstrip().startswith(fence), "a line of the draft closes its fence"
        else:
            out.append(line)
    assert fence is None, "an unclosed code block"
    return "\n".join(out)


def test_the_hostile_name_reaches_the_verdict(hostile_advice) -> None:
    assert HOSTILE in verdict(hostile_advice)  # else the tests below prove nothing


@pytest.mark.parametrize("output", ["advise text", "explain text", "why-not text", "explain markdown", "why-not markdown"])
def test_text_and_markdown_escape_what_is_not_printable(hostile_advice, output: str) -> None:
    text = _outputs(hostile_advice)[output]
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), output
    assert "x1b" in text or output.startswith("why-not")  # Markdown escapes the backslash again


@pytest.mark.parametrize("output", ["explain markdown", "why-not markdown"])
def test_a_name_cannot_inject_markdown_or_html(hostile_advice, output: str) -> None:
    # Inside a fenced code block (the draft) nothing is markup; the fence itself must hold.
    text = _outside_code_blocks(_outputs(hostile_advice)[output])
    assert not any(line.startswith("# Heading") for line in text.splitlines())
    # A value shown as a code span (render.report.code: fenced with more backticks than it
    # holds) is literal in Markdown, HTML included; outside code spans nothing may be markup.
    prose = re.sub(r"(`+) .*? \1|`[^`]*`", "", text)
    assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(http", prose) and "**bold**" not in prose


def test_every_character_refused_in_text_is_one_python_calls_unprintable() -> None:
    """``check_text`` looks for control characters only in text that is not ``isprintable()``:
    that skips none, since not one character the pattern refuses counts as printable."""
    from followup.base.words import CONTROL

    refused = [chr(c) for c in range(0x110000) if CONTROL.match(chr(c))]
    assert len(refused) > 100 and not [c for c in refused if c.isprintable()]
