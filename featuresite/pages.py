"""Page kinds, each declared once (pagekind.PageKind): its route, whether it exists per language or per
item, when a site has it, what makes it (a template or a producer), what its template sees, and where it
comes from. The pages a content kind owns are declared in its module (kinds/, Kind.pages); the others here.

`locate()` (the one URL rule), `link.list_pages`, the renderer, url_for,
the navigation check and the sitemap all read PAGE_KINDS; nothing else in
the house names a page kind. Adding a page kind is one declaration and its
template (see docs/architecture.md).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .kinds import KINDS
from .pagekind import PageKind, produced_by

if TYPE_CHECKING:
    from .deps import Recorder
    from .model import Page, Site
    from .render import Renderer

BROWSE = ("platforms", "timeline", "glossary")
"""The pages the search page offers instead of search when the browser runs no JavaScript (those the site has)."""


def _search_context(renderer: Renderer, site: Site, page: Page, recorder: Recorder | None) -> dict[str, Any]:
    """The search page's names: `browse`, the BROWSE pages the site has."""
    return {"browse": [name for name in BROWSE if PAGE_KINDS[name].present(site)]}


# The pages no content kind owns. In page order (`order`): the kinds before the first per-language kind come
# first, then the per-language kinds for each language in turn, then the rest (link.list_pages); a content
# kind's own pages (kinds/, Kind.pages) take their places among these by their order.
_CORE = (
    PageKind("landing", 0, "", template="landing.html"),
    PageKind("home", 10, "{lang}/", template="home.html"),
    # Search (search.py writes its index): the one page that runs JavaScript.
    PageKind("search", 75, "{lang}/search/", template="search.html", context=_search_context,
             when=lambda site: site.config.search),
    PageKind("feed", 80, "{lang}/feed.xml", template="feed.xml"),
    PageKind("notfound", 90, "404.html", template="404.html"),
    PageKind("sitemap", 100, "sitemap.xml", template="sitemap.xml"),
    PageKind("robots", 110, "robots.txt", template="robots.txt"),
    PageKind("nojekyll", 120, ".nojekyll", produce=lambda site: b""),
    PageKind("manifest", 130, "manifest.webmanifest", produce=produced_by("manifest")),
    PageKind("cname", 150, "CNAME", produce=lambda site: (site.config.cname + "\n").encode(),
             when=lambda site: site.config.cname),
)

PAGE_KINDS: dict[str, PageKind] = {kind.name: kind for kind in sorted(
    (*_CORE, *(page for content in KINDS for page in content.pages)), key=lambda kind: kind.order)}
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
