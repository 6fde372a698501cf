"""Every example situation gives the advice it was written to show (action, channel, dates)."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES

EXPECTED = {
    # file: (action, channel, earliest, latest)
    "dk-applied-email.yaml": ("follow_up", "email", "2026-11-21", "2026-11-25"),
    "dk-handed-in-person.yaml": ("follow_up", "in_person", "2026-11-23", "2026-11-25"),
    "se-posting-forbids-contact.yaml": ("stop", None, None, None),
    "dk-interview-thank-you.yaml": ("follow_up", "email", "2026-11-19", "2026-11-19"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_advice(run, name: str) -> None:
    result = run("advise", str(EXAMPLES / name), "--format", "json")
    assert result.code == 0, result.err
    advice = result.json()
    action, channel, earliest, latest = EXPECTED[name]
    assert (advice["action"], advice["channel"]) == (action, channel)
    assert (advice["timing"]["earliest"], advice["timing"]["latest"]) == (earliest, latest)


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
    assert "[in-person-only-if-handed-in] (base)" in result.out
    assert "Kontakt ikke en virksomhed personligt" in result.out


def test_today_option_moves_the_advice(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--today", "2026-11-13", "--format", "json")
    advice = result.json()
    assert advice["action"] == "wait"
    assert advice["timing"]["earliest"] == "2026-11-18"
    assert advice["verdict"].startswith("Wait.")
