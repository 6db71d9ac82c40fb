"""Articles: one Markdown file per language, `articles/<slug>.<lang>.md`; the front matter is declared here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from ..declared import DERIVED, Day, Key, MinItems
from ..errors import Loc
from ..reader import Reader
from ..pagekind import PageKind
from .common import PLACEHOLDER, Kind
from .sources import SourceId

if TYPE_CHECKING:
    from ..model import Site


@dataclass(frozen=True, kw_only=True)
class Article:
    """One language version of an article: its front matter, and what its file's name and body give."""

    slug: Annotated[str, Key("article"), DERIVED]
    """Shared by its translations (the file name before `.<lang>.md`)."""
    lang: Annotated[str, DERIVED]
    """Language code of this version."""
    path: Annotated[Path, DERIVED]
    """Its Markdown file."""
    title: str
    """Headline."""
    summary: str
    """Standfirst; also the meta description and feed summary."""
    date: Day
    """First published; **the same in every translation**."""
    updated: Day | None = None
    """Last substantive update; not before `date`."""
    byline: str
    """Who wrote it."""
    sources: Annotated[tuple[SourceId, ...], MinItems(1)]
    """The reports it draws on; the same set in every translation."""
    tags: tuple[str, ...] = ()
    """Topics."""
    credit: str | None = None
    """A credit line naming the original reports, shown under the article."""
    body: Annotated[str, DERIVED]
    """The Markdown after the front matter."""
    body_line: Annotated[int, DERIVED]
    """The file line where the body starts."""


def check(article: Article, reader: Reader) -> Article:
    """A warning when `updated` is before `date`, and when the article still holds placeholder text. (Both
    are about the file alone: found when it is read, they are kept with its parse results.)"""
    if article.updated is not None and article.updated < article.date:
        reader.warning(reader.where(article, "updated"), f"'updated' ({article.updated.iso}) is before 'date' "
                       f"({article.date.iso}): is one of them a typo?")
    if any(PLACEHOLDER in field for field in (article.title, article.summary, article.byline, article.body)):
        reader.warning(Loc(article.path, 1, 1), f"placeholder text '{PLACEHOLDER}' left in this article")
    return article


def roots(site: Site) -> list[Article]:
    """What the reverse index walks: each article once, newest first, in the default language if written."""
    return [site.article_version(slug, site.language_codes[0]) for slug in site.article_order()]


def _article_context(renderer, site, page, recorder):
    return {"article": renderer.article_view(site, page.slug, page.lang, recorder)}


PAGES = (PageKind("article", 20, "{lang}/articles/{slug}/", template="article.html",
                  items=lambda site: site.article_order(), has_item=lambda site, slug: slug in site.articles,
                  context=_article_context,
                  source=lambda site, slug: site.article_version(slug, site.language_codes[0]).path),)
"""An article's page, per language."""

KIND = Kind("articles", Article, sheet=False, check=check, roots=roots,
            pages=PAGES)
