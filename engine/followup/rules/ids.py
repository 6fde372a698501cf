"""Ids given twice in a layer: one check for the rules' sections and the templates' alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from followup.load.yamlio import Document


def duplicate_ids(document: Document, sections: Iterable[str]) -> Iterator[tuple[str, int, str, int | None]]:
    """``(section, index, id, line of its first use)`` for each id used again within one section."""
    for section in sections:
        seen: dict[str, int] = {}
        for i, entry in enumerate(document.data.get(section, [])):
            item_id = entry["id"]
            if item_id in seen:
                yield section, i, item_id, document.line_of((section, seen[item_id], "id"))
            seen.setdefault(item_id, i)
