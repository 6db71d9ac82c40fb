"""The key tables of docs/content.md, written from the content kinds' declarations.

    python -m featuresite.kinds.docs            rewrite the tables in docs/content.md
    python -m featuresite.kinds.docs --check    exit 1 (and say so) if they are not what the declarations say

A table stands between `<!-- keys: NAME -->` and `<!-- end keys -->`, NAME a
kind's name (kinds.KINDS); everything outside the markers is prose, kept as
written. Each row is one key: its path (`events[].date` for a key of the
records in a list), its type, whether it is required, and its meaning (the
field's docstring, and its default).
"""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from ..declared import Items, Nested, Shape, Value, field_docs, fields_of
from ..scalars import Bool, Date, Enum, Int, Number, Slug, Str, Text, Url
from . import ID_FIELDS, KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "content.md"
"""The document whose tables are written."""
TABLE_RE = re.compile(r"(<!-- keys: (?P<name>[a-z_]+) -->\n)(?P<table>.*?)(<!-- end keys -->)", re.S)
"""A table and its markers."""


def _value_name(value: Value) -> tuple[str, str]:
    """A value's type in words, as (noun, qualifier): ('integer', ', at least 1')."""
    kind = value.type
    if value.ref:
        return f"{value.ref} {ID_FIELDS.get(value.ref, 'id')}", ""
    if isinstance(kind, Enum):
        return ", ".join(f"`{word}`" for word in kind.values), ""
    if isinstance(kind, Date):
        return ("partial date" if kind.partial else "date"), ""
    if isinstance(kind, Int):
        return "integer", "" if kind.minimum is None else f", at least {kind.minimum}"
    names = [(Slug, "slug"), (Url, "URL"), (Str, "string"), (Text, "text pair"), (Number, "number"),
             (Bool, "boolean")]
    return next(name for cls, name in names if isinstance(kind, cls)), ""


def type_name(shape: Shape) -> str:
    """A key's type in words: 'text pair', 'list of source ids', 'list' (of records), ..."""
    if isinstance(shape, Nested):
        return "mapping"
    if isinstance(shape, Items):
        if isinstance(shape.item, Value):
            noun, qualifier = _value_name(shape.item)
            return f"list of {noun}s{qualifier}"
        return "list"
    noun, qualifier = _value_name(shape)
    return noun + qualifier


def rows(cls: type, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, required, meaning) of every key a dataclass declares, the keys of its records after each."""
    found = []
    docs = field_docs(cls)
    for field in fields_of(cls):
        if field.derived:
            continue
        path = prefix + field.name
        meaning = docs.get(field.name, "")
        if field.default not in (None, (), False, dataclasses.MISSING):
            meaning += f" Default: `{field.default}`."
        found.append((f"`{path}`", type_name(field.shape), "yes" if field.required else "no", meaning))
        shape = field.shape
        if isinstance(shape, Items) and isinstance(shape.item, Nested):
            found += rows(shape.item.cls, path + "[].")
        elif isinstance(shape, Nested):
            found += rows(shape.cls, path + ".")
    return found


def table(cls: type) -> str:
    """The Markdown table of a dataclass's keys."""
    lines = ["| key | type | required | meaning |", "| --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(cls)]
    return "\n".join(lines) + "\n"


def write_tables(text: str) -> str:
    """The document with every table between markers written anew from the declarations."""
    kinds = {kind.name: kind for kind in KINDS}

    def replace(match: re.Match) -> str:
        kind = kinds.get(match["name"])
        if kind is None:
            raise ValueError(f"docs: no content kind named {match['name']!r} (kinds: {', '.join(kinds)})")
        return match.group(1) + table(kind.root) + match.group(4)
    return TABLE_RE.sub(replace, text)


def main(argv: list[str]) -> int:
    """Rewrite the tables of docs/content.md, or with --check only compare them; 1 if they were out of date."""
    text = DOC.read_text(encoding="utf-8")
    new = write_tables(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC}: the key tables are out of date: run python -m featuresite.kinds.docs", file=sys.stderr)
            return 1
        return 0
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"rewrote the key tables of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
