"""The translation catalogues ``rulesets/<layer>.<lang>.yaml``: one per layer and language.

Each catalogue gives the Danish, Swedish or Norwegian Bokmål texts of every rule and every
override of its layer, in file order: the title, the reason (``because``) and exactly as many
``say``/``avoid``/``caution`` points as the rule's ``then`` has. Needs only PyYAML: it reads
the files, it does not import followup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

RULESETS = Path(__file__).resolve().parents[2] / "rulesets"
LANGUAGES = ("da", "sv", "nb")
LISTS = ("say", "avoid", "caution")
TEXT_KEYS = ("title", "because") + LISTS

# English texts a translation may keep word for word (proper nouns and the like).
SAME_AS_ENGLISH: set[str] = set()

# Names the English text uses that the translation must keep unchanged: `backticked` text and
# fact names such as posting.answer_expected_by (both parts at least two letters, so that
# abbreviations like "e.g." or "f.eks." are not taken for one).
KEPT = re.compile(r"`[^`]+`|\b[a-z][a-z_]+\.[a-z][a-z_]+\b")

# Function words each language's file must use somewhere: a catalogue in the wrong language,
# or left in English, lacks them.
FUNCTION_WORDS = {
    "da": ("og", "at", "du", "ikke"),
    "sv": ("och", "att", "du", "inte"),
    "nb": ("og", "at", "du", "ikke"),
}

# Cheap signs of the wrong Scandinavian language: letters and word forms of a neighbour.
WRONG = {
    "da": {
        "Swedish letters ä/ö": r"[äöÄÖ]",
        "Swedish words": r"\b(?:och|inte|att|jag|eller\s+inte|också)\b",
        "Norwegian word forms": r"\b(?:etter|noen|uke|uker|dager|ikkje|spørsmål|spørre)\b|søknad|arbeids|virksomhet\b",
        "Swedish/Norwegian 'e-post'": r"\be-post",
    },
    "sv": {
        "Danish/Norwegian letters æ/ø": r"[æøÆØ]",
        "Danish/Norwegian words": r"\b(?:og|ikke|jeg|hvis|hvordan|hvornår|også|uge|uke)\b",
        "'e-mail' (Swedish says e-post or mejl)": r"\be-mail",
    },
    "nb": {
        "Swedish letters ä/ö": r"[äöÄÖ]",
        "Swedish words": r"\b(?:och|inte|att|jag)\b",
        "Danish word forms": r"\b(?:efter|nogen|uge|uger|dage|hvornår|ansøgning|ansøger|spørg\w*)\b|arbejd|virksomhed\b",
        "'e-mail' (Bokmål says e-post)": r"\be-mail",
    },
}


def layer_files() -> list[Path]:
    """The layers in rulesets/: ``<name>.yaml`` files (catalogues have a second dot)."""
    return sorted(p for p in RULESETS.glob("*.yaml") if "." not in p.stem)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def entries(layer: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule and override of a layer, in file order (the sections in the order written)."""
    out: list[dict[str, Any]] = []
    for section in layer:
        if section in ("rules", "override"):
            out.extend(layer[section] or [])
    return out


def lower_rule(layer: dict[str, Any], rule_id: str) -> dict[str, Any] | None:
    """The rule an override replaces, found in the layers below (``extends``)."""
    name = layer.get("extends")
    while name:
        below = load(RULESETS / f"{name}.yaml")
        for entry in entries(below):
            if entry["id"] == rule_id:
                return entry
        name = below.get("extends")
    return None


def english_lists(layer: dict[str, Any], entry: dict[str, Any]) -> dict[str, list[str]]:
    """The rule's ``then`` lists in force: its own ``then``, or for an override without one, the lower rule's."""
    # Each text is translated by the catalogue of the layer that wrote it: an override's
    # catalogue entry holds the override's own texts, the lower layer's catalogue the rest.
    then = entry.get("then") or {}
    return {key: then[key] for key in LISTS if key in then}


def english_text(layer: dict[str, Any], entry: dict[str, Any], key: str) -> str | None:
    return entry.get(key)


CASES = [(path, lang) for path in layer_files() for lang in LANGUAGES]


def test_there_are_layers_to_translate() -> None:
    names = {p.stem for p in layer_files()}
    assert {"base", "dk", "se", "no"} <= names


@pytest.fixture(params=CASES, ids=[f"{p.stem}.{lang}" for p, lang in CASES])
def case(request):
    path, lang = request.param
    catalogue_path = RULESETS / f"{path.stem}.{lang}.yaml"
    assert catalogue_path.is_file(), f"missing translation catalogue {catalogue_path.name}"
    return load(path), load(catalogue_path), lang, catalogue_path.name


def texts(catalogue: dict[str, Any]):
    """``(rule id, key, text)`` for every text of a catalogue."""
    for rule_id, entry in (catalogue.get("rules") or {}).items():
        for key in TEXT_KEYS:
            value = entry.get(key)
            for text in (value if isinstance(value, list) else [value]):
                if value is not None:
                    yield rule_id, key, text


def test_header(case) -> None:
    layer, catalogue, lang, name = case
    assert isinstance(catalogue, dict), f"{name}: not a mapping"
    assert set(catalogue) == {"translation", "language", "rules"}, f"{name}: keys {sorted(catalogue)}"
    assert catalogue["translation"] == layer["ruleset"], f"{name}: translation: {catalogue['translation']!r}"
    assert catalogue["language"] == lang, f"{name}: language: {catalogue['language']!r}"


def test_an_entry_for_exactly_every_rule_in_file_order(case) -> None:
    layer, catalogue, _, name = case
    expected = [entry["id"] for entry in entries(layer)]
    assert isinstance(catalogue["rules"], dict), f"{name}: rules is not a mapping"
    got = list(catalogue["rules"])
    assert set(got) - set(expected) == set(), f"{name}: entries for no rule of the layer"
    assert set(expected) - set(got) == set(), f"{name}: rules without an entry"
    assert got == expected, f"{name}: entries not in the layer's file order"


def test_each_entry_has_the_rule_s_texts_and_no_others(case) -> None:
    layer, catalogue, _, name = case
    for entry in entries(layer):
        rule_id = entry["id"]
        translated = catalogue["rules"][rule_id]
        assert isinstance(translated, dict), f"{name}: {rule_id} is not a mapping"
        assert set(translated) <= set(TEXT_KEYS), f"{name}: {rule_id}: unknown keys {set(translated) - set(TEXT_KEYS)}"
        for key in ("title", "because"):
            if key in entry:
                assert isinstance(translated.get(key), str), f"{name}: {rule_id}: no {key}"
            else:
                assert key not in translated, f"{name}: {rule_id}: has a {key}; the layer's rule has none of its own"
        lists = english_lists(layer, entry)
        for key in LISTS:
            if key in lists:
                assert isinstance(translated.get(key), list), f"{name}: {rule_id}: {key} missing or not a list"
                assert len(translated[key]) == len(lists[key]), \
                    f"{name}: {rule_id}: {len(translated[key])} {key} points, the rule has {len(lists[key])}"
            else:
                assert key not in translated, f"{name}: {rule_id}: has {key}, the rule has none"


def test_no_text_is_empty_or_left_in_english(case) -> None:
    layer, catalogue, _, name = case
    for entry in entries(layer):
        rule_id = entry["id"]
        translated = catalogue["rules"][rule_id]
        lists = english_lists(layer, entry)
        pairs = [(key, english_text(layer, entry, key), translated.get(key)) for key in ("title", "because")
                 if key in entry]
        pairs += [(key, english, mine) for key in lists
                  for english, mine in zip(lists[key], translated.get(key) or [])]
        for key, english, mine in pairs:
            assert isinstance(mine, str) and mine.strip(), f"{name}: {rule_id}: empty {key}"
            assert mine == mine.strip(), f"{name}: {rule_id}: {key} has leading or trailing blanks"
            assert "\t" not in mine, f"{name}: {rule_id}: tab in {key}"
            if english is not None and english.strip() not in SAME_AS_ENGLISH:
                assert mine.strip() != english.strip(), f"{name}: {rule_id}: {key} is the English text"
            for kept in KEPT.findall(english or ""):
                assert kept in mine, f"{name}: {rule_id}: {key} lost {kept!r}"


def test_language_looks_right(case) -> None:
    _, catalogue, lang, name = case
    all_text = "\n".join(text for _, _, text in texts(catalogue))
    words = set(re.findall(r"\w+", all_text.lower()))
    missing = [w for w in FUNCTION_WORDS[lang] if w not in words]
    assert not missing, f"{name}: never uses {missing}: is it in the right language?"
    for rule_id, key, text in texts(catalogue):
        for what, pattern in WRONG[lang].items():
            match = re.search(pattern, text, flags=re.IGNORECASE)
            assert match is None, f"{name}: {rule_id}: {key}: {what} ({match.group(0)!r}) in {text!r}"
