"""Drafts: a message for every advice to follow up, in the employer's language, filled from the file.

For every shipped example and for generated situations: a draft exactly when the action is
to follow up; in the right language (a function-word check); with the position and the
contact's name when the file has them; no placeholder for a value the file holds; within
the articles' limits (SE, M8: at most five sentences; DK, M6: the status part in at most
three short paragraphs). Templates that try to reach past their values are refused when the
ruleset loads, and the sandbox they are rendered in refuses the known escapes by itself.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AUDIT_SOURCE, EXAMPLES, write_overlay
from conftest import COMMON, examples, situations

import followup
from followup.load.schema import validator
from followup.load.yamlio import load_document
from followup.render.dates import PATTERNS, format_day
from followup.render.draft import COUNTRY_LANGUAGE, _compiled, _tidy, clean, values
from followup.render.words import say
from followup.rules.templates import VALUES, parse_environment, text_problems

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))

#: Words that occur in one of the four languages' drafts and in no other's (checked below).
FUNCTION_WORDS: dict[str, set[str]] = {
    "en": {"the", "and", "to", "of", "my", "your", "i", "is", "you", "with", "about", "would", "thank"},
    "da": {"af", "at", "jeg", "hvad", "jer", "jeres", "ansøgning", "spørgsmål", "samtale", "mig", "gerne", "tak"},
    "sv": {"och", "att", "jag", "inte", "är", "för", "till", "ansökan", "fråga", "hälsning", "mig", "tack"},
    "nb": {"å", "jeg", "dere", "søknaden", "spørsmål", "intervjuet", "meg", "gjerne", "takk", "hvordan"},
}
#: Only words that belong to exactly one language's list count.
DISTINCT = {lang: {w for w in words if sum(w in other for other in FUNCTION_WORDS.values()) == 1}
            for lang, words in FUNCTION_WORDS.items()}


def detected_language(text: str) -> str:
    words = re.findall(r"[a-zæøåäöé]+", text.lower())
    scores = {lang: sum(w in DISTINCT[lang] for w in words) for lang in DISTINCT}
    best = max(scores, key=scores.get)  # type: ignore[arg-type]
    assert scores[best] >= 3 and sorted(scores.values())[-2] < scores[best], (scores, text)
    return best


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-ZÆØÅÄÖ«»\"”(\[]|\s*$)")


def middle_paragraphs(body: str) -> list[str]:
    """The paragraphs between the greeting and the sign-off."""
    paragraphs = body.split("\n\n")
    return paragraphs[1:-1]


def sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text.strip()))


def check_draft(data: dict[str, Any], decision: followup.Decision) -> None:
    """Every promise a draft makes, for one situation."""
    draft = decision.draft()
    assert (draft is not None) == (decision.action == "follow_up"), (decision.action, decision.channel)
    if draft is None:
        return
    language = data.get("language") or COUNTRY_LANGUAGE.get(data["country"], "en")
    assert draft.language == language
    assert draft.channel == decision.channel
    text = f"{draft.subject or ''}\n{draft.body}"
    position = (data.get("position") or "").strip()
    contact = (data.get("contact", {}).get("name") or "").split()
    if position and "[" not in position and "]" not in position and not any(ord(c) < 32 for c in position):
        assert position in text
    if contact and draft.channel != "insider" and not any(ord(c) < 32 or c in "[]" for c in contact[0]):
        # the greeting names them (a message), or the script is said to them and names the position
        assert contact[0] in text or draft.subject is None
    blanks = {name: f"[{say(language, 'draft.blank.' + name)}]" for name in
              ("position", "employer", "contact_name", "applicant_name", "applicant_phone")}
    given = {"position": data.get("position"), "employer": data.get("employer", {}).get("name"),
             "contact_name": data.get("contact", {}).get("name"),
             "applicant_name": data.get("applicant", {}).get("name"),
             "applicant_phone": data.get("applicant", {}).get("phone")}
    for name, value in given.items():
        if value:
            assert blanks[name] not in draft.placeholders, (name, draft.placeholders)
    assert list(draft.placeholders) == list(dict.fromkeys(re.findall(r"\[[^\[\]\n]+\]", text)))
    if draft.subject is not None:
        middle = middle_paragraphs(draft.body)
        if data["country"] == "SE":
            assert sum(sentences(p) for p in middle) <= 5, draft.body
        if data["country"] == "DK":
            assert len(middle) <= 3 and all(len(p) <= 600 for p in middle), draft.body


# --- the shipped examples ----------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_has_a_draft_exactly_when_it_says_follow_up(path: Path) -> None:
    data = load_document(path).data
    decision = followup.advise(path)
    check_draft(data, decision)
    draft = decision.draft()
    if draft is not None:
        assert detected_language(f"{draft.subject or ''} {draft.body}") == draft.language
        validator("advice").validate(json.loads(decision.to_json()))


@pytest.mark.parametrize("lang", ["en", "da", "sv", "nb"])
@pytest.mark.parametrize("name", ["dk-applied-email.yaml", "dk-interview-thank-you.yaml", "se-competing-offer.yaml",
                                  "se-interview-date-passed.yaml", "no-before-applying.yaml", "dk-handed-in-person.yaml"])
def test_every_template_reads_in_each_language(name: str, lang: str) -> None:
    draft = followup.advise(EXAMPLES / name).draft(lang)
    assert draft is not None and draft.language == lang
    assert detected_language(f"{draft.subject or ''} {draft.body}") == lang


def test_the_danish_draft_names_the_day_as_the_article_does() -> None:
    draft = followup.advise(EXAMPLES / "dk-interview-thank-you.yaml").draft()
    assert draft.body.startswith("Kære Mette\n\n")
    assert "onsdag den 18. november" in draft.body
    assert "Administrativ afdelingsleder" in draft.body and "Nordhavn A/S" in draft.body


def test_the_swedish_draft_follows_the_articles_template() -> None:
    draft = followup.advise(EXAMPLES / "se-interview-date-passed.yaml").draft()
    assert draft.subject == "Uppföljning gällande Logistikkoordinator"
    assert draft.body.startswith("Hej Anna,\n\n")
    assert "den 27 november" in draft.body and "Med vänlig hälsning," in draft.body


def test_the_signature_has_your_name_and_phone() -> None:
    data = {**_example("se-applied-deadline.yaml"), "applicant": {"name": "Sara Ek", "phone": "070-123 45 67"}}
    draft = followup.advise(data, today="2026-11-20").draft()
    assert draft.body.endswith("Med vänlig hälsning,\nSara Ek\n070-123 45 67")
    assert draft.placeholders == ("[specifik kompetens]",)


def test_the_competing_offer_names_its_date_and_first_choice() -> None:
    draft = followup.advise(EXAMPLES / "se-competing-offer.yaml").draft()
    assert "senast fredag 27 november" in draft.body and "förstahandsval" in draft.body


def test_a_call_is_a_script_of_opening_question_and_close() -> None:
    draft = followup.advise(EXAMPLES / "no-before-applying.yaml").draft()
    assert draft.subject is None and draft.channel == "phone"
    assert [line.split(":")[0] for line in draft.body.split("\n\n")] == ["Innledning", "Spørsmålet", "Avslutning"]
    assert "tirsdag 1. desember" in draft.body


def test_the_person_you_know_there_is_asked_when_to_contact_the_contact_c23() -> None:
    data = {**_example("dk-applied-email.yaml"), "contact": {"name": "Mette Jensen", "email": "mj@example.dk",
                                                            "insider": True}}
    decision = followup.advise(data)
    assert "insider" in decision.alternatives
    draft = decision.draft(channel="insider")
    assert draft.template == "question-to-your-contact-inside"
    assert "godt tidspunkt at kontakte Mette Jensen" in draft.body
    assert draft.placeholders[0] == "[navn]"
    assert decision.draft(channel="letter") is None  # not one the advice offers


def test_a_name_with_markup_or_control_characters_is_text() -> None:
    data = {**_example("se-interview-date-passed.yaml"),
            "contact": {"name": "{% if true %}X{% endif %} Anna", "email": "a@example.se"}}
    rules = followup.Rules()
    # A file with control characters is refused at load; a Situation made in code is not:
    # the draft must still render them as text.
    situation = dataclasses.replace(rules.situation(data), applicant_name="<b>Ola</b> {{ 7*7 }} \x1b[31m\u202eevil")
    draft = rules.advise(situation).draft()
    assert "<b>Ola</b> {{ 7*7 }} \ufffd(31m\ufffdevil" in draft.body
    assert draft.body.startswith("Hej {%,")
    assert "\x1b" not in draft.body and "49" not in draft.body
    assert draft.placeholders == ()


def test_json_has_the_draft_and_null_without_one(run) -> None:
    document = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "json").json()
    assert set(document["draft"]) == {"channel", "language", "subject", "body", "placeholders", "sources", "template"}
    assert document["draft"]["sources"][0]["seed"] == "003"
    assert run("advise", str(EXAMPLES / "dk-rejected.yaml"), "--format", "json").json()["draft"] is None


def test_followup_draft_prints_the_draft_alone(run) -> None:
    result = run("draft", str(EXAMPLES / "dk-applied-email.yaml"))
    assert result.code == 0
    assert result.out.startswith("Emne: Opfølgning på min ansøgning: Administrativ afdelingsleder\n\nKære Mette\n")
    english = run("draft", str(EXAMPLES / "dk-applied-email.yaml"), "--lang", "en")
    assert english.out.startswith("Subject: Following up on my application: Administrativ afdelingsleder\n")
    none = run("draft", str(EXAMPLES / "dk-rejected.yaml"))
    assert none.code == 1 and none.out == "" and "Do not follow up" in none.err
    bad = run("draft", str(EXAMPLES / "dk-applied-email.yaml"), "--channel", "letter")
    assert bad.code == 2 and "channel" in bad.err


# --- generated situations -----------------------------------------------------------------------

RULES = followup.Rules()


@settings(max_examples=examples(1200), **COMMON)
@given(situations())
def test_generated_situations_get_a_draft_exactly_when_they_follow_up(data: dict[str, Any]) -> None:
    check_draft(data, RULES.advise(data))


# --- dates --------------------------------------------------------------------------------------


def test_dates_are_babels_for_every_day_of_a_year() -> None:
    from babel.dates import format_date

    for lang, patterns in PATTERNS.items():
        for form, pattern in patterns.items():
            for offset in range(366):
                day = date(2028, 1, 1) + timedelta(days=offset)
                assert format_day(day, lang, form) == format_date(day, pattern, locale=lang)
    assert format_day(date(2021, 3, 9), "da") == "tirsdag den 9. marts"
    assert format_day(date(2026, 11, 30), "sv") == "måndag 30 november"


# --- templates that try too much ----------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ '{0.__class__}'.format(position) }}",
    "{{ position|attr('__class__') }}",
    "{{ position.upper() }}",
    "{{ position['__class__'] }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{% set x = 1 %}",
    "{% include 'etc/passwd' %}",
    "{% import 'os' as os %}",
    "{{ joiner() }}",
    "{{ namespace(a=1) }}",
    "{{ config }}",
    "{{ request }}",
    "{{ position is defined }}",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_a_template_reaching_past_its_values_is_refused_when_the_ruleset_loads(run, tmp_path: Path, text: str) -> None:
    folder = tmp_path / "rules"
    write_overlay(folder, "dk", "DK", templates=[_template("sneaky", {"subject": "Hi", "body": text})])
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--rules", str(folder))
    assert result.code == 2, result.out
    assert re.search(r"dk\.yaml:\d+: .*template 'sneaky'", result.err), result.err
    assert text_problems(text), text


@pytest.mark.parametrize("text", ["{{ positon }}", "{% if position %}unclosed", "{{ }}"])
def test_an_unknown_value_or_a_syntax_error_is_refused_with_its_line(run, tmp_path: Path, text: str) -> None:
    folder = tmp_path / "rules"
    write_overlay(folder, "dk", "DK", templates=[_template("broken", {"subject": "Hi", "body": text})])
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--rules", str(folder))
    assert result.code == 2 and "template 'broken'" in result.err and "dk.yaml:" in result.err
    if text == "{{ positon }}":
        assert "did you mean 'position'?" in result.err


@pytest.mark.parametrize("text", ESCAPES[:8])
def test_the_sandbox_refuses_the_escapes_by_itself(text: str) -> None:
    """Past the load-time check, rendering in the sandbox still never reaches Python internals."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    context = values(followup.advise(EXAMPLES / "dk-applied-email.yaml").advice.basis.situation, "da", "email")
    try:
        out = parse_environment().from_string(text).render(context)
    except (SecurityError, TemplateError, TypeError):
        return
    assert "class" not in out and "function" not in out and "module" not in out, out


def test_templates_override_and_disable_by_id(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    text = {lang: {"subject": "S", "body": "Hej {{ contact_first_name }}, [x]"} for lang in ("en", "da", "sv", "nb")}
    write_overlay(folder, "dk", "DK", override_templates=[{"id": "status-message-after-applying", "text": text,
                                                           "because": "A test.", "source": AUDIT_SOURCE}])
    draft = followup.advise(EXAMPLES / "dk-applied-email.yaml", rules=[folder]).draft()
    assert (draft.body, draft.placeholders) == ("Hej Mette, [x]", ("[x]",))
    other = tmp_path / "other"
    write_overlay(other, "dk", "DK", disable_templates=[{"id": "status-message-after-applying", "reason": "A test."}])
    decision = followup.advise(EXAMPLES / "dk-applied-email.yaml", rules=[other])
    assert decision.action == "follow_up" and decision.draft() is None


def test_the_reply_to_a_rejection_is_drafted_where_a_layer_lets_it_be_answered(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    write_overlay(folder, "dk", "DK", override=[{
        "id": "rejected-close-politely", "then": {"action": "follow_up", "purpose": "status"},
        "because": "Answer the rejection.", "source": AUDIT_SOURCE}])
    decision = followup.advise(EXAMPLES / "dk-rejected.yaml", rules=[folder])
    draft = decision.draft()
    assert draft.template == "reply-to-a-rejection"
    assert "Hvis der er andre ledige stillinger hos Nordhavn A/S, er jeg bestemt interesseret." in draft.body


def test_every_value_is_documented_and_every_template_is_in_four_languages() -> None:
    for country in ("DK", "SE", "NO", "FI"):
        for template in RULES.ruleset(country).templates:
            assert set(template.text) == {"en", "da", "sv", "nb"}, template.id
    guide = (Path(__file__).resolve().parents[2] / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in guide for name in VALUES if not name.endswith(("_on", "_date"))), "document the values"


def _template(template_id: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"id": template_id, "title": "A test template", "purposes": ["status"], "channels": ["email"],
            "priority": 500, "text": {"en": fields}, "source": AUDIT_SOURCE}


def _example(name: str) -> dict[str, Any]:
    return load_document(EXAMPLES / name).data


def _clean_char_by_char(value: str) -> str:
    """``clean`` as its docstring says it, one character at a time."""
    import unicodedata

    out = "".join("\ufffd" if unicodedata.category(c) == "Cc" or ord(c) in BIDI else c for c in value)
    return out.replace("[", "(").replace("]", ")")


BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


@settings(max_examples=examples(500), **COMMON)
@given(st.text(max_size=40) | st.sampled_from(["Mette [Jensen]", "A\u202eB", "x\x1b[31m", "\u00a0Søren\u2028"]))
def test_clean_replaces_control_and_direction_characters_and_brackets(value: str) -> None:
    """A situation's text reaches a draft with each control or direction character as U+FFFD
    and brackets as parentheses, whatever else it holds (printable text takes a shortcut)."""
    assert clean(value) == _clean_char_by_char(value)


@settings(max_examples=examples(40), **COMMON)
@given(situations())
def test_every_template_reads_the_same_with_only_the_values_it_names(data: dict[str, Any]) -> None:
    """A draft is rendered with only the values its texts name; every shipped text, in every
    language and for every channel, reads the same as with all of them."""
    decision = followup.advise(data)
    situation, merged = decision.advice.basis.situation, decision.advice.basis.merged
    for template in merged.templates:
        for lang, texts in template.text.items():
            for channel in template.channels:
                for text in texts.values():
                    compiled = _compiled(text)  # with the names the renderer itself finds in the text
                    assert compiled.template.render(values(situation, lang, channel, compiled.names)) == \
                        compiled.template.render(values(situation, lang, channel))


_TRAILING, _RUNS = re.compile(r"[ \t]+\n"), re.compile(r"\n{3,}")


@settings(max_examples=examples(500), **COMMON)
@given(st.text(alphabet=" \t\nab", max_size=30))
def test_a_rendered_text_is_tidied_as_the_two_patterns_say(text: str) -> None:
    # _tidy tries each pattern only where it can match; the result must be the patterns' own.
    assert _tidy(text) == _RUNS.sub("\n\n", _TRAILING.sub("\n", text)).strip()
