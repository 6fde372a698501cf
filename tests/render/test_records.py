"""The one record->JSON conversion (``base/records.py``), and that records use it.

What a caller relies on: every field in order under its name (or the declared one), nested
records, lists for tuples, dates as ISO text, enums as values, None kept; ``omit``,
``omit_empty`` and ``pairs`` as declared; a record's own ``__json__`` wins wherever it is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

import followup
from followup.base.concepts import Channel
from followup.base.records import fields_json, json_field, make, to_json_data


@dataclass(frozen=True)
class Leaf:
    name: str
    day: date | None = None


@dataclass(frozen=True)
class Custom:
    value: int

    def __json__(self) -> str:
        return f"custom {self.value}"


@dataclass(frozen=True)
class Tree:
    title: str
    channel: Channel
    when: datetime
    leaves: tuple[Leaf, ...]
    by_name: dict[str, Leaf]
    nested: tuple[tuple[Leaf, ...], ...]
    custom: Custom
    maybe: Leaf | None
    renamed: str = json_field(key="as")
    hidden: str = json_field(default="secret", omit=True)
    optional: tuple[str, ...] = json_field(default=(), omit_empty=True)
    facts: tuple[tuple[str, date], ...] = json_field(default=(), pairs=True)
    count: int = 0


def _tree(**changes: object) -> Tree:
    values: dict[str, object] = dict(
        title="t", channel=Channel.PHONE, when=datetime(2026, 12, 2, 1, 30), leaves=(Leaf("a", date(2026, 1, 2)),),
        by_name={"b": Leaf("b")}, nested=((Leaf("c"),), ()), custom=Custom(3), maybe=None, renamed="r")
    values.update(changes)
    return Tree(**values)  # type: ignore[arg-type]


def test_every_field_in_order_converted_by_its_type() -> None:
    data = to_json_data(_tree(facts=(("interview.date", date(2026, 3, 4)),), optional=("x",)))
    assert data == {
        "title": "t", "channel": "phone", "when": "2026-12-02T01:30:00",
        "leaves": [{"name": "a", "day": "2026-01-02"}], "by_name": {"b": {"name": "b", "day": None}},
        "nested": [[{"name": "c", "day": None}], []], "custom": "custom 3", "maybe": None, "as": "r",
        "optional": ["x"], "facts": {"interview.date": "2026-03-04"}, "count": 0}
    assert list(data) == ["title", "channel", "when", "leaves", "by_name", "nested", "custom", "maybe", "as",
                          "optional", "facts", "count"]
    assert type(data["channel"]) is str  # the enum's value, not the enum


def test_omit_empty_leaves_out_none_and_empty_but_keeps_zero() -> None:
    data = to_json_data(_tree())
    assert "optional" not in data and "hidden" not in data and data["count"] == 0


def test_without_leaves_out_keys_and_a_record_made_by_make_converts_the_same() -> None:
    tree = _tree()
    assert fields_json(tree, frozenset({"title", "as"})) == {k: v for k, v in to_json_data(tree).items()
                                                             if k not in ("title", "as")}
    assert to_json_data(make(Tree, {**tree.__dict__})) == to_json_data(tree)


def test_fresh_lists_and_mappings_every_time() -> None:
    tree = _tree()
    first, second = to_json_data(tree), to_json_data(tree)
    first["leaves"].append("changed")
    first["by_name"]["b"]["name"] = "changed"
    assert second == to_json_data(tree) and tree.leaves == (Leaf("a", date(2026, 1, 2)),)


@dataclass(frozen=True)
class Node:
    name: str
    children: tuple[Node, ...] = ()


def test_a_record_of_its_own_type() -> None:
    assert to_json_data(Node("a", (Node("b", (Node("c"),)),))) == \
        {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "children": []}]}]}


@dataclass(frozen=True)
class Shared:
    name: str
    day: date
    varies: tuple[tuple[str, date], ...] = json_field(pairs=True)
    made: dict[str, object] | None = json_field(default=None, spread_except=("varies",))


def test_a_shared_part_is_written_first_and_only_the_rest_converted() -> None:
    alone = Shared("n", date(2026, 1, 2), (("d", date(2026, 3, 4)),))
    assert to_json_data(alone) == {"name": "n", "day": "2026-01-02", "varies": {"d": "2026-03-04"}}
    shared = {k: v for k, v in to_json_data(alone).items() if k != "varies"}
    assert to_json_data(Shared("ignored", date(2000, 1, 1), (("e", date(2026, 5, 6)),), shared)) == \
        {"name": "n", "day": "2026-01-02", "varies": {"e": "2026-05-06"}}


@dataclass(frozen=True)
class Grouped:
    first: str
    opens: date | None = json_field(default=None, within="window")
    closes: date | None = json_field(default=None, key="shuts", within="window")
    last: int = 0


def test_fields_within_one_object_where_the_first_of_them_is() -> None:
    data = to_json_data(Grouped("a", date(2026, 1, 2)))
    assert data == {"first": "a", "window": {"opens": "2026-01-02", "shuts": None}, "last": 0}
    assert list(data) == ["first", "window", "last"]


def test_what_is_not_a_record_is_refused() -> None:
    with pytest.raises(TypeError):
        to_json_data(object())


def test_every_advice_document_holds_only_json_data() -> None:
    rules = followup.Rules()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        decision = rules.advise(rules.situation(path))
        for trace in ("full", "compact", "none"):
            _assert_json(decision.to_dict(trace=trace))
        _assert_json(decision.why_not("phone").to_json())


def _assert_json(value: object) -> None:
    if isinstance(value, dict):
        assert all(type(k) is str for k in value)
        for v in value.values():
            _assert_json(v)
    elif isinstance(value, (list, tuple)):  # a condition's list of values is kept as the rule holds it
        for v in value:
            _assert_json(v)
    else:
        assert value is None or type(value) in (str, int, float, bool), repr(value)


#: A value that reads one field of the record and nothing else: ``self.x``, ``list(self.x)``,
#: ``self.x.isoformat()``, ``self.x.to_json()``, ``[y.to_json() for y in self.x]``.
def _reads_one_field(node: ast.expr, fields: set[str]) -> bool:
    attrs = [n for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
             and n.value.id == "self"]
    calls = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(node)
             if isinstance(n, ast.Call)}
    return len(attrs) == 1 and attrs[0].attr in fields and calls <= {"list", "isoformat", "to_json", "to_data",
                                                                     "to_dict", "_iso"}


def _plain_methods(path: Path) -> list[str]:
    """``Class.method`` for each to_json/to_dict/to_data whose body is one dict of fields, one by one."""
    out = []
    for cls in (n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)):
        fields = {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        for method in cls.body:
            if not (isinstance(method, ast.FunctionDef) and method.name in ("to_json", "to_dict", "to_data")):
                continue
            body = [n for n in method.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Dict) \
                    and all(isinstance(k, ast.Constant) for k in body[0].value.keys) \
                    and all(_reads_one_field(v, fields) for v in body[0].value.values):
                out.append(f"{path.name}:{cls.name}.{method.name}")
    return out


def test_no_record_writes_its_json_field_by_field() -> None:
    """Such a method is what ``to_json_data`` does from the declaration: it would be a second way."""
    assert [m for path in sorted((ROOT / "engine" / "followup").rglob("*.py")) for m in _plain_methods(path)] == []
