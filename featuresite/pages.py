"""Page kinds, each declared once: its route, whether it exists per language or per item, when a site has
it, what makes it (a template or a producer), what its template sees, and where it comes from.

`locate()` (the one URL rule), `link.list_pages`, the renderer, url_for,
the navigation check and the sitemap all read these declarations; nothing
else in the house names a page kind. Adding a page kind is one entry in
PAGE_KINDS and its template (see docs/architecture.md).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deps import Recorder
    from .model import Page, Site
    from .render import Renderer

Context = Callable[["Renderer", "Site", "Page", "Recorder | None"], dict[str, Any]]
"""What a kind adds to its template's names: (renderer, the page's view of the site, page, recorder) -> names."""


@dataclass(frozen=True)
class PageKind:
    """One kind of page."""

    name: str
    """Its name: url_for('name'), page.kind in templates, and an entry of site.yaml's navigation."""
    route: str
    """Its URL path below the base URL, with {lang} and {slug}; one ending in '/' (or empty) is written as
    index.html in that folder."""
    template: str | None = None
    """The template that renders it, if one does."""
    produce: Callable[[Site], bytes] | None = None
    """What writes it when no template does (given the page's view of the site)."""
    items: Callable[[Site], Iterable[str]] | None = None
    """For a page per item: the items' slugs, in page order."""
    has_item: Callable[[Site, str], bool] | None = None
    """Whether the site has an item with this slug (default: it is among items)."""
    sheet: str | None = None
    """The fact sheet (data/<sheet>.yaml) the page shows: a site without that sheet has no such page."""
    when: Callable[[Site], bool] | None = None
    """Any other condition for a site to have the page."""
    context: Context | None = None
    """Names its template sees besides the ones every page sees."""
    source: Callable[[Site, str | None], Path | tuple[Path, int]] | None = None
    """The file (and line) a page of this kind comes from, for messages (default: site.yaml)."""

    @property
    def per_language(self) -> bool:
        """Whether the page exists once per language."""
        return "{lang}" in self.route

    @property
    def is_html(self) -> bool:
        """Whether the page is an HTML page (listed in the sitemap, unless it is the 404 page)."""
        return self.template is not None and self.template.endswith(".html")

    @property
    def navigable(self) -> bool:
        """Whether site.yaml's navigation may name it: an HTML page per language, not per item."""
        return self.per_language and self.items is None and self.is_html

    def present(self, site: Site) -> bool:
        """Whether the site has this kind of page."""
        return ((self.sheet is None or getattr(site, self.sheet) is not None)
                and (self.when is None or bool(self.when(site))))

    def has(self, site: Site, slug: str) -> bool:
        """Whether the site has the page of this item."""
        if self.has_item is not None:
            return self.has_item(site, slug)
        return self.items is not None and slug in self.items(site)


def _article_context(renderer: Renderer, site: Site, page: Page, recorder: Recorder | None) -> dict[str, Any]:
    return {"article": renderer.article_view(site, page.slug, page.lang, recorder)}


def _ranking_context(renderer: Renderer, site: Site, page: Page, recorder: Recorder | None) -> dict[str, Any]:
    from .charts import rank_chart
    return {"chart": rank_chart(site.ranking)}


def _produce(name: str) -> Callable[[Site], bytes]:
    """A producer from datafiles.py, imported when first used."""
    def produce(site: Site) -> bytes:
        from . import datafiles
        return getattr(datafiles, name)(site)
    return produce


def _sheet_file(sheet: str) -> Callable[[Site, str | None], Path]:
    return lambda site, slug: site.content_dir / "data" / f"{sheet}.yaml"


def _platform_source(site: Site, slug: str | None) -> tuple[Path, int]:
    platform = site.platforms.get(slug)
    return platform.loc.path, platform.loc.line


# In page order: the kinds before the first per-language kind come first, then the per-language kinds
# for each language in turn, then the rest (link.list_pages; the sitemap lists pages in this order).
PAGE_KINDS: dict[str, PageKind] = {kind.name: kind for kind in (
    PageKind("landing", "", template="landing.html"),
    PageKind("home", "{lang}/", template="home.html"),
    PageKind("article", "{lang}/articles/{slug}/", template="article.html",
             items=lambda site: site.article_order(), has_item=lambda site, slug: slug in site.articles,
             context=_article_context,
             source=lambda site, slug: site.article_version(slug, site.language_codes[0]).path),
    PageKind("timeline", "{lang}/timeline/", template="timeline.html", sheet="timeline",
             source=_sheet_file("timeline")),
    PageKind("ranking", "{lang}/ranking/", template="ranking.html", sheet="ranking", context=_ranking_context,
             source=_sheet_file("ranking")),
    PageKind("platforms", "{lang}/platforms/", template="platforms.html", sheet="platforms",
             source=_sheet_file("platforms")),
    PageKind("platform", "{lang}/platforms/{slug}/", template="platform.html", sheet="platforms",
             items=lambda site: [platform.slug for platform in site.platforms.platforms],
             has_item=lambda site, slug: slug in site.platforms.by_slug,
             context=lambda renderer, site, page, recorder: {"platform": site.platforms.get(page.slug)},
             source=_platform_source),
    PageKind("glossary", "{lang}/glossary/", template="glossary.html", sheet="glossary",
             source=_sheet_file("glossary")),
    PageKind("sources", "{lang}/sources/", template="sources.html", source=_sheet_file("sources")),
    PageKind("feed", "{lang}/feed.xml", template="feed.xml"),
    PageKind("notfound", "404.html", template="404.html"),
    PageKind("sitemap", "sitemap.xml", template="sitemap.xml"),
    PageKind("robots", "robots.txt", template="robots.txt"),
    PageKind("nojekyll", ".nojekyll", produce=lambda site: b""),
    PageKind("manifest", "manifest.webmanifest", produce=_produce("manifest")),
    PageKind("ranking_csv", "data/ranking.csv", produce=_produce("ranking_csv"), sheet="ranking",
             source=_sheet_file("ranking")),
    PageKind("ranking_json", "data/ranking.json", produce=_produce("ranking_json"), sheet="ranking",
             source=_sheet_file("ranking")),
    PageKind("cname", "CNAME", produce=lambda site: (site.config.cname + "\n").encode(),
             when=lambda site: site.config.cname),
)}
"""Every page kind, by name, in page order."""

NAVIGABLE = tuple(name for name, kind in PAGE_KINDS.items() if kind.navigable)
"""The page names site.yaml's navigation may list."""


def locate(kind: str, lang: str | None = None, slug: str | None = None) -> tuple[str, str]:
    """The page's URL path (relative to the base URL) and output file (relative to the output folder).

    This is the only place that decides where a page lives.
    """
    declared = PAGE_KINDS.get(kind)
    if declared is None:
        raise ValueError(f"unknown page kind {kind!r}")
    if declared.per_language != (lang is not None):
        raise ValueError(f"page kind {kind!r} {'needs' if lang is None else 'takes no'} language")
    if (declared.items is not None) != (slug is not None):
        raise ValueError(f"page kind {kind!r} {'needs' if slug is None else 'takes no'} slug")
    url = declared.route.format(lang=lang, slug=slug)
    return url, (url + "index.html" if url == "" or url.endswith("/") else url)
