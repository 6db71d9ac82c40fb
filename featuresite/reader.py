"""Building content objects from validated records, and walking them for ids and references.

A `Reader` builds the objects of one file from what schema.validate returned
(`Rec`s, which know where each value is written), as the dataclasses declare
(declared.py): it fills `loc` fields, defines the ids of keyed records (a
second one is an error, and is left out) and lists every reference with its
line and column. `walk` finds the references and ids in built objects; the
link stage walks the whole Site with it for its reverse index.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .declared import Items, Nested, Shape, TextPair, Value, fields_of, key_of
from .errors import Diagnostics, Loc
from .schema import Rec
from .scalars import Text


@dataclass(frozen=True)
class Reference:
    """A reference from one piece of content to another, checked by the link stage."""

    kind: str
    """What it names: 'source', 'figure', 'platform', 'article', 'event category', 'platform category'."""
    target: str
    """The id it names."""
    loc: Loc
    """Where it is written."""


Owner = tuple[str, str, Any]
"""What holds a reference: the kind and id of the nearest record with an id (or the kind's name and ''), and
that record."""


@dataclass(frozen=True)
class Found:
    """A reference found in built objects."""

    kind: str
    """The kind of thing it names."""
    target: str
    """The id it names."""
    owner: Owner
    """What holds it."""
    holder: Any
    """The object whose field it is."""
    field: str
    """That field."""
    index: int | None
    """Its place in the field's list, or None."""


def walk(value: Any, owner: Owner, ids: list[tuple[str, str, Any]] | None = None,
         list_key: str | None = None) -> Iterator[Found]:
    """Every reference in value (a content object, or a dict, tuple or list of them), in field and item order;
    the ids of keyed records are appended to `ids` as (kind, id, record) on the way."""
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item, owner, ids, list_key)
        return
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from walk(item, owner, ids, list_key)
        return
    if not dataclasses.is_dataclass(value):
        return
    declared = fields_of(type(value))
    key = key_of(type(value))
    if key is not None and (key.key or list_key):
        owner = (key.key or list_key, getattr(value, key.name), value)
        if ids is not None:
            ids.append(owner)
    for f in declared:
        shape = f.shape
        if shape is None:
            continue
        item = getattr(value, f.name)
        if isinstance(shape, Value):
            if shape.ref and item is not None:
                yield Found(shape.ref, item, owner, value, f.name, None)
        elif isinstance(shape, Nested):
            yield from walk(item, owner, ids)
        elif isinstance(shape.item, Value):
            if shape.item.ref:
                for index, target in enumerate(item):
                    yield Found(shape.item.ref, target, owner, value, f.name, index)
        else:
            yield from walk(item, owner, ids, shape.key)


def text_pairs(value: Any) -> Iterator[TextPair]:
    """Every text pair in a content object and the records it holds, in field order."""
    for f in fields_of(type(value)):
        shape, item = f.shape, getattr(value, f.name)
        if item is None or shape is None:
            continue
        if isinstance(shape, Nested):
            yield from text_pairs(item)
        elif isinstance(shape, Items):
            for entry in item:
                if isinstance(shape.item, Nested):
                    yield from text_pairs(entry)
                elif isinstance(shape.item.type, Text):
                    yield entry
        elif isinstance(shape.type, Text):
            yield item


class Reader:
    """Builds the objects of one file from its validated records, and knows where each field was written."""

    def __init__(self, diags: Diagnostics, defined_at: dict[tuple[str, str], Loc]):
        self.diags = diags
        """Where problems go."""
        self.defined_at = defined_at
        """(kind, id) -> where it is defined: the ids defined so far, this file's added."""
        self._records: dict[int, tuple[Any, Rec]] = {}  # id(object) -> (the object, the Rec it came from)

    def build(self, cls: type, rec: Rec, **given: Any) -> Any:
        """The object of a dataclass from its validated record; `given`: the values of its DERIVED fields.
        Records in lists that define an id already defined are reported and left out."""
        values = dict(given)
        for f in fields_of(cls):
            if f.derived:
                if f.name not in given:
                    values[f.name] = rec.loc
            elif f.name in rec:
                values[f.name] = self._value(f.shape, rec[f.name])
        obj = cls(**values)
        self._records[id(obj)] = (obj, rec)
        return obj

    def _value(self, shape: Shape, raw: Any) -> Any:
        if isinstance(shape, Nested):
            return self.build(shape.cls, raw)
        if not isinstance(shape, Items):
            return raw
        items = [self._value(shape.item, value) for value in raw]
        key = key_of(shape.item.cls) if isinstance(shape.item, Nested) else None
        if key is None or key.derived:
            return tuple(items)
        kind = key.key or shape.key
        return tuple(item for item, rec in zip(items, raw)
                     if self.define(kind, getattr(item, key.name), rec.locs[key.name]))

    def define(self, kind: str, ident: str, where: Loc) -> bool:
        """Register a definition; a second one of the same kind and id is an error (False)."""
        first = self.defined_at.get((kind, ident))
        if first is not None:
            self.error(where, f"duplicate {kind} '{ident}' (first defined at line {first.line})")
            return False
        self.defined_at[(kind, ident)] = where
        return True

    def where(self, obj: Any, name: str) -> Loc:
        """Where a field of an object built here was written."""
        return self._records[id(obj)][1].locs[name]

    def replace(self, obj: Any, **changes: Any) -> Any:
        """dataclasses.replace for an object built here (a kind's check): the copy keeps where its fields were
        written. A check may drop or reorder the records of a list, not change ids or references."""
        new = dataclasses.replace(obj, **changes)
        self._records[id(new)] = (new, self._records[id(obj)][1])
        return new

    def error(self, where: Loc, message: str) -> None:
        """Report an error at a place."""
        self.diags.error(where.path, where.line, where.col, message)

    def warning(self, where: Loc, message: str) -> None:
        """Report a warning at a place."""
        self.diags.warning(where.path, where.line, where.col, message)

    def references(self, root: Any, owner: Owner) -> list[Reference]:
        """Every reference in an object built here (after its kind's check), with where it is written."""
        found = []
        for ref in walk(root, owner):
            entry = self._records.get(id(ref.holder))
            if entry is None or entry[0] is not ref.holder:
                raise RuntimeError(f"{type(ref.holder).__name__} was not built by this Reader: use "
                                   "Reader.replace, not dataclasses.replace")
            value = entry[1][ref.field]
            where = entry[1].locs[ref.field] if ref.index is None else value.locs[ref.index]
            found.append(Reference(ref.kind, ref.target, where))
        return found
