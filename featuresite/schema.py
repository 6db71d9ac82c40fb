"""Schemas as data, and the one validator that checks YAML nodes against them.

A schema is a tree of the small type objects below (Record, ListOf, Text,
Slug, Date, ...). `validate` walks a composed YAML node and the schema
together, reports every mismatch at the node's line and column, and returns
plain values: a Record becomes a `Rec` (a dict that remembers where each of
its values was written), a ListOf a `Seq` (a list that does the same).
"""
from __future__ import annotations

import datetime
import decimal
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostics, Loc
from .yamlsrc import loc as node_loc
from .yamlsrc import quote_hint

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the day, the month or only the year."""

    year: int
    """The year."""
    month: int = 0
    """1-12, or 0 when only the year is known."""
    day: int = 0
    """1-31, or 0 when only the year or month is known."""

    @property
    def iso(self) -> str:
        """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`: valid for `<time datetime>`."""
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        return "day" if self.day else "month" if self.month else "year"

    def as_date(self) -> datetime.date:
        """The first day the partial date covers."""
        return datetime.date(self.year, self.month or 1, self.day or 1)


class Rec(dict):
    """A validated mapping; `locs[key]` is where that key's value was written."""

    def __init__(self, values: dict, where: Loc, locs: dict[str, Loc]):
        super().__init__(values)
        self.loc = where
        self.locs = locs


class Seq(list):
    """A validated list; `locs[i]` is where item i was written."""

    def __init__(self, values: list, where: Loc, locs: list[Loc]):
        super().__init__(values)
        self.loc = where
        self.locs = locs


@dataclass
class Context:
    """What validation needs besides the node: where we are and the site's languages."""

    path: Path
    """The file being validated."""
    diags: Diagnostics
    """Where problems go."""
    languages: tuple[str, ...] = ()
    """Language codes every text pair must have (empty while site.yaml's own languages are read)."""
    line_offset: int = 0
    """Lines before the YAML text in the file (1 for front matter, after its `---`)."""

    def loc(self, node: yaml.Node) -> Loc:
        """The node's position in the file."""
        return node_loc(self.path, node, self.line_offset)

    def error(self, node: yaml.Node, message: str) -> None:
        """Report an error at the node (with a hint when its value holds pasted typographic quotes)."""
        where = self.loc(node)
        if isinstance(node, yaml.ScalarNode):
            message += quote_hint(node.value)
        self.diags.error(where.path, where.line, where.col, message)


INVALID = object()
"""Returned by a type's check when the value was wrong (the error is already reported)."""


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        STR_TAG: "text", INT_TAG: "a whole number", FLOAT_TAG: "a number", BOOL_TAG: "true/false",
        NULL_TAG: "nothing (empty value)", TIMESTAMP_TAG: "a date",
    }.get(node.tag, "a value")


class Type:
    """A schema type: checks one node and returns its value or INVALID."""

    name = "value"

    def check(self, node: yaml.Node, ctx: Context) -> Any:
        raise NotImplementedError

    def _scalar(self, node: yaml.Node, ctx: Context) -> bool:
        if not isinstance(node, yaml.ScalarNode):
            ctx.error(node, f"expected {self.name}, found {_describe(node)}")
            return False
        return True


class Str(Type):
    """Non-empty text on one or more lines."""

    name = "text"

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        if node.tag != STR_TAG:
            ctx.error(node, f"expected text, found {_describe(node)}: put it in quotes")
            return INVALID
        if not node.value.strip():
            ctx.error(node, "text is empty")
            return INVALID
        return node.value


class Slug(Str):
    """An id used in URLs: lower-case letters, digits and single hyphens."""

    name = "an id (lower-case letters, digits, hyphens)"

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        value = node.value if node.tag in (STR_TAG, INT_TAG) else None
        if value is None or not SLUG_RE.match(value):
            ctx.error(node, f"invalid id {node.value!r}: use lower-case letters a-z, digits and single hyphens, "
                      "e.g. 'songshan-lab'")
            return INVALID
        return value


class Url(Str):
    """An absolute http(s) URL."""

    name = "a URL"

    def check(self, node, ctx):
        value = super().check(node, ctx)
        if value is not INVALID and not URL_RE.match(value):
            ctx.error(node, f"invalid URL {value!r}: write it in full, starting with https://")
            return INVALID
        return value


_INT_CONSTRUCTOR = yaml.constructor.SafeConstructor()
"""Reads YAML integers (0x1F, 1_000, ...) as PyYAML does; it keeps no state between calls."""


class Int(Type):
    """A whole number, at least `minimum`."""

    name = "a whole number"

    def __init__(self, minimum: int | None = None):
        self.minimum = minimum

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        if node.tag != INT_TAG:
            ctx.error(node, f"expected a whole number, found {_describe(node)}")
            return INVALID
        value = _INT_CONSTRUCTOR.construct_yaml_int(node)
        if self.minimum is not None and value < self.minimum:
            ctx.error(node, f"must be at least {self.minimum}, found {value}")
            return INVALID
        return value


class Number(Type):
    """A number, whole or decimal; decimals are kept exact (Decimal), so 117.87 stays 117.87."""

    name = "a number"
    _PLAIN_NUMBER = re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?$")

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        # PyYAML reads 117.87e8 (exponent without sign) as text; a plain scalar
        # that looks like a number is a number to an editor, so accept it.
        plain_number = node.style is None and self._PLAIN_NUMBER.match(node.value)
        if node.tag not in (INT_TAG, FLOAT_TAG) and not plain_number:
            ctx.error(node, f"expected a number, found {_describe(node)}")
            return INVALID
        if node.tag == INT_TAG:
            return _INT_CONSTRUCTOR.construct_yaml_int(node)
        try:
            value = decimal.Decimal(node.value.replace("_", ""))
        except decimal.InvalidOperation:
            ctx.error(node, f"expected a finite number, found {node.value!r}")
            return INVALID
        if not value.is_finite():
            ctx.error(node, "expected a finite number")
            return INVALID
        return int(value) if value == value.to_integral_value() else value


class Bool(Type):
    """true or false."""

    name = "true or false"

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        if node.tag != BOOL_TAG:
            ctx.error(node, f"expected true or false, found {_describe(node)}")
            return INVALID
        return node.value.lower() in ("true", "yes", "on")


class Enum(Type):
    """One of a fixed set of words."""

    def __init__(self, *values: str):
        self.values = values
        self.name = "one of " + ", ".join(values)

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        if node.value not in self.values:
            ctx.error(node, f"invalid value {node.value!r}: expected {self.name}")
            return INVALID
        return node.value


class Date(Type):
    """A date YYYY-MM-DD; with partial=True also YYYY-MM or YYYY."""

    def __init__(self, partial: bool = False):
        self.partial = partial
        self.name = "a date (YYYY-MM-DD, YYYY-MM or YYYY)" if partial else "a date (YYYY-MM-DD)"

    def check(self, node, ctx):
        if not self._scalar(node, ctx):
            return INVALID
        match = DATE_RE.match(node.value.strip()) if node.tag in (STR_TAG, INT_TAG, TIMESTAMP_TAG) else None
        if not match:
            ctx.error(node, f"invalid date {node.value!r}: expected {self.name}")
            return INVALID
        year, month, day = (int(g) if g else 0 for g in match.groups())
        if not self.partial and not day:
            ctx.error(node, f"invalid date {node.value!r}: expected a full date YYYY-MM-DD")
            return INVALID
        try:
            datetime.date(year, month or 1, day or 1)
        except ValueError:
            ctx.error(node, f"impossible date {node.value!r}: no such day in the calendar")
            return INVALID
        return PartialDate(year, month, day)


class Text(Type):
    """A text pair: one non-empty string per site language, e.g. {zh: ..., en: ...}."""

    name = "a text pair {zh: ..., en: ...}"

    def check(self, node, ctx):
        if not isinstance(node, yaml.MappingNode):
            langs = ", ".join(f"{lang}: ..." for lang in ctx.languages) or "zh: ..., en: ..."
            ctx.error(node, f"expected a text pair {{{langs}}}, found {_describe(node)}")
            return INVALID
        fields = {lang: Field(Str(), required=True) for lang in ctx.languages}
        # No languages known (site.yaml's own list is broken, and reported): any language key will do,
        # rather than calling every one of them unknown.
        value = Record(fields, what="language", any_key=None if ctx.languages else Str()).check(node, ctx)
        return value if value is INVALID else dict(value)


@dataclass
class Field:
    """One key of a Record."""

    type: Type
    """What the value must be."""
    required: bool = False
    """Whether the key must be present."""
    doc: str = ""
    """What the key means (for people reading the schema)."""


@dataclass
class Record(Type):
    """A mapping with known keys (any other key is an error), or with free keys when `any_key` is set."""

    fields: dict[str, Field]
    """The allowed keys."""
    what: str = "key"
    """How to name a key in messages ('key', 'language')."""
    any_key: Type | None = None
    """If set, every plain-word key is allowed and its value must be of this type (UI strings)."""
    name: str = field(default="a mapping of keys to values")

    def check(self, node, ctx):
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, f"expected a mapping (key: value lines), found {_describe(node)}")
            return INVALID
        values: dict[str, Any] = {}
        locs: dict[str, Loc] = {}
        seen: dict[str, yaml.Node] = {}
        ok = True
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not key or not KEY_RE.match(key):
                ctx.error(key_node, f"a {self.what} must be a plain word (letters, digits, _ . -)")
                ok = False
                continue
            if key in seen:
                first = ctx.loc(seen[key])
                ctx.error(key_node, f"duplicate {self.what} '{key}' (first written at line {first.line})")
                ok = False
                continue
            seen[key] = key_node
            spec = self.fields.get(key) or (Field(self.any_key) if self.any_key else None)
            if spec is None:
                ctx.error(key_node, self._unknown(key))
                ok = False
                continue
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag == NULL_TAG and not spec.required:
                continue  # an empty optional key is the same as an absent one
            value = spec.type.check(value_node, ctx)
            if value is INVALID:
                ok = False
                continue
            values[key] = value
            locs[key] = ctx.loc(value_node)
        for key, spec in self.fields.items():
            if spec.required and key not in seen:
                ctx.error(node, f"missing required {self.what} '{key}'")
                ok = False
        return Rec(values, ctx.loc(node), locs) if ok else INVALID

    def _unknown(self, key: str) -> str:
        allowed = list(self.fields)
        message = f"unknown {self.what} '{key}'"
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            return f"{message}: did you mean '{close[0]}'?"
        return f"{message} (allowed: {', '.join(allowed)})"


@dataclass
class ListOf(Type):
    """A list whose items all have one type."""

    item: Type
    """The type of every item."""
    min_items: int = 0
    """Fewest items allowed."""
    name: str = "a list"

    def check(self, node, ctx):
        if not isinstance(node, yaml.SequenceNode):
            ctx.error(node, f"expected a list, found {_describe(node)}")
            return INVALID
        values, locs, ok = [], [], True
        for item_node in node.value:
            value = self.item.check(item_node, ctx)
            if value is INVALID:
                ok = False
                continue
            values.append(value)
            locs.append(ctx.loc(item_node))
        if ok and len(values) < self.min_items:
            ctx.error(node, f"needs at least {self.min_items} item(s)")
            ok = False
        return Seq(values, ctx.loc(node), locs) if ok else INVALID


def validate(node: yaml.Node, schema: Type, ctx: Context) -> Any:
    """Check a composed YAML node against a schema; the value, or INVALID after reporting."""
    return schema.check(node, ctx)
