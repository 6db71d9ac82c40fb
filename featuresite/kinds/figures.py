"""Figures: the key numbers, cited in prose as {{key}} (data/figures.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from ..declared import Key, PartialDay, TextPair
from ..errors import Diagnostics, Loc
from ..scalars import Enum, Number
from .common import Kind
from .sources import SourceId

if TYPE_CHECKING:
    from ..model import Site
    from ..parse import Parsed


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A key figure, cited in prose as {{key}}."""

    key: Annotated[str, Key("figure")]
    """How prose cites it: `{{talent-total}}`."""
    value: Annotated[int | Decimal, Number()]
    """The figure, written once, in full (`281000`, `117.87e8` or `11787000000`)."""
    unit: TextPair | None = None
    """Appended to the number (`人` / `people`); if it contains `{n}` it is a pattern instead (`{n}%`)."""
    label: TextPair
    """What the figure counts."""
    note: TextPair | None = None
    """Its scope, where the reports differ in scope."""
    as_of: PartialDay | None = None
    """The date the figure refers to."""
    approx: Annotated[str, Enum("exact", "over", "about")] = "exact"
    """How exact it is: `over` writes 超… / more than …, `about` 约… / about …."""
    featured: bool = False
    """Shown as a large numeral on the home page."""
    source: SourceId
    """The source it comes from."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True, kw_only=True)
class Figures:
    """data/figures.yaml."""

    figures: tuple[Figure, ...]
    """The figures, in the order the home page shows the featured ones."""


def warn(site: Site, parsed: Parsed, diags: Diagnostics) -> None:
    """A warning for each figure no article cites and the home page does not feature (none when a file failed
    to parse: it may be the one that cites them)."""
    if parsed.incomplete:
        return
    cited = {ref.target for ref in parsed.references if ref.kind == "figure"}
    for figure in site.figures.values():
        if figure.key not in cited and not figure.featured:
            diags.warning(figure.loc.path, figure.loc.line, figure.loc.col,
                          f"figure '{figure.key}' is not used: cite it in an article as {{{{{figure.key}}}}} "
                          "or set featured: true")


KIND = Kind("figures", Figures, value=lambda sheet: {figure.key: figure for figure in sheet.figures},
            absent=dict, warn=warn)
