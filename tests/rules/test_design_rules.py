"""The three rules of the design, each shown to fire and not to fire."""

from __future__ import annotations

from conftest import situation

APPLIED = dict(country="DK", today="2026-11-21", stage="applied",
               application={"sent_on": "2026-11-11", "via": "online_portal"},
               contact={"name": "Mette Jensen", "email": "mj@example.dk", "phone": "+45 1234 5678", "phone_kind": "work"})


def fired(advice) -> set[str]:
    return {entry.id for entry in advice.trace}


def test_in_person_forbidden_when_applied_online(engine) -> None:
    advice = engine.advise(situation(**APPLIED))
    assert "in-person-only-if-handed-in" in fired(advice)
    assert "in_person" in advice.forbidden
    assert advice.channel != "in_person" and "in_person" not in advice.alternatives
    entry = next(e for e in advice.trace if e.id == "in-person-only-if-handed-in")
    assert dict(entry.facts) == {"application.via": "online_portal"}
    assert entry.source.items == ("C6",) and entry.source.seed == "000"


def test_in_person_stays_forbidden_even_when_the_contact_asks_for_a_visit(engine) -> None:
    # C6 vs C14: the article's rule has no exception; the request is recorded as beaten.
    contact = {**APPLIED["contact"], "asked_for": "in_person"}
    advice = engine.advise(situation(**{**APPLIED, "contact": contact}))
    assert advice.channel == "email" and "in_person" in advice.forbidden
    asked = next(e for e in advice.trace if e.id == "asked-for-in-person")
    assert [(o.part, o.by) for o in asked.overridden_by] == [("prefer in_person", "in-person-only-if-handed-in")]


def test_in_person_allowed_when_handed_in(engine) -> None:
    advice = engine.advise(situation(**{**APPLIED, "application": {"sent_on": "2026-11-11", "via": "in_person"}}))
    assert "in-person-only-if-handed-in" not in fired(advice)
    assert "in_person" not in advice.forbidden
    assert "in_person" in (advice.channel, *advice.alternatives)


def test_no_calls_when_posting_forbids_them(engine) -> None:
    advice = engine.advise(situation(**APPLIED, posting={"forbids_calls": True}))
    assert "no-calls-if-posting-forbids" in fired(advice)
    assert "phone" in advice.forbidden
    assert advice.channel == "email" and "phone" not in advice.alternatives


def test_calls_not_forbidden_when_posting_allows_them(engine) -> None:
    advice = engine.advise(situation(**APPLIED, posting={"forbids_calls": False}))
    assert "no-calls-if-posting-forbids" not in fired(advice)
    assert "phone" not in advice.forbidden


def test_email_is_the_default_after_an_interview(engine) -> None:
    advice = engine.advise(situation(**{**APPLIED, "stage": "interviewed", "today": "2026-11-19"},
                                     interview={"date": "2026-11-18T10:00", "format": "in_person"}))
    assert "email-after-interview" in fired(advice)
    assert advice.action == "follow_up" and advice.channel == "email"


def test_email_default_does_not_fire_before_an_interview(engine) -> None:
    advice = engine.advise(situation(**{**APPLIED, "contact": {"name": "Mette Jensen", "phone": "+45 1234 5678"}}))
    assert "email-after-interview" not in fired(advice)
