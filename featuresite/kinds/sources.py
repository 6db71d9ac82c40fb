"""Sources: the reports every fact points to (data/sources.yaml; every site has one)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from ..declared import Key, MinItems, PartialDay, Ref, TextPair
from ..errors import Loc
from ..scalars import Url
from ..pagekind import PageKind, sheet_file
from .common import Kind

SourceId = Annotated[str, Ref("source")]
"""The id of a source in data/sources.yaml: what every figure, event, edition and platform fact names."""


@dataclass(frozen=True, kw_only=True)
class Source:
    """A source report that facts point to."""

    id: Annotated[str, Key("source")]
    """Its id, named by every fact's `source`."""
    title: TextPair
    """Its title."""
    publisher: TextPair | None = None
    """Who published it."""
    byline: TextPair
    """Who wrote it: `{zh: 记者 某某, en: "Reporter: ..."}`."""
    date: PartialDay | None = None
    """When it appeared: only if the source states it."""
    url: Annotated[str, Url()] | None = None
    """Where it can be read."""
    note: TextPair | None = None
    """What it is."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True, kw_only=True)
class Sources:
    """data/sources.yaml."""

    sources: Annotated[tuple[Source, ...], MinItems(1)]
    """The sources, in the order the sources page lists them."""


PAGES = (PageKind("sources", 70, "{lang}/sources/", template="sources.html", source=sheet_file("sources")),)
"""The sources page, per language: every source and what cites it."""

KIND = Kind("sources", Sources, required="every fact names a source from it",
            value=lambda sheet: {source.id: source for source in sheet.sources}, absent=dict,
            pages=PAGES)
