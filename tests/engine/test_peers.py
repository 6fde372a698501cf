"""bench/peers.py: every peer fires exactly durable_rules' rules, on a few situations.

The conversions and the check itself are tested everywhere; each peer only where it is
installed (``pip install -e '.[bench]'`` for ZEN and regopy; node and ``bench/node_modules``
for json-rules-engine, which ``python bench/peers.py`` installs), so CI, without the extra,
skips those. The full check (2,000 situations) is ``python bench/peers.py --check-only``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import followup

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import peers  # noqa: E402

COUNTRIES = ("DK", "SE", "NO", "DE", "FI")


@pytest.fixture(scope="module")
def rules() -> followup.Rules:
    return followup.Rules()


@pytest.fixture(scope="module")
def dk(rules: followup.Rules) -> tuple[Any, list[peers.Case]]:
    """Denmark's merged ruleset and ~50 situations (half from the examples, half from the schema), plus witnesses."""
    merged = rules.ruleset("DK")
    checked = peers.cases(rules, [("examples", d) for d in peers.example_situations(25, "DK")]
                          + [("schema", d) for d in peers.schema_situations(25, "DK")])
    return merged, checked + peers.witnesses(rules, merged, checked)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_shipped_rule_converts_for_every_peer(rules: followup.Rules, country: str) -> None:
    merged = rules.ruleset(country)
    facts, rows = peers.zen_rows(merged)
    assert [row["rule"] for row in rows] == [r.id for r in merged.rules]
    module = peers.rego_module(merged)
    assert all(f'fired contains "{r.id}" if' in module for r in merged.rules)
    assert [r["event"]["type"] for r in peers.jre_rules(merged)] == [r.id for r in merged.rules]


def test_a_witness_is_made_for_every_rule(dk: tuple[Any, list[peers.Case]]) -> None:
    merged, checked = dk
    witnessed = {c.origin for c in checked if c.situation is None}
    assert witnessed == {f"witness for '{r.id}'" for r in merged.rules}
    assert all(c.origin.split("'")[1] in c.fired for c in checked if c.situation is None)


class _Forgetful(peers.Peer):
    """A peer that fires what durable_rules fires, except one rule: the check must name it."""

    name = "forgetful"

    def __init__(self, checked: list[peers.Case], forgets: str) -> None:
        self.fired_by_facts = {id(c.facts): c.fired for c in checked}
        self.forgets = forgets

    def fired(self, facts: dict[str, Any]) -> list[str]:
        return sorted(self.fired_by_facts[id(facts)] - {self.forgets})


def test_the_check_names_the_first_situation_and_rule_that_differ(dk: tuple[Any, list[peers.Case]]) -> None:
    merged, checked = dk
    first = next(i for i, c in enumerate(checked) if c.fired)
    forgets = sorted(checked[first].fired)[0]
    with pytest.raises(peers.Disagreement) as caught:
        peers.check(_Forgetful(checked, forgets), merged, checked)
    message = str(caught.value)
    assert f"situation {first} " in message
    assert f"rule '{forgets}': forgetful does not fire it, durable_rules does" in message
    assert "situation: {" in message


def test_zen_fires_what_durable_rules_fires(dk: tuple[Any, list[peers.Case]]) -> None:
    pytest.importorskip("zen")
    merged, checked = dk
    peers.check(peers.Zen(merged), merged, checked)


def test_a_zen_cell_that_does_not_compile_is_caught(dk: tuple[Any, list[peers.Case]]) -> None:
    """ZEN itself would say nothing: the row would just never match."""
    pytest.importorskip("zen")
    merged, checked = dk
    peer = peers.Zen(merged)
    table = peer.graph["nodes"][1]["content"]
    column = next(c["id"] for c in table["inputs"] if c.get("field"))
    table["rules"][0][column] = "($ >= 2 and $ <= 6)"  # validate_unary_expression passes it; compiling fails
    with pytest.raises(peers.Disagreement, match="does not (parse|compile)"):
        peer.verify(checked)


def test_regopy_fires_what_durable_rules_fires(dk: tuple[Any, list[peers.Case]]) -> None:
    pytest.importorskip("regopy")
    merged, checked = dk
    peers.check(peers.Rego(merged), merged, checked)


def test_json_rules_engine_fires_what_durable_rules_fires(dk: tuple[Any, list[peers.Case]]) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not on the PATH")
    modules = peers.jre_modules(install=False)  # a test installs nothing
    if isinstance(modules, str):
        pytest.skip(modules)
    merged, checked = dk
    peer = peers.JsonRulesEngine(merged, modules)
    try:
        peers.check(peer, merged, checked)
    finally:
        peer.close()
