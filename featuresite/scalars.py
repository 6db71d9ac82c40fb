"""The scalar types of schemas (schema.py): text, ids, URLs, numbers, dates, true/false, choices and text
pairs, each checking one YAML node and giving its value or INVALID."""
from __future__ import annotations

import datetime
import decimal
import re

import yaml

from .schema import (INVALID, Field, Record, Type, is_plain, _describe, PartialDate, SLUG_RE, DATE_RE, URL_RE, CONTROL_RE, STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, TIMESTAMP_TAG)


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
        control = CONTROL_RE.search(node.value)
        if control:  # written as an escape (\0, \x07, \e): the YAML reader refuses raw ones
            ctx.error(node, f"control character U+{ord(control.group()):04X} in text (an escape such as \\0 or "
                      "\\x07 in double quotes): delete it")
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
                      "e.g. 'harbour-lab'")
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
        # YAML 1.1 reads 117.87e8 and 1e8 (an exponent without sign, or no dot) as text; a plain scalar that
        # looks like a number is a number to an editor, so accept it, however the YAML was loaded.
        plain_number = is_plain(node) and self._PLAIN_NUMBER.match(node.value)
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
        return written_number(value)


def written_number(value: decimal.Decimal) -> int | decimal.Decimal:
    """The value as the figure keeps it: an int when its digits are those of a whole number (117.87e8 is
    11787000000), else the Decimal, which keeps the digits written, so that 2.50 stays 2.50 and 2.50e8 keeps
    its three significant digits (formatting.format_number shows them all)."""
    sign, digits, exponent = value.as_tuple()
    if exponent < 0 or (exponent > 0 and len(digits) > 1 and digits[-1] == 0):
        return value
    return int(value)


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
        value = Record(fields, what="language", any_key=None if ctx.languages else Str(),
                       comma_hint=True).check(node, ctx)
        return value if value is INVALID else dict(value)
