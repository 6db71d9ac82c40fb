"""What a page kind is (pages.py gathers them): its route, when a site has it, what makes it, what its template
sees. A module of its own so that content kinds (kinds/) can declare the pages they own without importing
pages.py, which imports them."""
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
    order: int
    """Where its pages stand among all pages (pages.PAGE_KINDS sorts by it): the sitemap lists them so."""
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




def sheet_file(sheet: str) -> Callable[[Site, str | None], Path]:
    """A page kind's source: its fact sheet, data/<sheet>.yaml."""
    return lambda site, slug: site.content_dir / "data" / f"{sheet}.yaml"


def produced_by(name: str) -> Callable[[Site], bytes]:
    """A producer from datafiles.py, imported when first used."""
    def produce(site: Site) -> bytes:
        from . import datafiles
        return getattr(datafiles, name)(site)
    return produce
