"""An advice document as JSON text, at orjson's speed wherever that is provably the same bytes.

The fired rules' entries (``trace``) are most of a document's text, and all of an entry but
the facts it saw and what overrode it is the same for every advice of a merged ruleset. So
``advice_line`` and ``advice_text`` write that text once per ruleset, rule and layout (on one
line or indented at the entry's depth), and splice each advice's two parts between its pieces
(``orjson.Fragment``). The bytes are ``document_line``'s and ``document_text``'s of
``advice_document``: ``tests/render/test_encode.py`` compares them on generated situations.

``base/fastjson.py`` must look for floats in its output unless told there are none, and
that look costs as much as the encoding. In an advice document a float can only come from
the ruleset (situations hold no numbers; the engine computes only integers), so whether a
merged ruleset holds one is worked out once per ruleset, not once per line.
"""

from __future__ import annotations

from typing import Any, Callable

import orjson

from followup.audit.record import DecisionRecord
from followup.base.records import to_json_data
from followup.base import fastjson
from followup.engine.advice import Advice, FiredRule
from followup.engine.prepared import per_ruleset
from followup.rules.condition import condition_to_data
from followup.rules.ruleset import MergedRuleset
from followup.render.text import document_without_fired


def document_line(advice: Advice, document: Any) -> str:
    """``document`` (made from ``advice``) as canonical JSON on one line: ``to_json_line``'s bytes."""
    return fastjson.line(document, floats=may_hold_floats(advice))


def document_text(advice: Advice, document: Any) -> str:
    """``document`` (made from ``advice``) as indented JSON: ``to_json_text``'s bytes."""
    return fastjson.text(document, floats=may_hold_floats(advice))


def advice_line(advice: Advice, record: DecisionRecord | None = None, *, explanation: bool = True,
                trace: str | None = None, lang: str = "en") -> bytes:
    """``document_line(advice, advice_document(advice, record, ...))`` as UTF-8, the fired rules'
    text written once per ruleset."""
    return _encoded(advice, record, explanation, trace, lang, indent=False)


def advice_text(advice: Advice, record: DecisionRecord | None = None, *, explanation: bool = True,
                trace: str | None = None, lang: str = "en") -> bytes:
    """``document_text(advice, advice_document(advice, record, ...))`` as UTF-8, the fired rules'
    text written once per ruleset."""
    return _encoded(advice, record, explanation, trace, lang, indent=True)


def _encoded(advice: Advice, record: DecisionRecord | None, explanation: bool, trace: str | None, lang: str,
             indent: bool) -> bytes:
    document, fired = document_without_fired(advice, record, explanation=explanation, trace=trace, lang=lang)
    if not fired:
        return fastjson.encoded(document, lambda: document, indent=indent, floats=may_hold_floats(advice))
    plain: Callable[[], Any] = lambda: {**document, "trace": [to_json_data(entry) for entry in advice.trace]}
    # Each rule's constant text around the two holes, and each shared entry's whole text.
    written: Written = _memory(advice, "trace entry text", indent)
    made: Made = _memory(advice, "trace entries' text", indent)
    entries = [_shared(entry, written, made, indent) for entry in advice.trace]
    return fastjson.encoded({**document, "trace": entries}, plain, indent=indent, floats=may_hold_floats(advice))


#: Stands for an entry's ``facts`` and ``overridden_by`` while its constant text is written;
#: a control character, so no rule text is it (and a split that finds other than two is not used).
_HOLE = "\x00followup: spliced here\x00"
_HOLE_TEXT = orjson.dumps(_HOLE)
#: A trace entry is at depth 2 of a document (document, trace, entry), its parts at depth 3.
_ENTRY_INDENT, _PART_INDENT = b"\n    ", b"\n      "
_OPTIONS = orjson.OPT_SORT_KEYS
_INDENTED = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2

Pieces = tuple[bytes, bytes, bytes]
#: By rule id: the ``static`` JSON the pieces were written from (held, so it is that very one), and the pieces.
Written = dict[str, tuple[dict[str, Any], Pieces | None]]


def _memory(advice: Advice, name: str, indent: bool) -> dict[Any, Any]:
    """A memory kept per merged ruleset and layout (``name``, indented or not); a fresh one for an
    advice made by hand, which has no ruleset."""
    merged = advice.basis.merged if advice.basis is not None else None
    return {} if merged is None else per_ruleset(merged, f"{name}, indented" if indent else name, dict)


#: Entries' texts remembered per ruleset and layout; past it the memory starts afresh.
MAX_MADE = 512
#: By ``id`` of the entry: the entry (held, so that it is that very one) and its text.
Made = dict[int, tuple[FiredRule, Any]]


def _shared(entry: FiredRule, written: Written, made: Made, indent: bool) -> Any:
    """The entry's text, written once for an entry the resolver shares between advices (``resolve._traces``)."""
    found = made.get(id(entry))
    if found is not None and found[0] is entry:
        return found[1]
    text = _entry(entry, written, indent)
    if len(made) >= MAX_MADE:
        made.clear()
    made[id(entry)] = (entry, text)
    return text


def _entry(entry: FiredRule, written: Written, indent: bool) -> Any:
    static = entry.static
    if static is None:  # made by hand, not by the resolver: nothing shared to reuse
        return to_json_data(entry)
    found = written.get(entry.id)
    if found is None or found[0] is not static:
        found = written[entry.id] = (static, _split(static, indent))
    if found[1] is None:
        return to_json_data(entry)
    head, middle, tail = found[1]
    try:
        facts = _part(dict(entry.facts), indent)
        beaten = _part([to_json_data(o) for o in entry.overridden_by], indent) if entry.overridden_by else b"[]"
    except TypeError:  # what orjson cannot write: this entry as data, for the document's own fallback
        return to_json_data(entry)
    return orjson.Fragment(b"".join((head, facts, middle, beaten, tail)))


def _split(static: dict[str, Any], indent: bool) -> Pieces | None:
    """The entry's text with holes for ``facts`` and ``overridden_by``, cut at the holes."""
    try:
        text = orjson.dumps({**static, "facts": _HOLE, "overridden_by": _HOLE}, option=_INDENTED if indent else _OPTIONS)
    except TypeError:  # what orjson cannot write goes the standard way, entry by entry
        return None
    if indent:
        text = text.replace(b"\n", _ENTRY_INDENT)  # JSON text holds no raw line break but between values
    parts = text.split(_HOLE_TEXT)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def _part(value: Any, indent: bool) -> bytes:
    if not indent:
        return orjson.dumps(value, option=_OPTIONS)
    return orjson.dumps(value, option=_INDENTED).replace(b"\n", _PART_INDENT)


def may_hold_floats(advice: Advice) -> bool:
    """Whether a document made from ``advice`` may hold a float: only if its ruleset does."""
    if advice.basis is None:
        return True
    merged = advice.basis.merged
    return per_ruleset(merged, "holds floats", lambda: _ruleset_floats(merged))


def _ruleset_floats(merged: MergedRuleset) -> bool:
    return any(_has_float([to_json_data(rule.then), condition_to_data(rule.when), to_json_data(rule.source), rule.priority])
               for rule in merged.rules)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_float(v) for v in value)
    return False
