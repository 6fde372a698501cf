"""``followup plan --lang``: the plan's text and calendar wholly in the reader's language.

The heading, the labels, the dates, the rules' titles, the cautions and how the plan ends are
in the reader's language (en, da, sv, nb); English is as it always was, and the JSON document
is the same whatever ``--lang`` (a tool reads it, not a person: its texts are the rules' own).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from icalendar import Calendar

from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
#: English framing that must not show through in another language: labels, the plan's own
#: sentences, and month names (capitalised: Danish, Swedish and Norwegian write them in lower case).
ENGLISH = re.compile(r"\b(ahead|Draft:|Why:|Be careful:|Subject:|From |On the day|When they answer|record it|"
                     r"up to|The next step|The rules|January|February|March|April|June|July|August|"
                     r"September|October|November|December)\b")
HEADINGS = {"da": "Plan for ", "sv": "Plan för ", "nb": "Plan for "}


def _plan(run, name: str, *args: str) -> str:
    result = run("plan", str(EXAMPLES / name), *args)
    assert result.code == 0, result.err
    return result.out


def _flat(text: str) -> str:
    """The text with its line breaks undone, to find a sentence wherever it was wrapped."""
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["da", "sv", "nb"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_no_english_framing_in_another_language(run, path: Path, lang: str) -> None:
    text = _plan(run, path.name, "--lang", lang)
    assert text.startswith(HEADINGS[lang]), text.splitlines()[0]
    found = ENGLISH.search(text)
    assert found is None, f"{found.group(0)!r} in:\n{text}"


def test_swedish_plan_words_and_dates(run) -> None:
    text = _plan(run, "se-interview-date-passed.yaml", "--lang", "sv")
    lines = text.splitlines()
    assert lines[0] == "Plan för Logistikkoordinator på Nordfrakt AB (SE), från 30 november: 1 steg framöver."
    assert lines[2].startswith("1. 30 november - 1 december: Mejla Anna Svensson för att fråga hur det går")
    assert "   Utkast:" in lines and "     Ämne: Uppföljning gällande Logistikkoordinator" in lines
    assert "   Varför: [email-after-interview] (base) Efter en intervju är e-post standardvalet" in lines
    assert "Från 1 december: Följ inte upp: en enda välformulerad uppföljning räcker." in lines
    flat = _flat(text)
    assert "när du har gjort ett steg för du in det med `followup done FILE`." in flat
    assert flat.endswith("planen räknas sedan om därifrån.")


def test_danish_plan_words_and_dates(run) -> None:
    lines = _plan(run, "dk-applied-email.yaml", "--lang", "da").splitlines()
    assert lines[0] == "Plan for Administrativ afdelingsleder hos Nordhavn A/S (DK), fra 21. november: 3 trin forude."
    assert lines[2].startswith("1. 21.-25. november: Send en e-mail til Mette Jensen")
    assert any(line.startswith("2. fra den 5. december: Send en e-mail") for line in lines)
    assert "Fra 20. december: Følg ikke op: du har allerede kontaktet dem tre gange." in lines
    assert any(line.startswith("   Vær opmærksom på: Før du følger op") for line in lines)
    # the rules after the first line up under it, whatever the length of the word "why"
    why = next(i for i, line in enumerate(lines) if line.startswith("   Hvorfor: ["))
    assert lines[why + 1].startswith(" " * 14) and lines[why + 2].startswith(" " * 12 + "[")


def test_norwegian_plan_words_and_dates(run) -> None:
    lines = _plan(run, "no-before-applying.yaml", "--lang", "nb").splitlines()
    assert lines[0] == "Plan for Rådgiver hos Fjordkraft Rådgivning AS (NO), fra 23. november: 1 steg framover."
    assert lines[2].startswith("1. 23. november - 1. desember: Ring Kari Nordmann")
    assert "Fra 24. november: Det er ikke noe å følge opp ennå: send søknaden først." in lines
    assert "   Utkast:" in lines


@pytest.mark.parametrize("lang, heading, end", [
    ("en", "from 1 December, up to 11 December: 1 step ahead.",
     "The next step, from 15 December 2026, falls after the horizon (11 December 2026)."),
    ("da", "fra 1. december, til og med 11. december: 1 trin forude.",
     "Næste trin, fra 15. december 2026, ligger efter den grænse, du har sat for planen (11. december 2026)."),
    ("sv", "från 1 december, till och med 11 december: 1 steg framöver.",
     "Nästa steg, från 15 december 2026, ligger efter den gräns du satte för planen (11 december 2026)."),
    ("nb", "fra 1. desember, til og med 11. desember: 1 steg framover.",
     "Neste steg, fra 15. desember 2026, kommer etter grensen du satte for planen (11. desember 2026)."),
])
def test_the_horizon_and_the_end_it_makes_in_each_language(run, lang: str, heading: str, end: str) -> None:
    text = _plan(run, "dk-applied-email.yaml", "--today", "2026-12-01", "--horizon", "10", "--lang", lang)
    assert text.splitlines()[0].endswith(heading)
    assert end in _flat(text)


def test_english_is_as_it_was(run) -> None:
    text = _plan(run, "dk-interview-thank-you.yaml")
    assert text == _plan(run, "dk-interview-thank-you.yaml", "--lang", "en")
    lines = text.splitlines()
    assert lines[0] == "Plan for Administrativ afdelingsleder at Nordhavn A/S (DK), from 19 November: 2 steps ahead."
    assert lines[3:5] == ["   Draft:", "     Subject: Tak for samtalen om stillingen som Administrativ afdelingsleder"]
    assert "   Why: [thank-you-within-24-hours] (base) After an interview, send a thank-you within" in lines
    assert "          24 hours (seed 003, T7)" in lines
    assert "        [email-after-interview] (base) After an interview, e-mail is the default (seed" in lines
    assert "From 3 December: Do not follow up: after an interview, never more than one message" in lines
    assert lines[-3:] == ["When they answer, record it with `followup done FILE --answered` (and what they told",
                          "you: a new date as interview.answer_promised_by or posting.answer_expected_by, or the",
                          "outcome); the plan is recomputed from there."]


@pytest.mark.parametrize("lang", ["da", "sv", "nb"])
def test_the_json_keeps_the_rules_own_words_whatever_the_language(run, lang: str) -> None:
    path = "dk-interview-thank-you.yaml"
    english = json.loads(_plan(run, path, "--format", "json"))
    other = json.loads(_plan(run, path, "--format", "json", "--lang", lang))
    assert other["on_answer"] == english["on_answer"] and other["end"]["rules"] == english["end"]["rules"]
    assert [s["rules"] for s in other["steps"]] == [s["rules"] for s in english["steps"]]
    assert other["steps"][0]["verdict"] != english["steps"][0]["verdict"]  # the advice itself is in the language
    assert "lang" not in other


@pytest.mark.parametrize("lang", ["en", "da", "sv", "nb"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_a_plan_of_one_step_fits_a_screen_and_translation_adds_no_bulk(run, path: Path, lang: str) -> None:
    lines = _plan(run, path.name, "--lang", lang).splitlines()
    english = _plan(run, path.name).splitlines()
    # A plan of several steps prints each step's draft, so only one of one step or none fits a screen.
    if not re.search(r"\b[2-9][0-9]? (steps|trin|steg)\b", lines[0]):
        assert len(lines) <= 45, "\n".join(lines)
    assert len(lines) <= len(english) + 3, "\n".join(lines)


def test_the_calendar_is_in_the_readers_language(run, tmp_path: Path) -> None:
    out = tmp_path / "sv.ics"
    result = run("plan", str(EXAMPLES / "se-interview-date-passed.yaml"), "--lang", "sv", "--ics", str(out))
    assert result.code == 0, result.err
    calendar = Calendar.from_ical(out.read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "Uppföljningar: Logistikkoordinator, Nordfrakt AB"
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Följ upp: mejla Anna Svensson om Logistikkoordinator"
    description = str(event["DESCRIPTION"])
    assert description.startswith("Mejla Anna Svensson för att fråga hur det går med din ansökan mellan den "
                                  "30 november och 1 december.\n\nVarför:\n- Efter en intervju är e-post standardvalet "
                                  "[email-after-interview, base]: ")
    assert "Källa: seed 001, C8" in description and "\nUtkast:\nÄmne: " in description
    assert "Klart? För in det med `followup done FILE`; planen räknas om.\nNär de svarar för du in det" in description
    assert ENGLISH.search(description) is None, description


def test_the_calendar_of_a_thank_you_in_danish(run, tmp_path: Path) -> None:
    out = tmp_path / "da.ics"
    result = run("plan", str(EXAMPLES / "dk-interview-thank-you.yaml"), "--lang", "da", "--ics", str(out))
    assert result.code == 0, result.err
    first = Calendar.from_ical(out.read_bytes()).walk("VEVENT")[0]
    assert first["SUMMARY"] == "Tak: send en e-mail til Mette Jensen om Administrativ afdelingsleder"


def test_the_timeline_picture_is_in_the_readers_language(run) -> None:
    svg = _plan(run, "dk-interview-thank-you.yaml", "--lang", "da", "--format", "svg")
    assert 'aria-label="Opfølgningsplan: 1 ansøgning og 2 tider til opfølgning, fra ugen med 19. november 2026."' in svg
    assert ">uge 48</text>" in svg and ">23. nov</text>" in svg and ">derefter stop</text>" in svg
    assert "Følg op via e-mail, 2. december 2026 til 3. december 2026</title>" in svg
    texts = " ".join(re.findall(r">([^<]+)<", svg))
    assert ENGLISH.search(texts) is None and "week " not in texts and "follow-up window" not in texts, texts
    english = _plan(run, "dk-interview-thank-you.yaml", "--format", "svg")
    assert ">week 48</text>" in english and ">23 Nov</text>" in english and ">then stop</text>" in english


def test_a_text_without_translation_is_named_once(run) -> None:
    catalogue = EXAMPLES.parent / "tests" / "data" / "catalogue" / "good"
    text = _flat(_plan(run, "dk-applied-email.yaml", "--lang", "da", "--rules", str(catalogue)))
    assert "Nogle tekster findes endnu ikke på dansk og vises på engelsk (regler: " in text
    assert "wait-one-to-two-weeks" in text.split("(regler: ")[1]
    assert "findes endnu ikke" not in _plan(run, "dk-applied-email.yaml", "--lang", "da")  # shipped: all translated
