"""The resolver: forbid beats prefer, windows intersect, conflicts are reported, never hidden."""

from __future__ import annotations

from pathlib import Path

from conftest import situation, write_yaml
from followup.engine.engine import Engine
from followup.rules.ruleset import Library

SRC = {"seed": "000", "items": ["T2"], "quote": "test"}
BASE_SITUATION = dict(country="DK", today="2026-11-21", stage="applied",
                      application={"sent_on": "2026-11-02", "via": "email", "deadline": "2026-11-09"},
                      contact={"email": "a@b.dk"})


def rule(rule_id: str, then: dict, priority: int = 0, when: dict | None = None) -> dict:
    return {"id": rule_id, "title": rule_id, "when": when or {"fact": "stage", "equals": "applied"},
            "then": then, "because": "test", "priority": priority, "source": SRC}


def engine_with(tmp_path: Path, *rules: dict) -> Engine:
    write_yaml(tmp_path, "base.yaml", {"ruleset": "base", "version": "1", "rules": list(rules)})
    return Engine(library=Library.load([tmp_path], include_shipped=False))


def test_forbid_beats_prefer_even_of_higher_priority(tmp_path: Path) -> None:
    engine = engine_with(tmp_path,
                         rule("act", {"action": "follow_up"}),
                         rule("likes-phone", {"prefer": ["phone", "email"]}, priority=500),
                         rule("no-phone", {"forbid": ["phone"]}, priority=1))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert advice.channel == "email"
    assert "phone" not in advice.alternatives and advice.forbidden == ("phone",)
    liked = next(e for e in advice.trace if e.id == "likes-phone")
    assert [(o.part, o.by) for o in liked.overridden_by] == [("prefer phone", "no-phone")]


def test_preferences_rank_by_priority(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up"}),
                         rule("low", {"prefer": ["letter"]}, priority=1),
                         rule("high", {"prefer": ["linkedin"]}, priority=9))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert (advice.channel, advice.alternatives) == ("linkedin", ("letter",))


def test_windows_intersect(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email"]}),
                         rule("win-a", {"earliest": "7 days after application.deadline", "latest": "14 days after application.deadline"}),
                         rule("win-b", {"earliest": "14 days after application.sent_on", "latest": "20 days after application.sent_on"}))
    advice = engine.advise(situation(**{**BASE_SITUATION, "today": "2026-11-10"}))
    # a: 16–23 Nov, b: 16–22 Nov → 16–22 Nov, not open yet on the 10th.
    assert advice.action == "wait"
    assert (str(advice.timing.earliest), str(advice.timing.latest)) == ("2026-11-16", "2026-11-22")
    assert not advice.conflicts


def test_empty_window_is_a_reported_conflict(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email"]}),
                         rule("soon", {"latest": "3 days after application.sent_on"}, priority=5),
                         rule("late", {"earliest": "30 days after application.sent_on"}))
    advice = engine.advise(situation(**{**BASE_SITUATION, "today": "2026-11-03"}))
    assert [c.kind for c in advice.conflicts] == ["empty_window"]
    assert set(advice.conflicts[0].rules) == {"soon", "late"}
    assert str(advice.timing.latest) == "2026-11-05"
    late = next(e for e in advice.trace if e.id == "late")
    assert late.overridden_by[0].part == "timing" and late.overridden_by[0].by == "soon"


def test_every_channel_forbidden_means_stop_with_a_conflict(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email", "phone"]}),
                         rule("no", {"forbid": ["email", "phone"]}))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert advice.action == "stop" and advice.channel is None
    assert [c.kind for c in advice.conflicts] == ["all_channels_forbidden"]
    assert advice.timing.earliest is None and advice.timing.latest is None


def test_tied_actions_take_the_most_cautious_and_say_so(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("go", {"action": "follow_up", "prefer": ["email"]}, priority=3),
                         rule("hold", {"action": "wait"}, priority=3))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert advice.action == "wait"
    assert [c.kind for c in advice.conflicts] == ["action_tie"]


def test_missing_anchor_date_is_reported(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email"]}),
                         rule("after-promise", {"earliest": "2 days after interview.answer_promised_by"}))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert [c.kind for c in advice.conflicts] == ["missing_date"]
    assert advice.timing.earliest.isoformat() == "2026-11-21"


def test_working_day_window_skips_danish_christmas(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email"]}),
                         rule("wd", {"earliest": "2 working days after posting.answer_expected_by",
                                     "latest": "3 working days after posting.answer_expected_by"}))
    # 23 Dec 2026 is a Wednesday; the 24th is kept off in practice (every country), 25th and
    # 26th are holidays, 27th a Sunday → 2 working days after is Tuesday 29th.
    advice = engine.advise(situation(**{**BASE_SITUATION, "today": "2026-12-20", "posting": {"answer_expected_by": "2026-12-23"}}))
    assert (str(advice.timing.earliest), str(advice.timing.latest)) == ("2026-12-29", "2026-12-30")


def test_working_day_window_follows_the_country(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("act", {"action": "follow_up", "prefer": ["email"]}),
                         rule("wd", {"earliest": "1 working day after posting.answer_expected_by"}))
    # Sweden keeps Midsummer Eve as a day off (de facto); Denmark does not. Christmas Eve is
    # a day off in both alike.
    def earliest(country: str, answer_by: str) -> str:
        return str(engine.advise(situation(**{**BASE_SITUATION, "country": country, "today": answer_by,
                                              "application": {"sent_on": "2026-06-01", "via": "email"},
                                              "posting": {"answer_expected_by": answer_by}})).timing.earliest)
    assert (earliest("SE", "2026-06-18"), earliest("DK", "2026-06-18")) == ("2026-06-22", "2026-06-19")
    assert earliest("SE", "2026-12-23") == earliest("DK", "2026-12-23") == "2026-12-28"


def test_every_channel_forbidden_leaves_a_wait_a_wait(tmp_path: Path) -> None:
    engine = engine_with(tmp_path, rule("hold", {"action": "wait", "prefer": ["email"],
                                                 "caution": ["Find their e-mail address first."]}),
                         rule("no", {"forbid": ["email"]}))
    advice = engine.advise(situation(**BASE_SITUATION))
    assert (advice.action, advice.channel) == ("wait", None)
    assert [c.kind for c in advice.conflicts] == ["all_channels_forbidden"]
    assert [p.text for p in advice.cautions] == ["Find their e-mail address first."]
