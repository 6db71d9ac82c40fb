"""Content dataclasses as schemas (featuresite/declared.py), and the objects built from them (reader.py)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pytest
import yaml

from featuresite.declared import DERIVED, Key, MinItems, PartialDay, Ref, TextPair, fields_of, schema_of
from featuresite.errors import Diagnostics, Loc
from featuresite.reader import Reader, walk
from featuresite.schema import INVALID, Context, ListOf, validate
from featuresite.scalars import Bool, Date, Enum, Int, Number, Slug, Str, Text

PATH = Path("x.yaml")


@dataclass(frozen=True)
class Tag:
    """A shared record type: its id's kind is said by each list that holds it."""

    id: Annotated[str, Key()]
    """The tag's id."""
    name: TextPair
    """Its name."""


@dataclass(frozen=True, kw_only=True)
class Item:
    """An item."""

    id: Annotated[str, Key("item")]
    """Its id."""
    count: Annotated[int, Int(minimum=1)] | None = None
    """How many, at least 1."""
    title: TextPair
    """Its title,
    on two lines."""
    kind: Annotated[str, Enum("a", "b")] = "a"
    """Which kind."""
    done: bool = False
    """Whether it is done."""
    when: PartialDay | None = None
    """When."""
    source: Annotated[str, Ref("source")]
    """Where it comes from."""
    tags: tuple[Annotated[str, Ref("tag")], ...] = ()
    """Its tags."""
    loc: Loc
    """Where it is written."""


@dataclass(frozen=True, kw_only=True)
class Sheet:
    """A whole file."""

    tags: Annotated[tuple[Tag, ...], MinItems(1), Key("tag")]
    """The tags."""
    items: tuple[Item, ...]
    """The items."""
    note: str | None = None
    """A note."""
    origin: Annotated[str, DERIVED]
    """Given by whoever reads the file."""


def _read(text: str, cls: type = Sheet, **given):
    diags = Diagnostics()
    data = validate(yaml.compose(text), schema_of(cls), Context(PATH, diags, ("zh", "en")))
    if data is INVALID:
        return None, None, [d.format() for d in diags.items]
    reader = Reader(diags, {})
    built = reader.build(cls, data, **given)
    return built, reader, [d.format() for d in diags.items]


SHEET = """\
tags:
  - id: red
    name: {zh: 红, en: Red}
  - id: blue
    name: {zh: 蓝, en: Blue}
items:
  - id: first
    count: 2
    title: {zh: 一, en: One}
    source: report
    tags: [red, blue]
  - id: second
    title: {zh: 二, en: Two}
    kind: b
    done: true
    when: 2024-05
    source: other
"""


# --- what a declaration says ------------------------------------------------------------------------------

def test_required_and_optional_come_from_defaults():
    fields = schema_of(Item).fields
    assert {name: f.required for name, f in fields.items()} == {
        "id": True, "count": False, "title": True, "kind": False, "done": False, "when": False, "source": True,
        "tags": False}
    # The file's keys are the fields, in their order; derived fields and `loc` are no keys.
    assert list(schema_of(Sheet).fields) == ["tags", "items", "note"]


def test_schema_types_come_from_types_and_annotated_metadata():
    fields = schema_of(Item).fields
    assert type(fields["id"].type) is Slug and type(fields["source"].type) is Slug  # Key and Ref are ids
    assert type(fields["count"].type) is Int and fields["count"].type.minimum == 1
    assert type(fields["title"].type) is Text
    assert type(fields["kind"].type) is Enum and fields["kind"].type.values == ("a", "b")
    assert type(fields["done"].type) is Bool
    assert type(fields["when"].type) is Date and fields["when"].type.partial
    assert type(fields["tags"].type) is ListOf and type(fields["tags"].type.item) is Slug
    sheet = schema_of(Sheet).fields
    assert type(sheet["tags"].type) is ListOf and sheet["tags"].type.min_items == 1
    assert sheet["items"].type.item is schema_of(Item)  # a record in a record: its own schema
    assert type(sheet["note"].type) is Str


def test_field_docstrings_are_the_schema_docs():
    fields = schema_of(Item).fields
    assert fields["id"].doc == "Its id."
    assert fields["title"].doc == "Its title, on two lines."  # one line, whatever the source's wrapping
    assert schema_of(Sheet).fields["note"].doc == "A note."


def test_references_and_keys_are_declared():
    declared = {f.name: f for f in fields_of(Item)}
    assert declared["source"].shape.ref == "source"
    assert declared["tags"].shape.item.ref == "tag"
    assert declared["id"].key == "item"
    assert {f.name: f.key for f in fields_of(Tag)}["id"] == ""  # said by the list
    assert {f.name: f.shape.key for f in fields_of(Sheet) if f.name == "tags"} == {"tags": "tag"}
    assert [f.name for f in fields_of(Sheet) if f.derived] == ["origin"]


def _declare(annotation, default=dataclasses.MISSING):
    namespace = {"__annotations__": {"x": annotation}, "__module__": __name__}
    if default is not dataclasses.MISSING:
        namespace["x"] = default
    cls = dataclass(frozen=True)(type("Bad", (), namespace))
    return fields_of(cls)


@pytest.mark.parametrize("annotation, default, message", [
    (str | None, dataclasses.MISSING, "needs a default"),
    (Annotated[tuple[str, ...], Ref("source")], (), "put Ref or a schema type on X"),
    (Annotated[str, MinItems(1)], dataclasses.MISSING, "MinItems is for lists"),
    (set[str], dataclasses.MISSING, "no schema type"),
    (tuple[Tag, ...], (), "Key names no kind"),
    (Annotated[str, Ref("source"), Int()], dataclasses.MISSING, "is a Slug"),
])
def test_declarations_that_say_too_little_or_too_much_fail_at_once(annotation, default, message):
    with pytest.raises(TypeError, match=message):
        _declare(annotation, default)


# --- building objects ----------------------------------------------------------------------------------

def test_objects_are_built_with_defaults_given_values_and_their_loc():
    sheet, _, errors = _read(SHEET, origin="test")
    assert errors == []
    assert sheet.origin == "test" and sheet.note is None
    first, second = sheet.items
    assert first.count == 2 and first.kind == "a" and first.done is False and first.tags == ("red", "blue")
    assert second.count is None and second.kind == "b" and second.done is True and second.when.iso == "2024-05"
    assert second.tags == ()  # an absent list is empty
    assert (first.loc.line, first.loc.col) == (7, 5) and first.loc.path == PATH
    assert sheet.tags[0] == Tag("red", {"zh": "红", "en": "Red"})


def test_validation_messages_are_the_validators():
    _, _, errors = _read("tags: []\nitems:\n  - id: Bad\n    titel: x\n    source: s\n", origin="test")
    assert errors == [
        "x.yaml:1:7: error: needs at least 1 item(s)",
        "x.yaml:3:9: error: invalid id 'Bad': use lower-case letters a-z, digits and single hyphens, "
        "e.g. 'harbour-lab'",
        "x.yaml:4:5: error: unknown key 'titel': did you mean 'title'?",
        "x.yaml:3:5: error: missing required key 'title'",
    ]


def test_a_second_definition_of_an_id_is_reported_and_left_out():
    text = SHEET.replace("id: blue", "id: red").replace("id: second", "id: first")
    sheet, reader, errors = _read(text, origin="test")
    assert errors == ["x.yaml:4:9: error: duplicate tag 'red' (first defined at line 2)",
                      "x.yaml:12:9: error: duplicate item 'first' (first defined at line 7)"]
    assert [t.id for t in sheet.tags] == ["red"] and [i.id for i in sheet.items] == ["first"]
    assert set(reader.defined_at) == {("tag", "red"), ("item", "first")}
    # The references of what was left out are not references.
    assert [(r.kind, r.target) for r in reader.references(sheet, ("sheet", "", sheet))] == [
        ("source", "report"), ("tag", "red"), ("tag", "blue")]


def test_references_are_listed_with_where_they_are_written():
    sheet, reader, _ = _read(SHEET, origin="test")
    refs = reader.references(sheet, ("sheet", "", sheet))
    assert [(r.kind, r.target, r.loc.line, r.loc.col) for r in refs] == [
        ("source", "report", 10, 13), ("tag", "red", 11, 12), ("tag", "blue", 11, 17), ("source", "other", 17, 13)]


def test_a_check_replaces_through_the_reader_and_keeps_the_places():
    sheet, reader, _ = _read(SHEET, origin="test")
    second = sheet.items[1]
    assert reader.where(second, "kind") == Loc(PATH, 14, 11)
    reordered = reader.replace(sheet, items=sheet.items[::-1])
    assert [r.target for r in reader.references(reordered, ("sheet", "", reordered))][:1] == ["other"]
    with pytest.raises(RuntimeError, match="use Reader.replace"):
        reader.references(dataclasses.replace(second, source="x"), ("sheet", "", None))


def test_walk_names_the_owner_of_each_reference_and_the_ids():
    sheet, _, _ = _read(SHEET, origin="test")
    ids = []
    found = [(ref.kind, ref.target, ref.owner[:2]) for ref in walk(sheet, ("sheet", "", sheet), ids)]
    assert found == [("source", "report", ("item", "first")), ("tag", "red", ("item", "first")),
                     ("tag", "blue", ("item", "first")), ("source", "other", ("item", "second"))]
    assert [(kind, ident) for kind, ident, _ in ids] == [("tag", "red"), ("tag", "blue"), ("item", "first"),
                                                          ("item", "second")]


def test_a_union_needs_its_schema_type_and_a_local_class_has_no_docs():
    @dataclass(frozen=True)
    class Figure:
        value: Annotated[int | Decimal, Number()]
        """(Not readable: the class is made in a function.)"""

    field = schema_of(Figure).fields["value"]
    assert type(field.type) is Number and field.required and field.doc == ""
    assert schema_of(Figure) is schema_of(Figure)  # worked out once
    with pytest.raises(TypeError, match="no schema type"):
        _declare(int | Decimal)
