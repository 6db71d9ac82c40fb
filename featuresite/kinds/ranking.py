"""The ranking: one ranking of the feature's subject and its editions (data/ranking.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from ..declared import MinItems, PartialDay, TextPair
from ..errors import Loc
from ..reader import Reader
from ..scalars import Int
from ..pagekind import PageKind, produced_by, sheet_file
from .common import Kind
from .sources import SourceId


@dataclass(frozen=True, kw_only=True)
class Edition:
    """One edition of the ranking."""

    edition: Annotated[int, Int(minimum=1)]
    """The edition's year."""
    rank: Annotated[int, Int(minimum=1)]
    """The subject's rank (1 = best)."""
    of: Annotated[int, Int(minimum=1)] | None = None
    """How many were ranked, if known."""
    source: SourceId
    """The source it comes from."""


@dataclass(frozen=True, kw_only=True)
class Note:
    """A labelled, sourced note (ranking method)."""

    label: TextPair
    """Its heading."""
    text: TextPair
    """Its text."""
    source: SourceId
    """The source it comes from."""


@dataclass(frozen=True, kw_only=True)
class Ranking:
    """data/ranking.yaml."""

    title: TextPair
    """The ranking's name."""
    subject: TextPair
    """What is ranked."""
    publisher: TextPair
    """Who publishes it."""
    released: PartialDay | None = None
    """Release date of the latest edition."""
    source: SourceId
    """The source it comes from."""
    editions: Annotated[tuple[Edition, ...], MinItems(1)]
    """One per edition, in any order: the ranking page shows them oldest first."""
    method: tuple[Note, ...] = ()
    """Notes on the method."""


def check(ranking: Ranking, reader: Reader) -> Ranking:
    """Each edition once, ranked within the number ranked (others are reported and left out); oldest first."""
    editions = []
    seen: dict[int, Loc] = {}
    for edition in ranking.editions:
        where = reader.where(edition, "edition")
        if edition.edition in seen:
            reader.error(where, f"duplicate edition {edition.edition} (first at line {seen[edition.edition].line})")
            continue
        seen[edition.edition] = where
        if edition.of is not None and edition.rank > edition.of:
            reader.error(reader.where(edition, "rank"),
                         f"rank {edition.rank} is larger than the number ranked ({edition.of})")
            continue
        editions.append(edition)
    editions.sort(key=lambda edition: edition.edition)
    return reader.replace(ranking, editions=tuple(editions))


def _ranking_context(renderer, site, page, recorder):
    from ..charts import rank_chart
    return {"chart": rank_chart(site.ranking)}


PAGES = (
    PageKind("ranking", 40, "{lang}/ranking/", template="ranking.html", sheet="ranking", context=_ranking_context,
             source=sheet_file("ranking")),
    PageKind("ranking_csv", 140, "data/ranking.csv", produce=produced_by("ranking_csv"), sheet="ranking",
             source=sheet_file("ranking")),
    PageKind("ranking_json", 141, "data/ranking.json", produce=produced_by("ranking_json"), sheet="ranking",
             source=sheet_file("ranking")),
)
"""The ranking page per language, and its data as CSV and JSON ("get the data")."""

KIND = Kind("ranking", Ranking, check=check,
            pages=PAGES)
