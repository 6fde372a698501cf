"""Every rule's source is true to the catalogue and, where the articles are at hand, to them.

A rule's ``source.seed`` must be an article its catalogue items come from, so that the quote
and the items point at the same text. The quotes themselves are checked word for word
against the articles when they are available (``FOLLOWUP_SEEDS``, or ``shared/seeds`` beside
the checkout, where the team and CI keep them); the articles are not shipped with the
project, so elsewhere that check is skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT
from followup.authoring.coverage import load_catalogue
from followup.rules.ruleset import Library

SEEDS = Path(os.environ.get("FOLLOWUP_SEEDS", ROOT.parent / "shared" / "seeds"))


def sources() -> list[tuple[str, str, dict]]:
    """``(layer, rule id, source)`` for every rule and override of every shipped layer."""
    out = []
    for layer in Library.load().layers.values():
        for section in ("rules", "override"):
            out += [(layer.name, entry["id"], entry["source"]) for entry in layer.data.get(section, [])]
    return out


def test_each_rule_cites_items_of_the_article_it_quotes() -> None:
    catalogue = {item.id: item for item in load_catalogue(ROOT / "rulesets" / "catalogue.md")}
    wrong = [f"{layer}/{rule}: {item} is from {catalogue[item].seeds}, the quote from {source['seed']}"
             for layer, rule, source in sources() for item in source["items"]
             if source["seed"] not in catalogue[item].seeds]
    assert not wrong, "\n".join(wrong)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not shipped; set FOLLOWUP_SEEDS to check quotes")
def test_each_quote_is_the_articles_own_words() -> None:
    texts = {p.name[:3]: re.sub(r"\s+", " ", p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = [f"{layer}/{rule}: {source['quote']!r} is not in seed {source['seed']}"
               for layer, rule, source in sources()
               if re.sub(r"\s+", " ", source["quote"]) not in texts[source["seed"]]]
    assert not missing, "\n".join(missing)
