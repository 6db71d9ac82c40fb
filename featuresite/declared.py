"""Content declared as dataclasses, and the validator's schemas derived from them.

A content dataclass is its own schema. A field's type says what its YAML
value must be (`str` text, `int` a whole number, `bool`, `TextPair` a text
pair, `PartialDate` a date, `tuple[X, ...]` a list, another dataclass a
mapping); `typing.Annotated` metadata says what a type alone cannot: a schema
type of schema.py (`Slug()`, `Int(minimum=1)`, `Date(partial=True)`), `Ref`,
`Key`, `MinItems`, `DERIVED`. A field with a default is optional, one
without is required; the docstring under a field is its `Field.doc` and its
meaning in docs/content.md. A field typed `Loc` is filled with where the
record is written.

`schema_of(cls)` gives the schema.Record that validate() checks a file
against; reader.Reader builds the objects from the validated `Rec`.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import sys
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union

from .errors import Loc
from .schema import Field, ListOf, PartialDate, Record, Type
from .scalars import Bool, Date, Int, Number, Slug, Str, Text

TextPair = dict[str, str]
"""A text in every site language: {'zh': ..., 'en': ...}."""


@dataclass(frozen=True)
class Ref:
    """Annotated metadata: the value is the id of something of another kind, e.g. `Ref("source")`; the link
    stage reports it when nothing of that kind has that id."""

    kind: str
    """The kind of thing it names ('source', 'platform', 'event category', ...)."""


@dataclass(frozen=True)
class Key:
    """Annotated metadata: the field is the record's id. On a list of records, names the kind of the ids its
    items' Key field defines (for a record type shared by lists of different kinds, such as Category).

    A record in a list that has an id read from the file defines it: a second record of the kind with the same
    id is an error and is dropped. An id the reader derives (an article's slug, from its file name) only
    names the record."""

    kind: str | None = None
    """The kind of thing the id names ('source', 'event', ...); None: the list holding the record says."""


@dataclass(frozen=True)
class MinItems:
    """Annotated metadata on a list: the fewest items allowed."""

    count: int
    """How many."""


DERIVED = "derived"
"""Annotated metadata: the field is not a key of the file; whoever builds the object gives its value."""

Day = Annotated[PartialDate, Date()]
"""A full date, YYYY-MM-DD."""
PartialDay = Annotated[PartialDate, Date(partial=True)]
"""A date YYYY-MM-DD, or only YYYY-MM or YYYY."""

_BASE_TYPES: dict[Any, Type] = {str: Str(), int: Int(), bool: Bool(), Decimal: Number(), float: Number(),
                                PartialDate: Date(), dict: Text()}
"""The schema type of a value by its Python type, when no Annotated metadata gives one."""


# --- declarations ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """The shape of a single value."""

    type: Type
    """The schema type that checks it."""
    ref: str | None = None
    """The kind of thing it names (Ref), if it is a reference."""


@dataclass(frozen=True)
class Items:
    """The shape of a list."""

    item: Value | Items | Nested
    """Every item's shape."""
    min_items: int = 0
    """The fewest items allowed."""
    key: str | None = None
    """The kind of the ids its records define, when the list says (Key on the list)."""


@dataclass(frozen=True)
class Nested:
    """The shape of a mapping declared by another dataclass."""

    cls: type
    """The dataclass."""


Shape = Union[Value, Items, Nested]


@dataclass(frozen=True)
class Declared:
    """One field of a content dataclass, as declared."""

    name: str
    """The field's name, which is its key in the file."""
    shape: Shape | None
    """What its value is; None for a derived field."""
    required: bool
    """Whether the file must give it (it has no default)."""
    default: Any
    """Its default, when it is optional (dataclasses.MISSING when required)."""
    derived: bool = False
    """Not a key of the file: the reader gives it (DERIVED), or it is where the record is written (Loc)."""
    key: str | None = None
    """For the record's id (Key): the kind of the id ('' when the list holding the record says)."""


def _strip(tp: Any) -> tuple[Any, list, bool]:
    """The type without Annotated and Optional: (type, the Annotated metadata, whether None is allowed)."""
    meta: list = []
    optional = False
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            meta += tp.__metadata__
            tp = tp.__origin__
        elif origin in (Union, types.UnionType) and type(None) in typing.get_args(tp):
            optional = True
            rest = tuple(a for a in typing.get_args(tp) if a is not type(None))
            tp = rest[0] if len(rest) == 1 else Union[rest]
        else:
            return tp, meta, optional


def _shape(tp: Any, where: str) -> tuple[Shape, Key | None]:
    """A field's shape from its type, and its Key metadata if any."""
    tp, meta, _ = _strip(tp)
    given = [m for m in meta if isinstance(m, Type)]
    ref = next((m.kind for m in meta if isinstance(m, Ref)), None)
    key = next((m for m in meta if isinstance(m, Key)), None)
    min_items = next((m.count for m in meta if isinstance(m, MinItems)), 0)
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis or ref or given:
            raise TypeError(f"{where}: a list is tuple[X, ...]; put Ref or a schema type on X")
        item, item_key = _shape(args[0], where)
        if item_key is not None:
            raise TypeError(f"{where}: Key goes on a record's field or on the list, not on list items")
        own = key_of(item.cls) if isinstance(item, Nested) else None
        if key is not None and own is None:
            raise TypeError(f"{where}: Key on a list names the kind of its records' ids: the records need a Key()")
        if own is not None and not own.key and not (key and key.kind):
            raise TypeError(f"{where}: {item.cls.__name__}'s Key names no kind: say which on the list, Key(kind)")
        return Items(item, min_items, key.kind if key else None), None
    if min_items:
        raise TypeError(f"{where}: MinItems is for lists")
    if (ref or key) and dataclasses.is_dataclass(tp) and tp not in _BASE_TYPES:
        raise TypeError(f"{where}: a record takes no Ref or Key")
    if given:
        schema_type = given[0]
    elif ref or key:
        schema_type = Slug()
    elif tp in _BASE_TYPES or typing.get_origin(tp) in _BASE_TYPES:
        schema_type = _BASE_TYPES.get(tp) or _BASE_TYPES[typing.get_origin(tp)]
    elif dataclasses.is_dataclass(tp):
        return Nested(tp), None
    else:
        raise TypeError(f"{where}: no schema type for {tp!r}: say which in Annotated[...]")
    if (ref or key) and not isinstance(schema_type, Slug):
        raise TypeError(f"{where}: an id or a reference is a Slug")
    return Value(schema_type, ref), key


@functools.cache
def fields_of(cls: type) -> tuple[Declared, ...]:
    """The declared fields of a content dataclass, in order (worked out once per class)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    found = []
    for f in dataclasses.fields(cls):
        where = f"{cls.__name__}.{f.name}"
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        tp, meta, optional = _strip(hints[f.name])
        if optional and not has_default:
            raise TypeError(f"{where}: a field that may be None needs a default (= None)")
        if tp is Loc or DERIVED in meta:
            key = next((m.kind for m in meta if isinstance(m, Key)), None)
            found.append(Declared(f.name, None, False, default, derived=True, key=key))
            continue
        shape, key = _shape(hints[f.name], where)
        found.append(Declared(f.name, shape, not has_default, default, key=None if key is None else key.kind or ""))
    return tuple(found)


def key_of(cls: type) -> Declared | None:
    """The field that is the record's id (Key), if it has one."""
    return next((f for f in fields_of(cls) if f.key is not None), None)


@functools.cache
def schema_of(cls: type) -> Record:
    """The schema.Record a file (or a mapping in it) declared by this dataclass is validated against."""
    return Record({f.name: _DocField(_schema(f.shape), f.required, cls, f.name)
                   for f in fields_of(cls) if not f.derived})


class _DocField(Field):
    """A schema Field whose doc is the field's docstring, read from the source only when asked for: the
    validator never needs it, and reading it costs a build more than the rest of this module."""

    def __init__(self, type: Type, required: bool, cls: type, name: str):  # noqa: A002 (Field's name)
        self.type, self.required, self._owner = type, required, (cls, name)

    @property
    def doc(self) -> str:  # type: ignore[override]
        """The docstring under the field."""
        return field_docs(self._owner[0]).get(self._owner[1], "")


def _schema(shape: Shape) -> Type:
    if isinstance(shape, Nested):
        return schema_of(shape.cls)
    if isinstance(shape, Items):
        return ListOf(_schema(shape.item), min_items=shape.min_items)
    return shape.type


# --- docstrings ------------------------------------------------------------------------------------------

@functools.cache
def _module_tree(name: str) -> ast.Module:
    # Attribute docstrings are not kept at run time: they are read from the module's source.
    return ast.parse(Path(sys.modules[name].__file__).read_text(encoding="utf-8"))


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstring written under each field of a dataclass (and of the dataclasses it extends), on one line."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):
        if not dataclasses.is_dataclass(klass):
            continue
        node: Any = _module_tree(klass.__module__)
        for part in klass.__qualname__.split("."):
            node = next((n for n in getattr(node, "body", ()) if isinstance(n, ast.ClassDef) and n.name == part),
                        None)
        if node is None:  # a class made in a function: no docstrings to be had
            continue
        for stmt, after in zip(node.body, node.body[1:]):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[stmt.target.id] = " ".join(after.value.value.split())
    return docs
