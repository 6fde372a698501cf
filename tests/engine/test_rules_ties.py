"""``if_channel`` / ``if_purpose`` tie a rule's timing and points to the advice's channel and purpose.

The action, channel and purpose are settled first; a tied timing or point that does not match
is set aside, and the trace names the rule that decided the channel or purpose.
"""

from __future__ import annotations

from pathlib import Path

from conftest import situation, write_yaml
from followup.engine.engine import Engine
from followup.rules.ruleset import Library

SRC = {"seed": "000", "items": ["T2"], "quote": "test"}
APPLIED = dict(country="DK", today="2026-11-16", stage="applied",
               application={"sent_on": "2026-11-02", "via": "email"}, contact={"email": "a@b.dk"})


def rule(rule_id: str, then: dict, priority: int = 0) -> dict:
    return {"id": rule_id, "title": rule_id, "when": {"fact": "stage", "equals": "applied"},
            "then": then, "because": "test", "priority": priority, "source": SRC}


def engine_with(tmp_path: Path, *rules: dict) -> Engine:
    tmp_path.mkdir(parents=True, exist_ok=True)
    write_yaml(tmp_path, "base.yaml", {"ruleset": "base", "version": "1", "rules": list(rules)})
    return Engine(library=Library.load([tmp_path], include_shipped=False))


def overridden(advice, rule_id: str) -> list[tuple[str, str, str]]:
    entry = next(e for e in advice.trace if e.id == rule_id)
    return [(o.part, o.by, o.why) for o in entry.overridden_by]


def test_a_timing_tied_to_another_purpose_is_set_aside_and_says_what_beat_it(tmp_path: Path) -> None:
    engine = engine_with(tmp_path,
                         rule("status", {"action": "follow_up", "purpose": "status", "prefer": ["email"]}),
                         rule("offer", {"purpose": "competing_offer"}, priority=7),
                         rule("status-wait", {"earliest": "14 days after application.sent_on", "if_purpose": ["status"]}))
    advice = engine.advise(situation(**APPLIED))
    assert (advice.action, advice.purpose, advice.timing.earliest.isoformat()) == ("follow_up", "competing_offer", "2026-11-16")
    assert not advice.conflicts and advice.timing.windows == ()
    assert overridden(advice, "status-wait") == [("timing", "offer", "only for status; the purpose is competing_offer")]


def test_a_timing_tied_to_the_purpose_the_advice_has_applies(tmp_path: Path) -> None:
    engine = engine_with(tmp_path,
                         rule("status", {"action": "follow_up", "purpose": "status", "prefer": ["email"]}),
                         rule("status-wait", {"earliest": "20 days after application.sent_on", "if_purpose": ["status"]}))
    advice = engine.advise(situation(**APPLIED))
    assert (advice.action, advice.timing.earliest.isoformat()) == ("wait", "2026-11-22")
    assert overridden(advice, "status-wait") == []


def test_a_timing_tied_to_a_channel_follows_the_channel(tmp_path: Path) -> None:
    calls = rule("calls-on-working-days", {"earliest": "0 working days after today", "if_channel": ["phone"]})
    by_phone = engine_with(tmp_path, rule("go", {"action": "follow_up", "prefer": ["phone"]}), calls)
    saturday = dict(APPLIED, today="2026-11-21")
    advice = by_phone.advise(situation(**saturday))
    assert (advice.action, advice.timing.earliest.isoformat()) == ("wait", "2026-11-23")
    assert advice.timing.windows[0].earliest_spec == "0 working days after today"
    by_email = engine_with(tmp_path / "e", rule("go", {"action": "follow_up", "prefer": ["email"]}), calls)
    advice = by_email.advise(situation(**saturday))
    assert (advice.action, advice.timing.earliest.isoformat()) == ("follow_up", "2026-11-21")
    assert overridden(advice, "calls-on-working-days") == [("timing", "go", "only for phone; the channel is email")]


def test_after_a_stop_tied_points_are_set_aside_by_the_stop(tmp_path: Path) -> None:
    engine = engine_with(tmp_path,
                         rule("status", {"action": "follow_up", "purpose": "status", "prefer": ["email"]}),
                         rule("enough", {"action": "stop"}, priority=9),
                         rule("script", {"say": ["Hello"], "if_channel": ["email"]}),
                         rule("untied", {"caution": ["Move on"]}))
    advice = engine.advise(situation(**APPLIED))
    assert (advice.action, advice.channel, advice.purpose) == ("stop", None, None)
    assert [p.text for p in advice.say] == [] and [p.text for p in advice.cautions] == ["Move on"]
    assert overridden(advice, "script") == [("say", "enough", "the advice is not to follow up")]
