"""``followup done`` adds its lines and changes nothing else; bad input leaves the file untouched."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from conftest import Tally, situations
from followup.base.errors import InputErrors
from followup.load.yamlio import parse_text
from followup.base import output
from followup.base.errors import OutputError
from followup.done import Record, already, record
from followup.load.situation import load_situation
from followup.plan import FOLLOW_UP_DATE

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(EXAMPLES / name, path)
    return path


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed and the lines added (difflib, line by line)."""
    lines = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [l[2:] for l in lines if l.startswith("- ")], [l[2:] for l in lines if l.startswith("+ ")]


def _done(run, path: Path, *args: str):
    before = path.read_text(encoding="utf-8")
    result = run("done", str(path), *args)
    return result, before, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_a_follow_up_is_only_added_lines_in_every_example(run, tmp_path: Path, path: Path) -> None:
    copy = _copy(tmp_path, path.name)
    result, before, after = _done(run, copy, "--via", "email")
    assert result.code == 0, result.err
    removed, added = _diff(before, after)
    assert removed == []  # comments, order, quoting and layout kept byte for byte
    today = load_situation(copy).today.isoformat()
    assert added[-1].strip() == f"- {{{FOLLOW_UP_DATE}: {today}, via: email, answered: false}}"
    assert after.startswith(before.rstrip("\n"))  # a new list at the end, or after the last follow-up there
    assert load_situation(copy).follow_ups[-1].via == "email"


def test_done_without_options_records_what_the_advice_says(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    result, before, after = _done(run, path)
    assert result.code == 0
    assert result.out.startswith("Recorded in ") and "a follow-up on 21 November 2026 by e-mail" in result.out
    assert "Wait. E-mail Mette Jensen to ask about the status of your application from 5 December" in result.out
    assert _diff(before, after) == ([], ["follow_ups:", "  - {date: 2026-11-21, via: email, answered: false}"])


def test_a_thank_you_changes_only_its_value(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-interview-thank-you.yaml")
    result, before, after = _done(run, path)  # the advice is the thank-you: recorded as interview.thanked
    assert result.code == 0 and "the thank-you after your interview" in result.out
    assert _diff(before, after) == (["  thanked: false"], ["  thanked: true"])
    again = run("done", str(path), "--thanked")
    assert again.code == 0 and "already recorded" in again.out and path.read_text(encoding="utf-8") == after


def test_thanked_is_added_in_the_interview_style(run, tmp_path: Path) -> None:
    block = _write(tmp_path, "block.yaml", "country: DK\ntoday: 2026-11-19\nstage: interviewed\ninterview:\n"
                                           "  date: 2026-11-18  # in the morning\n  format: online\nnotes: hi\n")
    result, before, after = _done(run, block, "--thanked")
    assert result.code == 0, result.err
    assert _diff(before, after) == ([], ["  thanked: true"])
    assert after.index("thanked") < after.index("notes")
    flow = _write(tmp_path, "flow.yaml", "country: DK\ntoday: 2026-11-19\nstage: interviewed\n"
                                         "interview: {date: 2026-11-18, format: online}\n")
    result, before, after = _done(run, flow, "--thanked")
    assert _diff(before, after) == (["interview: {date: 2026-11-18, format: online}"],
                                    ["interview: {date: 2026-11-18, format: online, thanked: true}"])


def test_answered_marks_the_last_follow_up(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-three-unanswered.yaml")
    result, before, after = _done(run, path, "--answered")
    assert result.code == 0, result.err
    assert _diff(before, after) == (["  - {date: 2026-11-30, via: email, answered: false}"],
                                    ["  - {date: 2026-11-30, via: email, answered: true}"])
    block = _write(tmp_path, "b.yaml", "country: SE\ntoday: 2026-11-30\nstage: applied\n"
                                       "application: {sent_on: 2026-11-01}\nfollow_ups:\n"
                                       "  - date: 2026-11-20\n    via: phone\n# the end\n")
    result, before, after = _done(run, block, "--answered")
    assert result.code == 0, result.err
    assert _diff(before, after) == ([], ["    answered: true"])
    assert load_situation(block).follow_ups[-1].answered is True


LAYOUTS = {
    # block items: the new one in the same block style, at the same indentation
    "block": ("country: DK\ntoday: 2026-12-01\nstage: applied\napplication: {sent_on: 2026-11-01}\n"
              "follow_ups:\n    -   date: 2026-11-10\n        via: phone   # she was out\n        answered: false\n"
              "    # next time: e-mail\nnotes: |\n  Remember the portfolio.\n",
              ["    -   date: 2026-12-01", "        via: email", "        answered: false"]),
    # an indentless list, flow items, a comment after it, no final newline
    "indentless": ("country: DK\ntoday: 2026-12-01\nstage: applied\nfollow_ups:\n- {date: 2026-11-10, via: phone}\n"
                   "# comment\nnotes: x",
                   ["- {date: 2026-12-01, via: email, answered: false}"]),
    # Windows line ends
    "crlf": ("country: DK\r\ntoday: 2026-12-01\r\nstage: applied\r\nfollow_ups:\r\n  - {date: 2026-11-10, via: phone}\r\n",
             ["  - {date: 2026-12-01, via: email, answered: false}"]),
    # no follow_ups yet, the file ends in a block scalar and a comment
    "new-key": ("# me\ncountry: DK\ntoday: 2026-12-01\nstage: applied\nnotes: >\n  folded\n  text\n# last words\n",
                ["follow_ups:", "  - {date: 2026-12-01, via: email, answered: false}"]),
    # four-space indentation is kept for the new list
    "indent-4": ("country: DK\ntoday: 2026-12-01\nstage: applied\ncontact:\n    name: Mette\n",
                 ["follow_ups:", "    - {date: 2026-12-01, via: email, answered: false}"]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts_get_only_added_lines(run, tmp_path: Path, layout: str) -> None:
    text, expected = LAYOUTS[layout]
    path = _write(tmp_path, "s.yaml", text)
    result = run("done", str(path), "--via", "email")
    assert result.code == 0, result.err
    after = path.read_bytes().decode("utf-8")
    removed, added = _diff(text, after)
    assert (removed, added) == ([], expected)
    if layout == "crlf":
        assert after.count("\r\n") == after.count("\n")
    assert load_situation(path).follow_ups[-1].via == "email"


def test_a_flow_list_gets_the_entry_inside_its_brackets(run, tmp_path: Path) -> None:
    for before, after in (("follow_ups: []", "follow_ups: [{date: 2026-12-01, via: email, answered: false}]"),
                          ("follow_ups: [{date: 2026-11-10, via: phone}]",
                           "follow_ups: [{date: 2026-11-10, via: phone}, {date: 2026-12-01, via: email, answered: false}]")):
        path = _write(tmp_path, "f.yaml", f"country: DK\ntoday: 2026-12-01\nstage: applied\n{before}\n")
        assert run("done", str(path), "--via", "email").code == 0
        assert path.read_text(encoding="utf-8").splitlines()[-1] == after


def test_a_json_file_stays_json_with_its_indentation(run, tmp_path: Path) -> None:
    data = {"country": "DK", "today": "2026-11-21", "stage": "applied", "position": "Lagerchef",
            "application": {"sent_on": "2026-11-11", "via": "online_portal"},
            "contact": {"name": "Søren", "email": "s@example.dk"}}
    for indent in (4, 2, None):
        path = _write(tmp_path, "s.json", json.dumps(data, indent=indent, ensure_ascii=False) + "\n")
        result = run("done", str(path))
        assert result.code == 0, result.err
        text = path.read_text(encoding="utf-8")
        expected = {**data, "follow_ups": [{FOLLOW_UP_DATE: "2026-11-21", "via": "email", "answered": False}]}
        assert json.loads(text) == expected and list(json.loads(text)) == list(expected)
        assert text == json.dumps(expected, indent=indent, ensure_ascii=False) + "\n"


BAD = [
    (("--via", "fax"), "'fax' is not a channel"),
    (("--on", "2026-11-22"), "is after today"),
    (("--on", "2026-11-01"), "before the application was sent"),
    (("--on", "2026-11-31"), "Invalid value for '--on'"),
    (("--thanked",), "no interview to thank them for"),
    (("--answered",), "no follow-up for them to have answered"),
    (("--thanked", "--via", "email"), "--thanked records the thank-you alone"),
    (("--today", "2026-11-05", "--via", "email"), "is after today"),  # the application itself is then in the future
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_and_leaves_the_file_untouched(run, tmp_path: Path, args: tuple[str, ...],
                                                         message: str) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = path.read_bytes()
    result = run("done", str(path), *args)
    assert result.code == 2 and message in result.err, result.err
    assert path.read_bytes() == before and path.stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_an_out_of_order_follow_up_is_refused(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-three-unanswered.yaml")
    before = path.read_bytes()
    result = run("done", str(path), "--on", "2026-11-20", "--via", "email")
    assert result.code == 2 and "follow_ups[3].date: follow-ups must be listed oldest first" in result.err
    assert path.read_bytes() == before


def test_the_file_keeps_its_mode_and_a_link_stays_a_link(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    path.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(path.name)
    assert run("done", str(link)).code == 0
    assert link.is_symlink() and (path.stat().st_mode & 0o7777) == 0o640
    assert "follow_ups:" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    before = path.read_bytes()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, failing, disk_full)
    with pytest.raises((OSError, OutputError)):
        record(path, Record("follow_up", load_situation(path).today, "email"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_file_changed_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    with pytest.raises(Exception) as raised:
        output.write_bytes(path, b"new", expect=b"what was read before")
    assert getattr(raised.value, "exit_code", None) == 2
    assert path.read_bytes() == (EXAMPLES / "dk-applied-email.yaml").read_bytes()


def test_after_done_the_plan_is_the_rest_of_the_old_one(run, tmp_path: Path) -> None:
    path = _copy(tmp_path, "dk-applied-email.yaml")
    before = run("plan", str(path), "--format", "json").json()
    assert run("done", str(path)).code == 0
    after = run("plan", str(path), "--format", "json").json()
    keep = ("slot", "window", "channel", "purpose", "verdict")
    assert [{k: s[k] for k in keep} for s in after["steps"]] == [{k: s[k] for k in keep} for s in before["steps"][1:]]
    assert after["end"] == before["end"]


def _recordable(data: dict) -> list[str]:
    """What can be recorded on a file: a follow-up always, thanks after an interview, an answer to a follow-up."""
    return ["email", "phone", *(["thanked"] if "interview" in data else []), *(["answered"] if data.get("follow_ups") else [])]


def test_generated_files_get_exactly_the_record() -> None:
    tally = Tally()  # measured: no generated file is refused whole in 60

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(situations().flatmap(lambda d: st.tuples(st.just(d), st.sampled_from(_recordable(d)))),
           st.sampled_from([False, None, True]))
    def check(case: tuple[dict, str], flow: bool | None) -> None:
        data, how = case
        # Files as another tool writes them: block style, flow leaves, or all flow (then a line changes).
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=flow, width=60)
        today = date.fromisoformat(data["today"])
        what = Record(how) if how in ("thanked", "answered") else Record("follow_up", today, how)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "s.yaml"
            path.write_text(text, encoding="utf-8")
            try:
                record(path, what)
            except InputErrors:  # a contradiction the generator allows (a competing offer, ...) is refused whole
                assert path.read_text(encoding="utf-8") == text
                tally.skip("refused whole")
                return
            after = path.read_text(encoding="utf-8")
        tally.check()
        assert parse_text(after, "s.yaml").data == what.apply(data)
        removed, added = _diff(text, after)
        if already(what, data):
            assert after == text
        elif how in ("thanked", "answered"):  # a value changed in its place, or one key added
            assert (len(removed), len(added)) in ((0, 1), (1, 1)), (removed, added)
        elif removed:  # a flow list ([...]) or a flow mapping at the top gets the entry inside its brackets
            assert len(removed) == 1 and ("follow_ups: [" in removed[0] or text.startswith("{")), (removed, added)
        else:  # block style: only the new entry's lines
            assert 1 <= len(added) <= 3, added

    check()
    tally.assert_checked(at_least=40)


def test_a_file_with_aliases_is_refused_rather_than_edited_in_the_wrong_place(run, tmp_path: Path) -> None:
    path = _write(tmp_path, "a.yaml", "country: DK\ntoday: 2026-11-21\nstage: applied\nfollow_ups:\n"
                                      "  - &first {date: 2026-11-05, via: email}\n  - *first\n")
    before = path.read_bytes()
    result = run("done", str(path), "--via", "phone")
    assert result.code == 2 and "aliases" in result.err and str(path) in result.err
    assert path.read_bytes() == before
