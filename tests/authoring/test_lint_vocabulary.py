"""Lint's vocabulary is read from the schema and the almanac, and its few stated facts hold."""

from __future__ import annotations

from hypothesis import given, settings

from followup.base.errors import InputError
from followup.engine.facts import DERIVED_FACTS, build_facts
from followup.rules.condition import lookup
from followup.engine.vocabulary import FULL, MINIMUM, VALUE_EXCLUDES, VALUE_IMPLIES, vocabulary
from followup.load.schema import inlined_schema
from followup.load.situation import situation_from_data
from conftest import Tally, dk_situations as situations, parse_generated


def schema_paths(schema: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, sub in schema.get("properties", {}).items():
        out.add(prefix + name)
        out |= schema_paths(sub, f"{prefix}{name}.")
    return out


def test_the_complete_situation_gives_every_field_of_the_schema() -> None:
    given_paths = set()

    def walk(data: dict, prefix: str) -> None:
        for key, value in data.items():
            given_paths.add(prefix + key)
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")

    walk(FULL, "")
    # FULL's single ``interview`` is the one round of ``interviews``: the same facts, one spelling.
    given_paths |= {"interviews"} if "interview" in FULL else set()
    assert schema_paths(inlined_schema("situation")) - given_paths == set(), "add the new fields to vocabulary.FULL"


def test_facts_are_the_almanac_s_and_nothing_else() -> None:
    vocab = vocabulary()
    assert set(DERIVED_FACTS) <= set(vocab.facts)
    assert "notes" not in vocab.facts and "follow_ups" not in vocab.facts
    assert vocab.facts["application.via"].enum == ("online_portal", "job_board", "email", "post", "in_person")
    assert vocab.facts["days_since.sent"].kind == "integer" and vocab.facts["interview.date"].kind == "date"
    assert vocab.needs("days_since.sent") == {"application", "application.sent_on"}
    assert vocab.needs("contacts.total") == {"follow_ups"} and vocab.needs("stage") == frozenset()


def test_stated_facts_hold_on_every_valid_situation() -> None:
    tally = Tally()  # the generator makes valid situations only: none should be refused

    @settings(max_examples=200, deadline=None)
    @given(situations())
    def check(data: dict) -> None:
        try:
            facts = build_facts(parse_generated(data))
        except InputError:
            tally.skip("situation refused")
            return
        tally.check()
        for fact, minimum in MINIMUM.items():
            present, value = lookup(facts, fact)
            assert not present or value >= minimum, (fact, value)
        for (fact, value), part in VALUE_IMPLIES.items():
            if lookup(facts, fact) == (True, value):
                assert lookup(facts, part)[0]
        for (fact, value), parts in VALUE_EXCLUDES.items():
            if lookup(facts, fact) == (True, value):
                assert not any(lookup(facts, part)[0] for part in parts)

    check()
    tally.assert_checked(at_least=150)


def test_the_situation_checks_refuse_what_the_stated_facts_rule_out() -> None:
    base = {"country": "DK", "today": "2026-03-11"}
    refused = [
        {**base, "stage": "interviewed"},
        {**base, "stage": "considering", "application": {"sent_on": "2026-03-01"}},
        {**base, "stage": "considering", "interview": {"date": "2026-03-01"}},
        {**base, "stage": "applied", "application": {"sent_on": "2026-03-12"}},
        {**base, "stage": "applied", "interview": {"date": "2026-03-12"}},
        {**base, "stage": "applied", "follow_ups": [{"date": "2026-03-12", "via": "email"}]},
    ]
    for data in refused:
        try:
            situation_from_data(data, "<refused>")
        except InputError:
            continue
        raise AssertionError(f"accepted {data}")
