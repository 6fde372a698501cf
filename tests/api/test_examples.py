"""Every example situation gives the advice it was written to show (action, channel, dates)."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES

EXPECTED = {
    # file: (action, channel, purpose, earliest, latest)
    "dk-applied-email.yaml": ("follow_up", "email", "status", "2026-11-21", "2026-11-25"),
    "dk-cold-interviewer.yaml": ("follow_up", "email", "status", "2026-11-25", "2026-11-25"),
    "dk-handed-in-person.yaml": ("follow_up", "in_person", "status", "2026-11-23", "2026-11-25"),
    "dk-interview-date-passed.yaml": ("wait", "phone", "status", "2026-12-01", "2026-12-02"),
    "dk-interview-thank-you.yaml": ("follow_up", "email", "thank_you", "2026-11-19", "2026-11-19"),
    "dk-private-phone-only.yaml": ("follow_up", "phone", "status", "2026-11-23", "2026-11-25"),
    "dk-rejected.yaml": ("stop", None, None, None, None),
    "dk-three-unanswered.yaml": ("stop", None, None, None, None),
    "no-before-applying.yaml": ("follow_up", "phone", "process_question", "2026-11-23", "2026-12-01"),
    "se-applied-deadline.yaml": ("wait", "email", "status", "2026-11-15", "2026-11-22"),
    "se-competing-offer.yaml": ("follow_up", "email", "competing_offer", "2026-11-23", "2026-11-27"),
    "se-interview-date-passed.yaml": ("follow_up", "email", "status", "2026-11-30", "2026-12-01"),
    "se-posting-forbids-contact.yaml": ("stop", None, None, None, None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_advice(run, name: str) -> None:
    result = run("advise", str(EXAMPLES / name), "--format", "json")
    assert result.code == 0, result.err
    advice = result.json()
    action, channel, purpose, earliest, latest = EXPECTED[name]
    assert (advice["action"], advice["channel"], advice["purpose"]) == (action, channel, purpose)
    assert (advice["timing"]["earliest"], advice["timing"]["latest"]) == (earliest, latest)
    assert advice["conflicts"] == [], "an example shows advice the rules settle without a conflict"
    assert advice["warnings"] == [], "every example is for a country with its own rules"


def test_every_example_is_covered_and_valid(run) -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    assert set(EXPECTED) == set(names), "every example needs its expected advice here"
    result = run("validate", *(str(EXAMPLES / n) for n in names))
    assert result.code == 0, result.err


def test_text_output_leads_with_the_verdict(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"))
    assert result.code == 0
    first = result.out.splitlines()[0]
    assert first == "E-mail Mette Jensen to ask about the status of your application between 21 and 25 November."
    # The text fits a screen (issue 12): the rules that decided, each with its source; every
    # rule, its facts and the article's words are in 'followup explain'.
    assert "E-mail the contact person if you have their address (seed 000, C2)" in result.out
    assert "Kære Mette" in result.out
    assert result.out.splitlines()[-1] == f"Every rule, the facts it saw and the articles' words: followup explain {EXAMPLES / 'dk-applied-email.yaml'}"


def test_today_option_moves_the_advice(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--today", "2026-11-13", "--format", "json")
    advice = result.json()
    assert advice["action"] == "wait"
    assert advice["timing"]["earliest"] == "2026-11-18"
    assert advice["verdict"].startswith("Wait.")
