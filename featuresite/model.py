"""The site's settings, the Site that holds all content, and pages (with the one URL rule).

The content itself is declared by the content kinds (featuresite/kinds/, one
module per kind); their dataclasses are also importable from here. Everything
is built once by the parse and link stages and then only read: rendering a
page depends on the Site and that page alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .declared import TextPair
from .deps import read_whole
from .errors import Loc
from .kinds import SHEETS
from .kinds.articles import Article
from .kinds.common import Category
from .kinds.figures import Figure
from .kinds.glossary import Term
from .kinds.platforms import Fact, Platform, Platforms
from .kinds.ranking import Edition, Note, Ranking
from .kinds.sources import Source
from .kinds.timeline import Event, Timeline
from .pages import PAGE_KINDS, locate
from .reader import Owner, Reference
from .schema import PartialDate

__all__ = ["Article", "Category", "Edition", "Event", "Fact", "Figure", "Language", "Note", "Page", "Platform",
           "Platforms", "Ranking", "Reference", "Site", "SiteConfig", "Source", "Term", "TextPair", "Timeline",
           "locate"]


@read_whole
@dataclass(frozen=True)
class Language:
    """One site language, from site.yaml."""

    code: str
    """URL prefix and file-name suffix: 'zh'."""
    html_lang: str
    """The pages' lang attribute: 'zh-CN'."""
    locale: str
    """Babel locale for numbers and dates: 'zh_Hans_CN'."""
    name: str
    """The language's own name: '中文'."""
    compact_numbers_from: int | None
    """Numbers at least this large are written compactly (28.1万); None: never."""


@read_whole
@dataclass(frozen=True)
class SiteConfig:
    """site.yaml, validated."""

    path: Path
    """The site.yaml file."""
    title: TextPair
    """The feature's title."""
    description: TextPair
    """Standfirst and meta description."""
    base_url: str
    """Absolute URL of the site's root, always ending in '/'."""
    languages: tuple[Language, ...]
    """The languages, default first."""
    navigation: tuple[str, ...]
    """Page names in menu order."""
    navigation_locs: tuple[Loc, ...]
    """Where each navigation entry is written."""
    language_locs: tuple[Loc, ...]
    """Where each language is declared."""
    editors: TextPair | None
    """Who edits the site."""
    cname: str | None
    """Custom domain for GitHub Pages."""
    search: bool = True
    """Whether the site has its search page, and the search index (search.py) with it."""

    @property
    def default_language(self) -> Language:
        """The first language listed."""
        return self.languages[0]

    @property
    def base_path(self) -> str:
        """The path part of base_url: '/' or '/feature/'."""
        return urlsplit(self.base_url).path or "/"

    def language(self, code: str) -> Language:
        """The language with this code."""
        return next(lang for lang in self.languages if lang.code == code)


@read_whole
@dataclass(frozen=True)
class Page:
    """One output file to render: its kind, language and slug."""

    kind: str
    """'home', 'article', 'feed', ... (a name in pages.PAGE_KINDS)."""
    lang: str | None = None
    """Language code, for per-language pages."""
    slug: str | None = None
    """Article or platform slug."""

    # (worked out once per page: every stage asks for them, a rebuild thousands of times)
    @cached_property
    def url_path(self) -> str:
        """URL path relative to the base URL ('' for the landing page)."""
        return locate(self.kind, self.lang, self.slug)[0]

    @cached_property
    def output_path(self) -> str:
        """File path relative to the output folder."""
        return locate(self.kind, self.lang, self.slug)[1]

    @property
    def is_html(self) -> bool:
        """Whether the page is an HTML page (in the sitemap, with a template)."""
        return PAGE_KINDS[self.kind].is_html

    def in_language(self, lang: str) -> "Page":
        """The same page in another language."""
        return Page(self.kind, lang, self.slug)


@dataclass
class Site:
    """Everything the render stage needs, gathered and validated; built once, then only read.

    Each fact sheet is read as an attribute named after its kind (site.timeline, site.sources, ...): what the
    kind's file gave, or, without the file, the kind's `absent` value (None for most; {} for sources and
    figures)."""

    config: SiteConfig
    """site.yaml."""
    content_dir: Path
    """The content folder."""
    templates_dir: Path
    """The templates folder."""
    static_dir: Path
    """The static assets folder (copied to static/)."""
    strings: dict[str, TextPair]
    """UI strings by key."""
    articles: dict[str, dict[str, Article]]
    """Articles by slug, then language code (a missing language is a missing translation)."""
    sheets: dict[str, Any] = field(default_factory=dict)
    """The fact sheets by kind name (kinds.SHEETS), as each kind holds them: sources and figures by id, ..."""
    static_files: dict[str, bytes] = field(default_factory=dict)
    """Files of the static folder by path relative to it (POSIX), copied to static/."""
    media_files: dict[str, bytes] = field(default_factory=dict)
    """Files of content/media/ (images of this feature) by relative path, copied to media/."""
    pages: list[Page] = field(default_factory=list)
    """Every output page, in a fixed order (filled by the link stage)."""
    referrers: dict[tuple[str, str], list[Owner]] = field(default_factory=dict)
    """(kind, id) -> what names it: (kind, id, record) of each reference's holder, in the registry's and the
    content's order (filled by the link stage; see kinds.index)."""

    def __getattr__(self, name: str) -> Any:
        # Only asked for names that are no attribute: a fact sheet, by its kind's name.
        kind = SHEETS.get(name)
        sheets = self.__dict__.get("sheets")
        if kind is None or sheets is None:
            raise AttributeError(f"'Site' object has no attribute {name!r}")
        return sheets[name] if name in sheets else kind.absent()

    # The reverse indexes the templates read, derived from the references (`referrers`).

    @cached_property
    def cited_by(self) -> dict[str, list[tuple[str, str]]]:
        """Source id -> (kind, id) of everything that cites it, each once."""
        cited: dict[str, list[tuple[str, str]]] = {source: [] for source in self.sources}
        for (kind, target), owners in self.referrers.items():
            if kind == "source":
                cited[target] = list(dict.fromkeys((owner_kind, ident) for owner_kind, ident, _ in owners))
        return cited

    @cached_property
    def events_by_platform(self) -> dict[str, list[Event]]:
        """Platform slug -> events that name it."""
        return self._named_by("platform", "event")

    @cached_property
    def events_by_article(self) -> dict[str, list[Event]]:
        """Article slug -> events that name it."""
        return self._named_by("article", "event")

    def _named_by(self, kind: str, holder: str) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for (named, target), owners in self.referrers.items():
            if named == kind:
                records = [record for owner_kind, _, record in owners if owner_kind == holder]
                if records:
                    found[target] = records
        return found

    def copied(self) -> dict[str, tuple[bytes, Path]]:
        """The files copied into the site as they are: output path -> (bytes, the file they come from)."""
        found = {f"static/{name}": (data, self.static_dir / name) for name, data in self.static_files.items()}
        found.update((f"media/{name}", (data, self.content_dir / "media" / name))
                     for name, data in self.media_files.items())
        return found

    def output_files(self) -> set[str]:
        """Every output path of the site: its pages and copied files."""
        return {page.output_path for page in self.pages} | set(self.copied())

    def has_page(self, kind: str, lang: str | None = None, slug: str | None = None) -> bool:
        """Whether the site has this page: its kind is present, in a language the site has, with this item.
        (One call, so that a page linking to another records one read, not all that the answer looks at.)"""
        declared = PAGE_KINDS.get(kind)
        return (declared is not None and declared.present(self)
                and (slug is None or declared.has(self, slug))
                and (lang is None or lang in self.language_codes))

    def article_order(self) -> list[str]:
        """Article slugs, newest first (then by slug, so the order never depends on the disk)."""
        return list(self._article_order)

    @cached_property
    def _article_order(self) -> tuple[str, ...]:
        # Computed once: the Site is only read after the link stage.
        def key(slug: str):
            version = next(iter(self.articles[slug].values()))
            return (-version.date.as_date().toordinal(), slug)
        return tuple(sorted(self.articles, key=key))

    def article_version(self, slug: str, lang: str) -> Article:
        """The article in this language, or, when untranslated, in the first language it exists in."""
        versions = self.articles[slug]
        if lang in versions:
            return versions[lang]
        for language in self.config.languages:
            if language.code in versions:
                return versions[language.code]
        raise KeyError(slug)

    def articles_in(self, lang: str, limit: int | None = None) -> list[str]:
        """Slugs of the articles written in this language, newest first (at most `limit`)."""
        return [slug for slug in self._article_order if lang in self.articles[slug]][:limit]

    def latest_update(self, lang: str) -> PartialDate | None:
        """The newest `updated` or `date` among articles written in this language (for feeds)."""
        dates = [a.updated or a.date for versions in self.articles.values() for code, a in versions.items()
                 if code == lang]
        return max(dates, default=None)

    @cached_property
    def language_codes(self) -> tuple[str, ...]:
        """Language codes, default first."""
        return tuple(lang.code for lang in self.config.languages)
