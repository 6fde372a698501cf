"""The advice catalogue, and which rules encode each of its items.

``rulesets/catalogue.md`` numbers every statement of advice in the source articles (G1, T3,
C6, ...) in Markdown tables of five columns: id, seeds, kind, advice, quote. ``load_catalogue``
reads those tables; ``build_coverage`` lists, for every item, the rules and overrides of every
layer whose ``source.items`` cite it, and every citation of an item the catalogue lacks. An
item no rule cites is advice the rulesets silently dropped; ``followup rules coverage`` fails
on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from followup.base.errors import Findings, InputError, Location
from followup.base.paths import rulesets_dir
from followup.base.records import json_field, to_json_data
from followup.base.words import quoted
from followup.rules.ruleset import LINK_OUT, Layer, Library, leads_out

CATALOGUE_FILE = "catalogue.md"
COLUMNS = ("id", "seeds", "kind", "advice", "quote")
KINDS = ("gate", "timing", "channel", "limit", "content")

_ID = re.compile(r"^[A-Z][0-9]{1,2}$")
_SEED = re.compile(r"^[0-9]{3}$")


class CoverageGap(Findings):
    """Some catalogue item is cited by no rule, or a rule cites an item that does not exist: a finding (exit 1)."""


@dataclass(frozen=True)
class Item:
    """One numbered piece of advice from the catalogue."""

    id: str
    seeds: tuple[str, ...]
    kind: str
    advice: str
    quote: str
    line: int = json_field(omit=True)  # the catalogue's line, for messages only


@dataclass(frozen=True)
class Citation:
    """A rule, or an overlay's override of one, that names an item in its ``source.items``."""

    rule: str
    layer: str
    how: str = json_field(key="as")  # "rule" or "override"
    line: int | None

    def __str__(self) -> str:
        return f"{self.rule} ({self.layer}{', override' if self.how == 'override' else ''})"


@dataclass(frozen=True)
class ItemCoverage:
    """An item and every citation of it."""

    item: Item
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Coverage:
    """The whole report: every item with its citations, and citations of unknown items."""

    catalogue: str
    layers: tuple[tuple[str, str], ...]
    items: tuple[ItemCoverage, ...]
    unknown: tuple[tuple[str, Citation], ...]

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Ids of the items no rule cites."""
        return tuple(c.item.id for c in self.items if not c.citations)

    @property
    def complete(self) -> bool:
        """Every item is cited and every citation names a real item."""
        return not self.uncovered and not self.unknown

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data (layer files are left out so the output is the same on every machine)."""
        return {
            "catalogue": Path(self.catalogue).name,
            "layers": [{"name": n, "version": v} for n, v in self.layers],
            "items": [{**to_json_data(c.item), "rules": [to_json_data(x) for x in c.citations]} for c in self.items],
            "total": len(self.items), "covered": len(self.items) - len(self.uncovered),
            "uncovered": list(self.uncovered),
            "unknown": [{"item": item, **to_json_data(c)} for item, c in self.unknown],
        }


def catalogue_path(user_dirs: Iterable[str | Path] = ()) -> Path:
    """The catalogue to check against: the last ``--rules`` folder that has one, else the shipped one."""
    for folder in reversed([Path(d) for d in user_dirs]):
        if leads_out(folder / CATALOGUE_FILE, folder):
            raise InputError(LINK_OUT, Location(str(folder / CATALOGUE_FILE)))
        if (folder / CATALOGUE_FILE).is_file():
            return folder / CATALOGUE_FILE
    return rulesets_dir() / CATALOGUE_FILE


def load_catalogue(path: str | Path) -> tuple[Item, ...]:
    """Every item of the catalogue's tables, in order; a malformed row is an error with its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the advice catalogue: {exc.strerror or exc}", Location(str(path))) from exc
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = _cells(line)
        if cells is None or cells[0] in ("id", "") or set(cells[0]) <= set("-: "):
            continue
        item = _item(cells, Location(str(path), number))
        if item.id in seen:
            raise InputError(f"item {item.id} is listed twice (first on line {seen[item.id]})", Location(str(path), number))
        seen[item.id] = number
        items.append(item)
    if not items:
        raise InputError("no catalogue items found (expected Markdown table rows: | id | seeds | kind | advice | quote |)",
                         Location(str(path)))
    return tuple(items)


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|")):
        return None
    return [cell.strip() for cell in stripped[1:-1].split("|")]


def _item(cells: list[str], where: Location) -> Item:
    if len(cells) != len(COLUMNS):
        raise InputError(f"a catalogue row needs {len(COLUMNS)} cells ({', '.join(COLUMNS)}), this one has {len(cells)}", where)
    item_id, seeds, kind, advice, quote = cells
    if not _ID.match(item_id):
        raise InputError(f"{quoted(item_id)} is not an item id (a capital letter and a number, e.g. C6)", where)
    seed_list = tuple(s.strip() for s in seeds.split(","))
    if not all(_SEED.match(s) for s in seed_list):
        raise InputError(f"item {item_id}: seeds must be three-digit article numbers separated by commas, not {quoted(seeds)}", where)
    if kind not in KINDS:
        raise InputError(f"item {item_id}: kind {quoted(kind)} is not one of {', '.join(KINDS)}", where)
    return Item(item_id, seed_list, kind, advice, quote, where.line or 0)


def citations(layer: Layer) -> list[tuple[str, Citation]]:
    """``(item id, citation)`` for every item each rule and override of ``layer`` cites."""
    out: list[tuple[str, Citation]] = []
    for section, how in (("rules", "rule"), ("override", "override")):
        for i, entry in enumerate(layer.data.get(section, [])):
            citation = Citation(entry["id"], layer.name, how, layer.line(section, i, "source"))
            out += [(item, citation) for item in entry["source"]["items"]]
    return out


def build_coverage(library: Library, items: tuple[Item, ...], catalogue: str = CATALOGUE_FILE) -> Coverage:
    """Which rules of ``library`` (every layer, base first) cite each catalogue item."""
    layers = sorted(library.layers.values(), key=lambda l: (l.name != "base", l.name))
    cited: dict[str, list[Citation]] = {item.id: [] for item in items}
    unknown: list[tuple[str, Citation]] = []
    for layer in layers:
        for item_id, citation in citations(layer):
            if item_id in cited:
                cited[item_id].append(citation)
            else:
                unknown.append((item_id, citation))
    return Coverage(catalogue, tuple((l.name, l.version) for l in layers),
                    tuple(ItemCoverage(item, tuple(cited[item.id])) for item in items), tuple(unknown))
