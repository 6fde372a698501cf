"""Each concept (channels, actions, purposes, stages, outcomes, languages) is defined once."""

from __future__ import annotations

import json

import pytest

from followup.api import LANGUAGES
from followup.audit.whynot import SUBJECTS
from followup.base.concepts import SCHEMA_DEFS, Channel, Concept, Language, values
from followup.base.paths import schemas_dir
from followup.engine.facts import CHANNELS
from followup.rules.rule import ACTIONS, PURPOSES

SCHEMAS = sorted(schemas_dir().glob("*.schema.json"))
LISTS = {tuple(d["enum"]): name for name, d in SCHEMA_DEFS.items()}


def _enums(node: object, path: str = "") -> list[tuple[str, list]]:
    if isinstance(node, dict):
        found = [(path, node["enum"])] if "enum" in node else []
        return found + [e for k, v in node.items() for e in _enums(v, f"{path}/{k}")]
    if isinstance(node, list):
        return [e for i, v in enumerate(node) for e in _enums(v, f"{path}/{i}")]
    return []


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_a_schema_carries_each_concept_once_as_the_code_defines_it(path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})
    for name, definition in SCHEMA_DEFS.items():
        if name in defs:
            assert defs[name] == definition, f"{path.name}: $defs/{name} differs from base/concepts.py"
    for where, enum in _enums(schema):
        plain = tuple(v for v in enum if v is not None)
        name = LISTS.get(plain)
        assert name is None or where == f"/$defs/{name}", \
            f"{path.name}{where} spells out the {name} list; use {{\"$ref\": \"#/$defs/{name}\"}}"


def test_every_concept_is_compared_with_a_schema_that_carries_it() -> None:
    """The test above compares only the ``$defs`` a schema has, and runs once per schema found:
    with no schemas found, or a concept no schema carries, it would pass having checked nothing."""
    assert len(SCHEMAS) >= 5, f"found only {[p.name for p in SCHEMAS]} in {schemas_dir()}"
    carried = {name for path in SCHEMAS for name in json.loads(path.read_text(encoding="utf-8")).get("$defs", {})}
    assert set(SCHEMA_DEFS) <= carried, f"no schema carries {sorted(set(SCHEMA_DEFS) - carried)}"


def test_every_schema_reference_to_a_concept_resolves_in_that_schema() -> None:
    for path in SCHEMAS:
        text = path.read_text(encoding="utf-8")
        schema = json.loads(text)
        for name in SCHEMA_DEFS:
            if f'"#/$defs/{name}"' in text:
                assert name in schema.get("$defs", {}), f"{path.name} refers to $defs/{name} without it"


def test_the_code_uses_the_concepts() -> None:
    assert CHANNELS == values(Channel) and SUBJECTS[:-1] == CHANNELS
    assert LANGUAGES == values(Language)
    assert ACTIONS == ("follow_up", "wait", "stop") and "status" in PURPOSES
    assert Channel.EMAIL == "email" and str(Channel.IN_PERSON) == "in_person"
    assert all(issubclass(c, Concept) for c in (Channel, Language))
