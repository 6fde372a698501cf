"""The advice in the reader's language (--lang), on one screen, and the catalogues that translate rules.

The fixed words (verdicts, labels, channel names, dates) are followup's own, in four
languages; the rules' texts come from catalogue files beside each layer (NAME.LANG.yaml), and
a text without one stays English with one warning saying so. The text advice of every
shipped example fits 45 lines, in every language.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLES

import followup
from followup.render.text import render_text

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
CATALOGUE = EXAMPLES.parent / "tests" / "data" / "catalogue"
#: The first words of a verdict in each language, one per kind of verdict the examples have.
OPENINGS = {
    "da": ("Send en e-mail til", "Ring til", "Besøg", "Vent.", "Følg ikke op"),
    "sv": ("Mejla", "Ring", "Besök", "Vänta.", "Följ inte upp"),
    "nb": ("Send en e-post til", "Ring", "Besøk", "Vent.", "Ikke følg opp"),
}


@pytest.mark.parametrize("lang", ["en", "da", "sv", "nb"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_the_text_advice_fits_a_screen(run, path, lang: str) -> None:
    result = run("advise", str(path), "--lang", lang)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) <= 45, f"{len(lines)} lines:\n{result.out}"
    assert lines[-1].endswith(f"followup explain {path}")
    decision = followup.advise(path)
    if decision.draft() is not None:
        assert decision.draft().body.splitlines()[0] in result.out
    if lang != "en":
        assert lines[0].startswith(OPENINGS[lang]), lines[0]


@pytest.mark.parametrize("lang", ["da", "sv", "nb"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_verdict_and_points_are_in_the_language_or_say_they_are_not(path, lang: str) -> None:
    decision = followup.advise(path, lang=lang)
    document = decision.to_dict(explanation=False)
    assert document["verdict"] == decision.verdict != followup.advise(path).verdict
    english = followup.advise(path).to_dict(explanation=False)
    untranslated = [p for key in ("say", "avoid", "cautions") for p, e in zip(document[key], english[key])
                    if p["text"] == e["text"]]
    notes = [w for w in document["warnings"] if w not in english["warnings"]]
    assert len(notes) == (1 if untranslated or _english_titles(decision, lang) else 0)
    for point in untranslated:
        assert point["rule"] in notes[0]


def _english_titles(decision, lang: str) -> bool:
    texts = decision.advice.basis.merged.translations.get(lang, {})
    from followup.render.text import deciding

    return any(texts.get(e.id) is None or texts[e.id].title is None for e in deciding(decision.advice))


def test_english_dates_and_words_stay_as_they_were(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"))
    assert result.out.splitlines()[0] == ("E-mail Mette Jensen to ask about the status of your application "
                                          "between 21 and 25 November.")


def test_dates_are_in_the_readers_language() -> None:
    assert followup.advise(EXAMPLES / "dk-applied-email.yaml", lang="da").verdict == (
        "Send en e-mail til Mette Jensen for at spørge til status på din ansøgning mellem den 21. og 25. november.")
    sv = followup.advise(EXAMPLES / "se-competing-offer.yaml", lang="sv")
    assert sv.verdict == "Mejla Erik Lund för att berätta om ditt andra erbjudande mellan den 23 och 27 november."
    text = sv.text()
    assert "När: måndag 23 november till fredag 27 november." in text


def test_a_catalogue_translates_its_layers_rules(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-rejected.yaml"), "--lang", "da", "--rules", str(CATALOGUE / "good"))
    assert result.out.splitlines()[0] == "Følg ikke op: ansøgningen blev afvist, så afslut høfligt."
    assert "»Hvis der er andre ledige stillinger, er jeg bestemt interesseret.«" in " ".join(result.out.split())
    assert "Advarsler" not in result.out  # every text shown has its translation
    decision = followup.advise(EXAMPLES / "dk-applied-email.yaml", lang="da", rules=[CATALOGUE / "good"])
    assert "Send en e-mail til kontaktpersonen, hvis du har adressen (seed 000, C2)" in decision.text()
    warnings = [w for w in decision.to_dict(explanation=False)["warnings"] if "engelsk" in w]
    assert len(warnings) == 1 and "wait-one-to-two-weeks" in warnings[0]


def test_a_catalogue_is_not_a_layer(run) -> None:
    result = run("validate", str(CATALOGUE / "good" / "base.da.yaml"))
    assert result.code == 0 and "valid catalogue" in result.out
    library = followup.Rules([CATALOGUE / "good"])
    assert library.ruleset("DK").name == "dk"


def test_lint_warns_about_catalogues_and_missing_languages(run) -> None:
    result = run("rules", "lint", str(CATALOGUE / "faulty"))
    assert result.code == 0, result.out  # warnings only
    out = result.out
    assert "base.da.yaml:5: no-such-rule: warning: 'no-such-rule' is not a rule or an override of layer 'base'" in out
    assert "rejected-close-politely: warning: 'rejected-close-politely' has 2 'say' point(s)" in out
    assert "xx.yaml:6: warning: layer 'xx' declares language 'sv' but has no catalogue xx.sv.yaml" in out
    assert run("rules", "lint", str(CATALOGUE / "good")).out.startswith("0 errors, 0 warnings")


def test_a_language_advice_cannot_be_given_in_is_refused(run) -> None:
    result = run("advise", str(EXAMPLES / "dk-applied-email.yaml"), "--lang", "fi")
    assert result.code == 2
    with pytest.raises(followup.InputErrors):
        followup.advise(EXAMPLES / "dk-applied-email.yaml", lang="fi")


def test_the_markdown_report_has_the_points_and_the_draft(run) -> None:
    result = run("explain", str(EXAMPLES / "dk-applied-email.yaml"), "--format", "markdown")
    assert "### Draft" in result.out and "Kære Mette" in result.out
    assert "### Say" in result.out and "### Avoid" in result.out


def test_render_text_of_an_advice_without_a_file_points_to_explain() -> None:
    data = {"country": "DK", "stage": "applied", "today": "2026-11-21",
            "application": {"sent_on": "2026-11-11", "via": "email"}}
    assert render_text(followup.advise(data).advice).splitlines()[-1].endswith("followup explain FILE")


def test_no_message_key_is_one_yaml_1_1_reads_as_a_boolean() -> None:
    # PyYAML reads an unquoted `on:` key as True: the message would never be found by name.
    import yaml

    from followup.render.words import LANGUAGES, words

    def keys(node: object) -> list[object]:
        return [k for key, value in node.items() for k in (key, *keys(value))] if isinstance(node, dict) else []

    for lang in LANGUAGES:
        assert all(isinstance(key, str) for key in keys(words(lang))), lang
    assert yaml.safe_load("on: x") == {True: "x"}  # the trap this guards against


def test_every_language_names_every_channel_and_english_names_it_as_the_audit_does() -> None:
    # The English names are written twice: base/names.py (the audit's and the agenda's sentences)
    # and messages/en.yaml (the advice's text); one renamed alone would call a channel two things.
    from followup.base.concepts import Channel, values
    from followup.base.names import channel_name as english_name
    from followup.render.words import LANGUAGES, channel_name, words

    for lang in LANGUAGES:
        assert set(words(lang)["channel_name"]) == set(values(Channel)), lang
    assert {c: channel_name(c, "en") for c in values(Channel)} == {c: english_name(c) for c in values(Channel)}
