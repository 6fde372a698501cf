"""What the advice assumed, said plainly; fields that contradict the stage (issue 11, item 3)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

import followup
from followup.load.situation import LATER_STAGE_FIELDS, STAGES

BARE = {"country": "DK", "stage": "applied", "today": "2026-11-21"}


def _assumed(advice: dict) -> dict[str, tuple[str, str | None]]:
    return {a["field"]: (a["assumed"], a["value"]) for a in advice["assumptions"]}


def test_country_and_stage_only_says_what_it_assumed(run, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(BARE), encoding="utf-8")
    advice = run("advise", str(path), "--format", "json").json()
    assert advice["assumptions"] == [
        {"field": "application.sent_on", "assumed": "today", "value": "2026-11-21"},
        {"field": "contact.name", "assumed": "the hiring manager", "value": None},
        {"field": "application.deadline", "assumed": "none", "value": None},
        {"field": "posting.answer_expected_by", "assumed": "none", "value": None},
    ]
    lines = run("advise", str(path)).out.splitlines()
    near_the_top = " ".join(lines[1:5])
    assert "You did not say when you applied; this assumes you applied today, 21 November." in near_the_top
    assert "You did not name a contact person; this assumes you write to the hiring manager." in near_the_top


def test_what_is_given_is_not_assumed() -> None:
    given = {**BARE, "application": {"sent_on": "2026-11-10", "deadline": "2026-11-05"},
             "posting": {"answer_expected_by": "2026-11-30"}, "contact": {"name": "Mette Jensen"}}
    assert followup.advise(given).to_dict(explanation=False)["assumptions"] == []


def test_the_employer_stands_in_for_a_contact_by_name() -> None:
    advice = followup.advise({**BARE, "employer": {"name": "Nordhavn A/S"}}).to_dict(explanation=False)
    assert _assumed(advice)["contact.name"] == ("the hiring manager", "Nordhavn A/S")


def test_after_an_interview_a_missing_promised_date_is_assumed() -> None:
    data = {**BARE, "stage": "interviewed", "application": {"sent_on": "2026-11-01"},
            "contact": {"name": "Mette Jensen"}, "interview": {"date": "2026-11-12", "thanked": True}}
    advice = followup.advise(data).to_dict(explanation=False)
    assert _assumed(advice) == {"interview.answer_promised_by": ("none", None)}
    assert "this assumes no date was promised" in followup.advise(data).text()


def test_an_advice_not_to_follow_up_assumes_nothing() -> None:
    advice = followup.advise({**BARE, "outcome": "rejected"}).to_dict(explanation=False)
    assert advice["action"] == "stop" and advice["assumptions"] == []


# --- one rule for fields and the stage: a field of a later stage is refused --------------------

VALUES = {("application", "sent_on"): {"application": {"sent_on": "2026-11-10"}},
          ("interview",): {"interview": {"date": "2026-11-18"}},
          ("interviews",): {"interviews": [{"date": "2026-11-18"}]}}


def test_every_stage_bound_field_has_a_case() -> None:
    assert set(VALUES) == set(LATER_STAGE_FIELDS)


@pytest.mark.parametrize("stage, path", list(itertools.product(STAGES, sorted(VALUES))))
def test_stage_and_field(run, tmp_path: Path, stage: str, path: tuple[str, ...]) -> None:
    data = {**BARE, "stage": stage, **VALUES[path]}
    if stage == "interviewed" and path[0] not in ("interview", "interviews"):
        data["interview"] = {"date": "2026-11-18"}
    file = tmp_path / "s.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    result = run("advise", str(file))
    belongs = LATER_STAGE_FIELDS[path]
    shown = ".".join(path)
    if STAGES.index(belongs) > STAGES.index(stage):
        assert result.code == 2
        assert (f"{shown}: {shown} belongs to stage '{belongs}', but stage is '{stage}': "
                f"set stage: {belongs}, or remove {shown}") in result.err
    else:
        assert result.code == 0, result.err


def test_applied_with_an_interview_is_refused_not_ignored(run, tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("country: DK\ntoday: 2026-11-21\nstage: applied\ninterview:\n  date: 2026-11-18\n", encoding="utf-8")
    result = run("advise", str(file))
    assert result.code == 2
    assert f"{file}:4: interview: interview belongs to stage 'interviewed', but stage is 'applied'" in result.err
