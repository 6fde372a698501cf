"""``followup agenda``: every application at once, what is due first, and its three other views.

The agenda is run over a folder of the shipped examples with a broken file added, as a
job seeker's folder of applications would be: it must sort by what is due, mark what is
overdue and what the rules say to stop, report the broken file and still list the rest. The
activity export must read back as CSV (with and without a BOM), the timeline must be valid
XML with one bar per follow-up window, and the calendar one event per step, UIDs stable.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

import followup.agenda
from conftest import EXAMPLES, write_yaml
from followup.agenda import STATUSES, agenda_of_texts, make_agenda, timeline_rows
from followup.api import Rules
from followup.render.agenda import CSV_COLUMNS
from followup.render.timeline import Bar, TimelineRow, timeline_svg

TODAY = "2026-12-01"
SVG = "{http://www.w3.org/2000/svg}"
RULES = Rules()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The shipped examples and one broken file, in a folder of their own."""
    for path in EXAMPLES.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.yaml").write_text("country: DK\nstage: [applied\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a situation", encoding="utf-8")  # not *.yaml/.yml/.json: left alone
    return tmp_path


def _entries(run, folder: Path, *more: str) -> tuple[int, list[dict], str]:
    result = run("agenda", str(folder), "--today", TODAY, "--format", "json", *more)
    return result.code, result.json()["entries"], result.err


def test_the_agenda_lists_every_file_sorted_by_what_is_due_first(run, folder: Path) -> None:
    code, entries, err = _entries(run, folder)
    assert code == 2  # the broken file says so in the exit code ...
    assert len(entries) == len(list(EXAMPLES.glob("*.yaml"))) + 1  # ... and every other file is still there
    keys = [(STATUSES.index(e["status"]), e.get("due") or "9999") for e in entries]
    assert keys == sorted(keys)
    overdue = [e for e in entries if e["status"] == "overdue"]
    assert overdue and all(e["days"] < 0 for e in overdue)
    assert [e["due"] for e in overdue] == sorted(e["due"] for e in overdue)  # the longest overdue first
    due = [e["due"] for e in entries if e["status"] in ("open", "upcoming")]
    assert due == sorted(due)


def test_overdue_windows_and_stopped_applications_are_marked(run, folder: Path) -> None:
    _, entries, _ = _entries(run, folder)
    by_name = {Path(e["file"]).name: e for e in entries}
    # Planned from its own day (21 November): the e-mail was due by 25 November, so on 1 December it
    # is six days overdue, not quietly moved to today.
    applied = by_name["dk-applied-email.yaml"]
    assert (applied["status"], applied["days"], applied["next"]["window"]) == \
           ("overdue", -6, {"first": "2026-11-21", "last": "2026-11-25"})
    assert applied["rule"] == "status-follow-up-after-applying"
    for name, rule in (("dk-rejected.yaml", "rejected-close-politely"),
                       ("dk-three-unanswered.yaml", "no-more-than-three-contacts"),
                       ("se-posting-forbids-contact.yaml", "posting-forbids-calls-and-emails")):
        assert (by_name[name]["status"], by_name[name]["rule"], by_name[name]["next"]) == ("stop", rule, None)
    text = run("agenda", str(folder), "--today", TODAY).out
    lines = {line.split()[-1]: line for line in text.splitlines() if line.rstrip().endswith((".yaml", ".yml"))}
    assert lines[str(folder / "dk-applied-email.yaml")].startswith("OVERDUE  closed 6 days ago")
    assert lines[str(folder / "dk-rejected.yaml")].startswith("STOP")
    assert lines[str(folder / "broken.yaml")].startswith("ERROR")
    rows = [line.split()[-1] for line in text.splitlines() if line.rstrip().endswith(".yaml")]
    assert rows == [e["file"] for e in entries]  # the text is in the same order


def test_a_broken_file_is_reported_with_its_line_and_the_rest_goes_on(run, folder: Path) -> None:
    code, entries, err = _entries(run, folder)
    broken = [e for e in entries if e["status"] == "error"]
    assert [Path(e["file"]).name for e in broken] == ["broken.yaml"]
    assert broken[0]["errors"][0]["line"] == 3 and broken[0]["exit_code"] == 2
    assert f"error: {folder / 'broken.yaml'}:3: malformed YAML" in err
    assert "Traceback" not in err


def test_a_missing_path_is_an_error_row_not_the_end(run, folder: Path, tmp_path_factory) -> None:
    empty = tmp_path_factory.mktemp("empty")
    result = run("agenda", str(folder / "dk-rejected.yaml"), str(folder / "gone.yaml"), str(empty), "--today", TODAY)
    assert result.code == 2
    assert "gone.yaml: no such file or folder" in result.err and "no situation files" in result.err
    assert "Nordhavn A/S - Administrativ afdelingsleder" in result.out


def test_a_folder_of_valid_files_exits_0_and_the_same_input_gives_the_same_bytes(run, folder: Path) -> None:
    (folder / "broken.yaml").unlink()
    first, second = (run("agenda", str(folder), "--today", TODAY) for _ in range(2))
    assert first.code == 0 and first.out == second.out


# --- the activity export -----------------------------------------------------------------------


def _csv_rows(data: bytes, encoding: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode(encoding), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


@pytest.mark.parametrize("bom", [False, True])
def test_the_activity_export_parses_back_as_csv(run, folder: Path, tmp_path: Path, bom: bool) -> None:
    out = tmp_path / "log.csv"
    result = run("agenda", str(folder), "--today", TODAY, "--format", "csv", "-o", str(out), *(["--bom"] if bom else []))
    assert result.code == 2  # the broken file still counts
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is bom
    rows = _csv_rows(data, "utf-8-sig" if bom else "utf-8")
    if bom:
        assert data[3:].startswith(b"date,kind,")
    situations = [RULES.situation(p, TODAY if p.name != "dk-three-unanswered.yaml" else None)
                  for p in sorted(EXAMPLES.glob("*.yaml"))]
    follow_ups = [r for r in rows if r["kind"] == "follow-up"]
    assert len(follow_ups) == sum(len(s.follow_ups) for s in situations) == 3
    assert [(r["date"], r["channel"], r["answered"]) for r in follow_ups] == \
           [("2026-11-02", "e-mail", "no"), ("2026-11-16", "phone", "no"), ("2026-11-30", "e-mail", "no")]
    applications = [r for r in rows if r["kind"] == "application"]
    assert len(applications) == sum(1 for s in situations if s.stage != "considering")
    assert all(date.fromisoformat(r["date"]) for r in rows if r["date"])
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert any(r["employer"] == "Bageriet Ø" for r in rows)  # UTF-8 kept
    assert not any(r["file"].endswith("broken.yaml") for r in rows)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(run, tmp_path: Path) -> None:
    write_yaml(tmp_path, "evil.yaml", {
        "country": "DK", "today": "2026-11-21", "stage": "applied", "position": "@SUM(A1:A9)",
        "employer": {"name": '=HYPERLINK("http://evil.example","Klik")'},
        "application": {"sent_on": "2026-11-11", "via": "email"}})
    result = run("agenda", str(tmp_path), "--today", TODAY, "--format", "csv")
    assert result.code == 0
    row = _csv_rows(result.out.encode("utf-8"), "utf-8")[0]
    assert row["employer"] == '\'=HYPERLINK("http://evil.example","Klik")' and row["position"] == "'@SUM(A1:A9)"


def test_bom_is_only_for_csv(run, folder: Path) -> None:
    result = run("agenda", str(folder), "--bom")
    assert result.code == 2 and "--bom is for --format csv" in result.err


# --- the timeline ------------------------------------------------------------------------------


def _svg(run, *paths: str) -> ET.Element:
    result = run("agenda", *paths, "--today", TODAY, "--format", "svg")
    return ET.fromstring(result.out)


def test_the_timeline_is_valid_svg_with_one_bar_per_follow_up_window(run, folder: Path) -> None:
    root = _svg(run, str(folder))
    agenda = make_agenda(RULES, [str(folder)], date.fromisoformat(TODAY))
    steps = sum(len(e.plan.steps) for e in agenda.entries if e.plan is not None)
    bars = [r for r in root.iter(f"{SVG}rect") if "window" in r.get("class", "").split()]
    assert steps > 10 and len(bars) == steps
    assert len(root.findall(f"{SVG}g[@class='application']")) == sum(1 for e in agenda.entries if e.plan)
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert root.findall(f"{SVG}line[@class='today']")
    missed = [r for r in bars if "missed" in r.get("class", "")]
    assert missed and all("overdue" in r.find(f"{SVG}title").text for r in missed)


def test_the_timeline_escapes_names_and_shades_the_holidays_of_the_countries_present() -> None:
    name = 'Smith & <Søn> "A/S" \'24'
    rows = [TimelineRow(name, "DK", (Bar(date(2026, 12, 21), date(2026, 12, 23), "Follow up by e-mail"),
                                     Bar(date(2026, 12, 28), None, "Follow up by e-mail")))]
    text = timeline_svg(rows, date(2026, 12, 18))
    root = ET.fromstring(text)  # well-formed, whatever the name holds
    assert any(t.text == f"{name} (DK)" for t in root.iter(f"{SVG}title")) and "<Søn>" not in text
    holidays = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.get("class") == "holiday"]
    assert any("25 December" in h and "(DK)" in h for h in holidays)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("class") == "window"]) == 2
    assert timeline_svg(rows, date(2026, 12, 18)) == text


# --- the calendar ------------------------------------------------------------------------------


def _events(path: Path) -> list:
    return [c for c in Calendar.from_ical(path.read_bytes()).walk() if c.name == "VEVENT"]


def test_one_calendar_for_all_with_one_event_per_step_and_stable_uids(run, folder: Path, tmp_path: Path) -> None:
    first, again, later = tmp_path / "a.ics", tmp_path / "b.ics", tmp_path / "c.ics"
    made = run("agenda", str(folder), "--today", TODAY, "--ics", str(first))
    # Two of the examples are one Swedish application at two stages: a calendar's UIDs must
    # still differ, so the second file's events are kept apart, and the user is told why.
    assert "se-interview-date-passed.yaml: the same application as" in made.err
    run("agenda", str(folder), "--today", TODAY, "--ics", str(again))
    run("agenda", str(folder), "--today", "2026-12-10", "--ics", str(later))
    agenda = make_agenda(RULES, [str(folder)], date.fromisoformat(TODAY))
    steps = sum(len(e.plan.steps) for e in agenda.entries if e.plan is not None)
    events = _events(first)
    uids = [str(e["UID"]) for e in events]
    assert len(events) == steps and len(set(uids)) == steps
    assert first.read_bytes() == again.read_bytes()
    assert sorted(uids) == sorted(str(e["UID"]) for e in _events(later))  # the agenda's day is not in a UID
    # The same events a single plan's calendar has: importing either updates the other's.
    single = tmp_path / "one.ics"
    assert run("plan", str(folder / "dk-applied-email.yaml"), "--ics", str(single)).code == 0
    assert {str(e["UID"]) for e in _events(single)} <= set(uids)


def test_a_single_plan_draws_as_a_timeline_too(run) -> None:
    result = run("plan", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "svg")
    root = ET.fromstring(result.out)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "window"]
    assert result.code == 0 and len(bars) == 3  # three contacts, then stop (see test_plan.py)


def test_the_readme_agenda_is_what_the_tool_prints(run, monkeypatch) -> None:
    text = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- agenda-example: followup (.*?) -->\s*```text\n(.*?)```", text, re.S)
    assert block, "README lost its example agenda"
    monkeypatch.chdir(EXAMPLES.parent)  # the README's paths are relative to the repository
    result = run(*block.group(1).split())
    assert result.code == 0 and result.out == block.group(2)
    assert (EXAMPLES.parent / "docs" / "timeline.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["text", "csv", "svg"])
def test_an_output_that_cannot_be_written_is_exit_74_not_a_bug(run, fmt: str) -> None:
    result = run("agenda", str(EXAMPLES), "--today", TODAY, "--format", fmt, "-o", "/dev/full")
    assert result.code == 74 and "/dev/full: cannot write the output" in result.err


def test_until_leaves_out_what_is_not_due_by_then_and_says_how_many(run, tmp_path: Path) -> None:
    for name in ("dk-interview-date-passed.yaml", "dk-rejected.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    # Its phone call is due 1-2 December: on 30 November, with the agenda ending that day, it waits.
    result = run("agenda", str(tmp_path), "--today", "2026-11-30", "--until", "2026-11-30")
    assert result.code == 0
    assert "dk-interview-date-passed.yaml" not in result.out and "dk-rejected.yaml" in result.out
    assert "1 more application has nothing due by 30 November." in result.out
    later = run("agenda", str(tmp_path), "--today", "2026-11-30", "--until", "2026-12-02", "--format", "json").json()
    assert [e["status"] for e in later["entries"]] == ["upcoming", "stop"] and later["entries"][0]["days"] == 1


def test_the_agenda_names_no_contact_and_no_applicant(run, folder: Path) -> None:
    # A counsellor's agenda is shared more than one person's plan: names stay in the files.
    for fmt in ("text", "json", "csv", "svg"):
        out = run("agenda", str(folder), "--today", TODAY, "--format", fmt).out
        assert "Mette Jensen" not in out and "Jensen" not in out, fmt


def test_pasted_situations_make_the_same_agenda_as_their_files(folder: Path) -> None:
    # What the web page's agenda does with pasted or uploaded files: nothing is written to disk.
    files = sorted(folder.glob("*.yaml"))
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in files]
    pasted = agenda_of_texts(RULES, texts, date.fromisoformat(TODAY))
    on_disk = make_agenda(RULES, [str(p) for p in files], date.fromisoformat(TODAY))
    assert [(Path(e.file).name, e.status, e.due) for e in pasted.entries] == \
           [(Path(e.file).name, e.status, e.due) for e in on_disk.entries]
    assert pasted.exit_code == 2 and timeline_svg(timeline_rows(pasted), date.fromisoformat(TODAY))


def test_a_file_given_twice_is_listed_once(run, folder: Path) -> None:
    result = run("agenda", str(folder / "dk-rejected.yaml"), str(folder), "--today", TODAY, "--format", "json")
    files = [Path(e["file"]).name for e in result.json()["entries"]]
    assert files.count("dk-rejected.yaml") == 1


def test_a_name_with_markup_stays_text_in_the_svg_the_command_writes(run, tmp_path: Path) -> None:
    name = 'Smith & Søn <script>alert("x")</script>'
    write_yaml(tmp_path, "odd.yaml", {"country": "DK", "today": "2026-11-21", "stage": "applied", "position": "Chef's",
                                      "employer": {"name": name},
                                      "application": {"sent_on": "2026-11-11", "via": "email"}})
    result = run("agenda", str(tmp_path), "--today", TODAY, "--format", "svg")
    root = ET.fromstring(result.out)
    assert result.code == 0 and not root.findall(f".//{SVG}script") and "<script>" not in result.out
    assert any(t.text == f"{name} - Chef's (DK)" for t in root.iter(f"{SVG}title"))


def test_a_bug_of_ours_with_one_file_exits_70_and_the_others_are_still_listed(folder: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A bug beats bad input in the exit code (as in batch): a script must not take it for a typo in a file.
    plan = followup.agenda.make_plan

    def failing(rules, situation, **kwargs):
        if situation.country == "SE":
            raise RuntimeError("boom")
        return plan(rules, situation, **kwargs)

    monkeypatch.setattr(followup.agenda, "make_plan", failing)
    agenda = make_agenda(RULES, [str(folder)], date.fromisoformat(TODAY))
    failed = [e for e in agenda.errors if e.error is not None and e.error.exit_code == 70]
    assert failed and all("internal error: RuntimeError: boom" in e.error.message for e in failed)
    assert any(e.file.endswith("broken.yaml") and e.error.exit_code == 2 for e in agenda.errors)
    assert any(e.status != "error" for e in agenda.entries)
    assert agenda.exit_code == 70
