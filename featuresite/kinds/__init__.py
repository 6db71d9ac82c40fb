"""The content kinds, one module each, and their registry.

A kind's module holds its dataclasses (they are its schema, see declared.py), its own checks and warnings,
and a `KIND` (common.Kind) saying how the stages treat it. Discover, parse and link loop over KINDS; adding a
kind is its module and one name below (see docs/kinds.md).
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..declared import Items, Nested, fields_of
from ..reader import Owner, walk
from .common import Kind

if TYPE_CHECKING:
    from ..model import Site

# Order matters: the reverse index walks the kinds in this order, so the sources page lists what cites each
# source in it (articles, figures, ranking, events, platforms); messages list the fact sheets in it.
KINDS: tuple[Kind, ...] = tuple(import_module(f"{__name__}.{name}").KIND for name in (
    "articles", "sources", "figures", "ranking", "timeline", "platforms", "glossary"))
"""Every content kind."""

SHEETS: dict[str, Kind] = {kind.name: kind for kind in KINDS if kind.sheet}
"""The fact sheets (data/<name>.yaml) by name."""


def _ids_declared(cls: type, list_key: str | None = None, seen: set | None = None) -> dict[str, str]:
    """The kinds of the ids that records declared by cls (and the records it holds) define, each with the name
    of the field that holds it ('platform' -> 'slug')."""
    seen = set() if seen is None else seen
    if cls in seen:
        return {}
    seen.add(cls)
    found = {}
    for f in fields_of(cls):
        if f.key is not None:
            found[f.key or list_key] = f.name
        shape = f.shape.item if isinstance(f.shape, Items) else f.shape
        if isinstance(shape, Nested):
            found.update(_ids_declared(shape.cls, f.shape.key if isinstance(f.shape, Items) else None, seen))
    return found


DEFINED_BY: dict[str, Kind] = {id_kind: kind for kind in KINDS for id_kind in _ids_declared(kind.root)}
"""The content kind whose files define each kind of id ('event category' -> the timeline)."""
ID_FIELDS: dict[str, str] = {id_kind: name for kind in KINDS for id_kind, name in _ids_declared(kind.root).items()}
"""The name of the field that holds each kind of id ('platform' -> 'slug'), for docs."""


def _roots(kind: Kind, site: Site) -> Any:
    return kind.roots(site) if kind.roots else getattr(site, kind.name)


def index(site: Site) -> tuple[dict[str, set[str]], dict[tuple[str, str], list[Owner]]]:
    """Every id the site defines, by kind; and what names each (kind, id): the (kind, id, record) of each
    reference's holder, in the order of KINDS and, within a kind, of the Site's content."""
    ids: dict[str, set[str]] = {}
    referrers: dict[tuple[str, str], list[Owner]] = {}
    for kind in KINDS:
        defined: list[Owner] = []
        for ref in walk(_roots(kind, site), (kind.name, "", None), defined):
            referrers.setdefault((ref.kind, ref.target), []).append(ref.owner)
        for id_kind, ident, _ in defined:
            ids.setdefault(id_kind, set()).add(ident)
    return ids, referrers
