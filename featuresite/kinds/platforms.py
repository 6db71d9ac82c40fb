"""Platforms: named laboratories, institutes and facilities, by category (data/platforms.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

from ..declared import Key, MinItems, Ref, TextPair
from ..errors import Diagnostics, Loc
from ..pagekind import PageKind, sheet_file
from .common import Category, Kind, warn_placeholders
from .sources import SourceId

if TYPE_CHECKING:
    from ..model import Site
    from ..parse import Parsed


@dataclass(frozen=True, kw_only=True)
class Fact:
    """One sourced statement about a platform."""

    text: TextPair
    """The statement."""
    source: SourceId
    """The source it comes from."""


@dataclass(frozen=True, kw_only=True)
class Platform:
    """A named platform (laboratory, institute, facility, ...)."""

    slug: Annotated[str, Key("platform")]
    """Its id and its page: `/{lang}/platforms/<slug>/`."""
    category: Annotated[str, Ref("platform category")]
    """Its category."""
    name: TextPair
    """Its name."""
    summary: TextPair
    """What it is, in a sentence."""
    source: SourceId
    """The source it comes from."""
    facts: tuple[Fact, ...] = ()
    """What the sources say of it."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True, kw_only=True)
class Platforms:
    """data/platforms.yaml."""

    categories: Annotated[tuple[Category, ...], MinItems(1), Key("platform category")]
    """Platform categories, in the order written."""
    platforms: tuple[Platform, ...]
    """Platforms, in the order written."""

    def category(self, category_id: str) -> Category:
        """The category with this id."""
        return self._categories[category_id]

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    def get(self, slug: str) -> Platform:
        """The platform with this slug."""
        return self.by_slug[slug]

    @cached_property
    def by_slug(self) -> dict[str, Platform]:
        """Platforms by slug."""
        return {p.slug: p for p in self.platforms}

    def in_category(self, category_id: str) -> list[Platform]:
        """The platforms of one category, in the order written."""
        return [p for p in self.platforms if p.category == category_id]


_PLATFORM_LINK_RE = re.compile(r"(?:platform:|platforms/)([a-z0-9]+(?:-[a-z0-9]+)*)")
"""A link from prose to a platform page: platform:<slug> (hrefs.py), or a relative link to its folder."""


def warn(site: Site, parsed: Parsed, diags: Diagnostics) -> None:
    """Warnings for platforms nothing links to, and for placeholder text left in platforms."""
    if not site.platforms:
        return
    # One pass over the prose, not one per platform: this runs on every build and preview rebuild.
    linked = set(site.events_by_platform) | {
        slug for versions in site.articles.values() for a in versions.values()
        for slug in _PLATFORM_LINK_RE.findall(a.body)}
    # A file that failed to parse named nothing: its platforms would all look unlinked.
    for platform in (site.platforms.platforms if not parsed.incomplete else ()):
        if platform.slug not in linked:
            diags.warning(platform.loc.path, platform.loc.line, platform.loc.col,
                          f"nothing links to platform '{platform.slug}': name it in an event's platforms "
                          f"or link to it from an article ([...](platform:{platform.slug}))")
    warn_placeholders(site.platforms.platforms, diags)


def _platform_source(site, slug):
    platform = site.platforms.get(slug)
    return platform.loc.path, platform.loc.line


PAGES = (
    PageKind("platforms", 50, "{lang}/platforms/", template="platforms.html", sheet="platforms",
             source=sheet_file("platforms")),
    PageKind("platform", 51, "{lang}/platforms/{slug}/", template="platform.html", sheet="platforms",
             items=lambda site: [platform.slug for platform in site.platforms.platforms],
             has_item=lambda site, slug: slug in site.platforms.by_slug,
             context=lambda renderer, site, page, recorder: {"platform": site.platforms.get(page.slug)},
             source=_platform_source),
)
"""The platforms page per language, and a page per platform."""

KIND = Kind("platforms", Platforms, warn=warn,
            pages=PAGES)
