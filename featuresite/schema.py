"""Schemas as data, and the one validator that checks YAML nodes against them.

A schema is a tree of small type objects: Record and ListOf below, and the
scalars of scalars.py (Text, Slug, Date, ...). `validate` walks a composed YAML node and the schema
together, reports every mismatch at the node's line and column, and returns
plain values: a Record becomes a `Rec` (a dict that remembers where each of
its values was written), a ListOf a `Seq` (a list that does the same).
"""
from __future__ import annotations

import datetime
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
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\Z")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (C0 but tab, newline and carriage return; DEL; C1): invisible, and invalid in HTML."""

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


def _bare(node: yaml.Node) -> bool:
    """Whether a mapping value is absent (`{a, b: 1}` gives `a` the value null, written as nothing)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG and node.value == ""


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


def is_plain(node: yaml.ScalarNode) -> bool:
    """Whether a scalar is written without quotes or | >: PyYAML's loader gives such a scalar the style None,
    libyaml's (yaml.CSafeLoader) the style ''."""
    return not node.style


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
    comma_hint: bool = False
    """Text pairs: a message about a key of a {...} mapping after its first says that an unquoted comma in the
    text before it ends that text (`{zh: 甲, en: Hello, world}` has a key `world`)."""
    name: str = field(default="a mapping of keys to values")

    def check(self, node, ctx):
        if not isinstance(node, yaml.MappingNode):
            ctx.error(node, f"expected a mapping (key: value lines), found {_describe(node)}")
            return INVALID
        values: dict[str, Any] = {}
        locs: dict[str, Loc] = {}
        seen: dict[str, yaml.Node] = {}
        ok = True
        for index, (key_node, value_node) in enumerate(node.value):
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not key or not KEY_RE.match(key):
                ctx.error(key_node, f"a {self.what} must be a plain word (letters, digits, _ . -)"
                          + self._comma_hint(node, index))
                ok = False
                continue
            if key in seen:
                first = ctx.loc(seen[key])
                ctx.error(key_node, f"duplicate {self.what} '{key}' (first written at line {first.line})"
                          + self._comma_hint(node, index))
                ok = False
                continue
            seen[key] = key_node
            spec = self.fields.get(key) or (Field(self.any_key) if self.any_key else None)
            if spec is None:
                ctx.error(key_node, self._unknown(key) + self._comma_hint(node, index))
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

    def _comma_hint(self, node: yaml.MappingNode, index: int) -> str:
        """For a key without a value in a text pair written {...}: the hint that a comma ended the text before
        it, with the text in quotes as it was meant (`en: "Hello, world"`)."""
        pairs = node.value
        if not (self.comma_hint and node.flow_style and index and _bare(pairs[index][1])):
            return ""
        start = index
        while start > 0 and _bare(pairs[start][1]):
            start -= 1  # back to the pair whose text the commas cut
        end = index
        while end + 1 < len(pairs) and _bare(pairs[end + 1][1]):
            end += 1
        example = ""
        words = [pairs[start][1]] + [key for key, _ in pairs[start + 1:end + 1]]
        if all(isinstance(n, yaml.ScalarNode) and is_plain(n) for n in [pairs[start][0], *words]):
            example = f", e.g. {pairs[start][0].value}: \"{', '.join(n.value for n in words)}\""
        return f" (a comma in text inside {{...}} ends the text: put text that holds a comma in quotes{example})"

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
