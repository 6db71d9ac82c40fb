"""The content as dataclasses, the Site that holds it, and the one URL rule.

Everything here is built once by the parse and link stages and then only
read: rendering a page depends on the Site and that page alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from .deps import read_whole
from .errors import Loc
from .pages import PAGE_KINDS, locate
from .schema import PartialDate

TextPair = dict[str, str]
"""A text in every site language: {'zh': ..., 'en': ...}."""


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


@dataclass(frozen=True)
class Source:
    """A source report that facts point to."""

    id: str
    """Its id, named by every fact's `source`."""
    title: TextPair
    """Its title."""
    publisher: TextPair | None
    """Who published it."""
    byline: TextPair
    """Who wrote it."""
    date: PartialDate | None
    """When it appeared, if the source states it."""
    url: str | None
    """Where it can be read."""
    note: TextPair | None
    """What it covers."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True)
class Figure:
    """A key figure, cited in prose as {{key}}."""

    key: str
    """Its id."""
    value: int | float
    """The number, written once."""
    unit: TextPair | None
    """Unit text or pattern with {n}, per language."""
    label: TextPair
    """What it counts."""
    note: TextPair | None
    """Its scope."""
    as_of: PartialDate | None
    """The date it refers to."""
    approx: str
    """'exact', 'over' or 'about'."""
    featured: bool
    """Shown on the home page."""
    source: str
    """Source id."""
    loc: Loc
    """Where it is defined."""


@read_whole
@dataclass(frozen=True)
class Category:
    """A category of events or platforms."""

    id: str
    """Its id."""
    name: TextPair
    """Its name."""


@dataclass(frozen=True)
class Event:
    """A dated event on the timeline."""

    id: str
    """Its id, an anchor on the timeline page."""
    date: PartialDate
    """When it happened (or is due)."""
    category: str
    """Category id."""
    title: TextPair
    """What happened."""
    text: TextPair | None
    """More about it."""
    platforms: tuple[str, ...]
    """Slugs of related platforms."""
    articles: tuple[str, ...]
    """Slugs of related articles."""
    source: str
    """Source id."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True)
class Timeline:
    """data/timeline.yaml."""

    categories: tuple[Category, ...]
    """Event categories, in the order written."""
    events: tuple[Event, ...]
    """Events, oldest first."""

    def event(self, event_id: str) -> Event:
        """The event with this id."""
        return self._events[event_id]

    @cached_property
    def _events(self) -> dict[str, Event]:
        return {e.id: e for e in self.events}

    def category(self, category_id: str) -> Category:
        """The category with this id."""
        return self._categories[category_id]

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}


@dataclass(frozen=True)
class Edition:
    """One edition of the ranking."""

    edition: int
    """The edition's year."""
    rank: int
    """The subject's rank (1 = best)."""
    of: int | None
    """How many were ranked, if known."""
    source: str
    """Source id."""


@dataclass(frozen=True)
class Note:
    """A labelled, sourced note (ranking method)."""

    label: TextPair
    """Its heading."""
    text: TextPair
    """Its text."""
    source: str
    """Source id."""


@dataclass(frozen=True)
class Ranking:
    """data/ranking.yaml."""

    title: TextPair
    """The ranking's name."""
    subject: TextPair
    """What is ranked."""
    publisher: TextPair
    """Who publishes it."""
    released: PartialDate | None
    """When the latest edition came out."""
    source: str
    """Source id."""
    editions: tuple[Edition, ...]
    """Editions, oldest first."""
    method: tuple[Note, ...]
    """Notes on the method."""


@dataclass(frozen=True)
class Fact:
    """One sourced statement about a platform."""

    text: TextPair
    """The statement."""
    source: str
    """Source id."""


@dataclass(frozen=True)
class Platform:
    """A named platform (laboratory, institute, facility, ...)."""

    slug: str
    """Its id and URL segment."""
    category: str
    """Category id."""
    name: TextPair
    """Its name."""
    summary: TextPair
    """What it is."""
    source: str
    """Source id."""
    facts: tuple[Fact, ...]
    """What the sources say of it."""
    loc: Loc
    """Where it is defined."""


@dataclass(frozen=True)
class Platforms:
    """data/platforms.yaml."""

    categories: tuple[Category, ...]
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


@dataclass(frozen=True)
class Term:
    """A proper name and its fixed form in every language."""

    name: TextPair
    """The name per language."""
    note: TextPair | None
    """What it is."""


@dataclass(frozen=True)
class Article:
    """One language version of an article."""

    slug: str
    """Shared by its translations."""
    lang: str
    """Language code of this version."""
    path: Path
    """Its Markdown file."""
    title: str
    """Headline."""
    summary: str
    """Standfirst."""
    date: PartialDate
    """First published."""
    updated: PartialDate | None
    """Last updated."""
    byline: str
    """Who wrote it."""
    sources: tuple[str, ...]
    """Source ids."""
    tags: tuple[str, ...]
    """Topics."""
    credit: str | None
    """Credit line."""
    body: str
    """The Markdown after the front matter."""
    body_line: int
    """The file line where the body starts."""


@dataclass(frozen=True)
class Reference:
    """A reference from one piece of content to another, checked by the link stage."""

    kind: str
    """What it names: 'source', 'figure', 'platform', 'article', 'event-category', 'platform-category'."""
    target: str
    """The id it names."""
    loc: Loc
    """Where it is written."""


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

    @property
    def url_path(self) -> str:
        """URL path relative to the base URL ('' for the landing page)."""
        return locate(self.kind, self.lang, self.slug)[0]

    @property
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
    """Everything the render stage needs, gathered and validated; built once, then only read."""

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
    sources: dict[str, Source]
    """Sources by id."""
    figures: dict[str, Figure]
    """Figures by key, in the order written."""
    timeline: Timeline | None
    """The timeline sheet, if any."""
    ranking: Ranking | None
    """The ranking sheet, if any."""
    platforms: Platforms | None
    """The platforms sheet, if any."""
    glossary: tuple[Term, ...] | None = None
    """The glossary of proper names, if any."""
    static_files: dict[str, bytes] = field(default_factory=dict)
    """Files of the static folder by path relative to it (POSIX), copied to static/."""
    media_files: dict[str, bytes] = field(default_factory=dict)
    """Files of content/media/ (images of this feature) by relative path, copied to media/."""
    pages: list[Page] = field(default_factory=list)
    """Every output page, in a fixed order (filled by the link stage)."""
    cited_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Source id -> (kind, id) of everything that cites it (filled by the link stage)."""
    events_by_platform: dict[str, list[Event]] = field(default_factory=dict)
    """Platform slug -> events that name it (filled by the link stage)."""
    events_by_article: dict[str, list[Event]] = field(default_factory=dict)
    """Article slug -> events that name it (filled by the link stage)."""

    def copied(self) -> dict[str, tuple[bytes, Path]]:
        """The files copied into the site as they are: output path -> (bytes, the file they come from)."""
        found = {f"static/{name}": (data, self.static_dir / name) for name, data in self.static_files.items()}
        found.update((f"media/{name}", (data, self.content_dir / "media" / name))
                     for name, data in self.media_files.items())
        return found

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
