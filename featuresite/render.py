"""Stage 5: render pages through the Jinja templates.

Templates get explicit helpers, never a shared mutable context:
`url_for(page_or_kind, lang)`, `t(key)`, `text(pair)`, `static_url(name)`,
`fmt_date`, `fmt_number`, `fmt_figure`. StrictUndefined makes any unknown
name an error that names the template line.
"""
from __future__ import annotations

import difflib
import hashlib
import struct
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .depgraph import DepGraph
from .deps import Recorder, entry, track, unwrap
from .hrefs import EXTERNAL_SCHEMES, MEDIA, PageLinks, locate_links, media_url
from .datafiles import THEME_COLOR
from .formatting import figure_parts, format_date, format_figure, format_number
from .model import Article, Language, Page, Site
from .pages import PAGE_KINDS

LINKABLE = {name: kind for name, kind in PAGE_KINDS.items() if kind.is_html and name not in ("notfound", "landing")}
"""The page kinds prose may link to with <kind>: (hrefs.py)."""
from .prose import ProseConverter, cite_figure

class TemplateProblem(Exception):
    """A template asked for something that does not exist (unknown UI string, page, ...)."""


def _json_ld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json">: `<`, `>` and `&` escaped so no string can end the script."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None, default=unwrap)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


class TemplateBytecode(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder, which holds what it would write until keep() is called
    (a build compiles its templates before it knows the content is valid, and an invalid build writes
    nothing)."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.folder = folder
        """Where compiled templates are kept."""
        self._held: list[jinja2.bccache.Bucket] | None = []

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:  # noqa: D102 (Jinja's)
        if self._held is not None:
            self._held.append(bucket)
        else:
            super().dump_bytecode(bucket)

    def keep(self) -> None:
        """Write what was held back, and from now on write as templates compile."""
        held, self._held = self._held or [], None
        self.folder.mkdir(parents=True, exist_ok=True)
        for bucket in held:
            super().dump_bytecode(bucket)


def make_environment(templates_dir: Path, auto_reload: bool = True,
                     bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: strict about undefined names, escaping HTML and XML.

    auto_reload: re-read a template whose file changed (a long-running
    process); a build reads each once. bytecode_dir: keep compiled templates
    there (Jinja's own cache, keyed by each template's source), once
    env.bytecode_cache.keep() is called.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        auto_reload=auto_reload,
        bytecode_cache=TemplateBytecode(bytecode_dir) if bytecode_dir is not None else None,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json_ld"] = _json_ld
    return env


@dataclass(frozen=True)
class ArticleView:
    """An article as one language's page shows it."""

    version: Article
    """The text shown: the page's language, or the original when untranslated."""
    html: str
    """Its body as HTML."""
    is_fallback: bool
    """True when the page's language has no translation yet."""
    language: Language
    """The language the text is written in."""


class _Forward(Mapping):
    """A mapping that reads through to the current page's view of one (see Renderer.article_view)."""

    def __init__(self) -> None:
        self.target: Mapping = {}
        """The mapping reads go to."""

    def __getitem__(self, key: Any) -> Any:
        return self.target[key]

    def __iter__(self) -> Any:
        return iter(self.target)

    def __len__(self) -> int:
        return len(self.target)


class Renderer:
    """Renders pages of one Site; templates are loaded once, each page depends only on the Site and itself.

    With record=True, each page sees the Site through a recording view (deps.py), and render() also
    gives what the page read; the bytes are the same either way.
    """

    def __init__(self, site: Site, env: jinja2.Environment | None = None, record: bool = False):
        self.site = site
        # A long-running process passes its environment in, so templates are
        # compiled once; Jinja re-reads a template whose file has changed.
        self.env = env or make_environment(site.templates_dir)
        self.record = record
        """Whether pages are rendered through a recording view."""
        self._results: dict[tuple, tuple[Any, Any]] = {}  # see _shared
        self.graph = DepGraph()
        """What the pages rendered so far read (empty unless recording): every recorder of this renderer
        writes its paths into it."""
        self._memo: dict[int, tuple[Any, str]] = {}  # fingerprints of large values (deps.Recorder)
        # The Markdown instances are set up once per language and reused from page to page (setting one
        # up costs as much as converting an article), so they read strings through this, pointed at the
        # current page's view before each conversion; figure citations go through _cite.
        self._strings = _Forward()
        self._citing: Recorder | None = None  # the recorder of the page whose body is being converted
        self._linking = ""  # the language of the page whose body is being converted
        # The bodies come from the Site: the parse stage has measured each against prosebounds.py's limits.
        self.prose = ProseConverter(site.figures, self._strings, cite=self._cite, link=self._link, checked=True)
        """Converts article bodies."""
        self.links: dict[str, PageLinks] = {}
        """What the prose of each page rendered so far links to (hrefs.py), by output path."""
        self._page_links: PageLinks | None = None  # the prose links of the page being rendered
        self._prose_setup: dict[Language, dict] = {}  # what setting up each language's instance read

    def _recorder(self) -> Recorder:
        """A new recorder of reads into this renderer's graph."""
        return Recorder(self.graph.trie, self.graph.values, self._memo)

    # --- helpers exposed to templates -----------------------------------------------------

    def _shared(self, key: tuple, compute: Callable[[Site], Any], recorder: Recorder | None) -> Any:
        """compute(site) once per build for this key, for a helper whose result depends on the Site and its
        arguments alone (URLs, links, UI strings); a recording page is credited with what it read."""
        hit = self._results.get(key)
        if hit is None:
            if self.record:
                reads = self._recorder()
                hit = (compute(track(self.site, reads)), reads.finish())
            else:
                hit = (compute(self.site), None)
            self._results[key] = hit
        if recorder is not None:
            recorder.use(hit[1])
        return hit[0]

    def url_for(self, target: Page | str, lang: str | None = None, slug: str | None = None, *,
                current: str | None = None, absolute: bool = False, recorder: Recorder | None = None) -> str:
        """The URL of a page (a Page or a kind), in `lang` or else `current` (the current page's language, or
        for pages in no language the default one), with the base path."""
        # The common cases, url_for('timeline') and url_for(page, 'en'): the arguments name the page.
        named = ("url-of", target, lang, slug, current, absolute) if type(target) in (str, Page) else None
        if named is not None:
            hit = self._results.get(named)
            if hit is not None:
                if recorder is not None:
                    recorder.use(hit[1])
                return hit[0]
        target = unwrap(target)
        if isinstance(target, Page):
            page = target
            if lang is not None and PAGE_KINDS[page.kind].per_language:
                page = page.in_language(lang)
        else:
            kind = PAGE_KINDS.get(target)
            if kind is not None and kind.per_language:
                lang = lang or current
            page = Page(target, lang if kind is not None and kind.per_language else None, slug)
        url = self._shared(("url", page, absolute), lambda site: self._url(site, page, absolute), recorder)
        if named is not None:
            self._results[named] = self._results[("url", page, absolute)]
        return url

    @staticmethod
    def _url(site: Site, page: Page, absolute: bool) -> str:
        if not site.has_page(page.kind, page.lang, page.slug):
            raise TemplateProblem(f"url_for: there is no page {page.kind} {page.lang or ''} {page.slug or ''}")
        return (site.config.base_url if absolute else site.config.base_path) + page.url_path

    def share_image(self, recorder: Recorder | None) -> dict | None:
        """content/media/share.png as og:image (absolute URL, width, height), if the feature has one."""
        def compute(site: Site) -> dict | None:
            data = site.media_files.get("share.png")
            if not data or data[:8] != b"\x89PNG\r\n\x1a\n":
                return None
            width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR chunk
            return {"url": f"{site.config.base_url}media/share.png", "width": width, "height": height}
        return self._shared(("share-image",), compute, recorder)

    def x_default_url(self, page: Page, default: str, recorder: Recorder | None) -> str:
        """The hreflang x-default target: the landing page for homes, else the page in the default language."""
        if page.kind == "home":
            return self.url_for("landing", absolute=True, recorder=recorder)
        return self.url_for(page, default, absolute=True, recorder=recorder)

    def static_url(self, name: str, recorder: Recorder | None) -> str:
        """URL of a file in static/, with a content hash so browsers may cache it forever."""
        def compute(site: Site) -> str:
            data = site.static_files.get(name)
            if data is None:
                raise TemplateProblem(f"static_url: no file static/{name}")
            return f"{site.config.base_path}static/{name}?v={hashlib.sha256(data).hexdigest()[:10]}"
        return self._shared(("static", name), compute, recorder)

    def string(self, key: str, lang: str, recorder: Recorder | None) -> str:
        """The UI string `key` in a language."""
        def compute(site: Site) -> str:
            text = site.strings.get(key)
            if text is None:
                raise TemplateProblem(f"unknown UI string '{key}': add it to strings.yaml")
            return text[lang]
        return self._shared(("string", key, lang), compute, recorder)

    def language(self, code: str, recorder: Recorder | None) -> Language:
        """The site language with this code (the object itself, for formatting)."""
        return self._shared(("language", code), lambda site: unwrap(site.config.language(code)), recorder)

    def article_link(self, slug: str, lang: str, recorder: Recorder | None) -> Markup:
        """A link to an article from a `lang` page, its title marked with its own language if untranslated."""
        def compute(site: Site) -> Markup:
            version = site.article_version(slug, lang)
            marked = ("" if version.lang == lang
                      else f' lang="{escape(site.config.language(version.lang).html_lang)}"')
            url = self._url(site, Page("article", lang, slug), False)
            return Markup(f'<a href="{escape(url)}"{marked}>{escape(version.title)}</a>')
        return self._shared(("article-link", slug, lang), compute, recorder)

    def platform_link(self, slug: str, lang: str, recorder: Recorder | None) -> Markup:
        """A link to a platform's page from a `lang` page, named in that language."""
        def compute(site: Site) -> Markup:
            url = self._url(site, Page("platform", lang, slug), False)
            return Markup(f'<a href="{escape(url)}">{escape(site.platforms.get(slug).name[lang])}</a>')
        return self._shared(("platform-link", slug, lang), compute, recorder)

    def _cite(self, key: str, language: Language) -> tuple[str, str]:
        """A figure citation in prose (prose.cite_figure), worked out once per build for each figure and
        language: articles cite the same figures again and again."""
        return self._shared(("cite", key, language.code),
                            lambda site: cite_figure(site.figures[key], language, site.strings), self._citing)

    def _link(self, url: str) -> tuple[str, str]:
        """What a link written in prose becomes (hrefs.py): the `kind:` and `media:` forms a URL with the base
        path, worked out once per build for each target and language; anything else as written."""
        scheme, colon, rest = url.partition(":")
        if not colon or not scheme.isidentifier() or scheme in EXTERNAL_SCHEMES:
            return url, ""
        if scheme == MEDIA:
            return self._shared(("media-link", rest),
                                lambda site: media_url(site.config.base_path, site.media_files, rest), self._citing)
        kind = LINKABLE.get(scheme)
        if kind is None:
            near = difflib.get_close_matches(scheme, (*LINKABLE, MEDIA), n=1, cutoff=0.75)
            if not near:
                return url, ""  # another scheme (ftp:, geo:, ...): left to the reader's browser
            return "", (f"the link '{url}' has no known form: did you mean {near[0]}:? (write a web address, "
                        f"media:<file>, or one of {', '.join(name + ':' for name in LINKABLE)})")
        lang = self._linking

        def compute(site: Site) -> tuple[str, str]:
            slug, _, fragment = rest.partition("#")
            if (kind.items is None) != (slug == ""):
                example = f"{scheme}:<slug>" if kind.items is not None else f"{scheme}: (or {scheme}:#anchor)"
                return "", f"the link '{url}' should read {example}"
            if not kind.present(site) or (slug and not kind.has(site, slug)):
                return "", f"the link '{url}' leads nowhere: the site has no {scheme} {slug!r}" if slug else \
                    f"the link '{url}' leads nowhere: the site has no {scheme} page"
            page = Page(scheme, lang if kind.per_language else None, slug or None)
            return site.config.base_path + page.url_path + (f"#{fragment}" if fragment else ""), ""
        return self._shared(("link", url, lang), compute, self._citing)

    def article_view(self, site: Site, slug: str, lang: str, recorder: Recorder | None) -> ArticleView:
        """The article as the `lang` page shows it, with its body rendered."""
        version = site.article_version(slug, lang)
        language = site.config.language(version.lang)
        raw_language = unwrap(language)
        if recorder is not None and raw_language not in self._prose_setup:
            # The converter reads some strings once, when its Markdown instance is set up: record that
            # once, and count it as read by every page that converts in this language.
            setup = self._recorder()
            self._strings.target = track(self.site.strings, setup, entry(setup.trie, "strings"))
            self.prose.convert("", raw_language)
            self._prose_setup[raw_language] = setup.finish()
        if recorder is not None:
            recorder.use(self._prose_setup[raw_language])
        self._strings.target, self._citing, self._linking = site.strings, recorder, lang
        html = self.prose.convert(version.body, raw_language)
        self._page_links = (str(version.path), locate_links(self.prose.links, version.body, version.body_line))
        return ArticleView(version, html, version.lang != lang, language)

    # --- rendering ----------------------------------------------------------------------

    def context(self, page: Page, site: Site, recorder: Recorder | None = None) -> dict[str, Any]:
        """The names a page's template sees (a new dict per page; nothing is shared between pages).

        site: the Site, or the page's recording view of it (and recorder what it records into)."""
        default = site.language_codes[0]
        code = page.lang or default
        language = self.language(code, recorder)

        def lang_of(lang: str | None) -> Language:
            return language if lang is None else self.language(lang, recorder)

        def t(key: str, lang: str | None = None, **values: Any) -> str:
            text = self.string(key, lang or code, recorder)
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
            return text

        def url_for(target: Page | str, lang: str | None = None, slug: str | None = None,
                    absolute: bool = False) -> str:
            return self.url_for(target, lang, slug, current=code, absolute=absolute, recorder=recorder)

        ctx: dict[str, Any] = {
            "site": site,
            "config": site.config,
            "page": page,
            "lang": site.config.language(code),
            "languages": site.config.languages,
            "t": t,
            "text": lambda pair, lang=None: pair[lang or code],
            "url_for": url_for,
            "static_url": lambda name: self.static_url(name, recorder),
            "fmt_number": lambda value, lang=None: format_number(unwrap(value), lang_of(lang)),
            "fmt_date": lambda date, lang=None: format_date(unwrap(date), lang_of(lang)),
            "figure_parts": lambda figure: figure_parts(figure, language, site.strings),
            "fmt_figure": lambda figure, lang=None: format_figure(figure, lang_of(lang), site.strings),
            "x_default_url": lambda target: self.x_default_url(target, default, recorder),
            "theme_color": THEME_COLOR,
            "share_image": self.share_image(recorder),
            # Plain concatenation of escaped parts: Markup.format is several times slower,
            # and lists call these hundreds of times.
            "time_tag": lambda date: Markup(
                f'<time datetime="{date.iso}">{escape(format_date(unwrap(date), language))}</time>'),
            "article_link": lambda slug: self.article_link(slug, code, recorder),
            "platform_link": lambda slug: self.platform_link(slug, code, recorder),
            "source_number": lambda source_id: list(site.sources).index(source_id) + 1,
        }
        context = PAGE_KINDS[page.kind].context
        if context is not None:
            ctx.update(context(self, site, page, recorder))
        return ctx

    def render(self, page: Page) -> tuple[bytes, Recorder | None]:
        """The page's bytes, and (when recording) what it read of the Site (its recorder's finish() is
        what to add to self.graph's reads)."""
        recorder = self._recorder() if self.record else None
        site = track(self.site, recorder) if recorder is not None else self.site
        kind = PAGE_KINDS[page.kind]
        self._page_links = None
        if kind.produce is not None:
            data = kind.produce(site)
        else:
            template = self.env.get_template(kind.template)
            data = template.render(self.context(page, site, recorder)).encode("utf-8")
        if self._page_links is not None:
            self.links[page.output_path] = self._page_links
        return data, recorder
