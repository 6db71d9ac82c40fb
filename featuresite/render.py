"""Stage 5: render pages through the Jinja templates.

Templates get explicit helpers, never a shared mutable context:
`url_for(page_or_kind, lang)`, `t(key)`, `text(pair)`, `static_url(name)`,
`fmt_date`, `fmt_number`, `fmt_figure`. StrictUndefined makes any unknown
name an error that names the template line.
"""
from __future__ import annotations

import hashlib
import struct
import json
import traceback
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .charts import rank_chart
from .datafiles import THEME_COLOR, manifest, ranking_csv, ranking_json
from .errors import Diagnostics
from .formatting import figure_parts, format_date, format_figure, format_number
from .model import PER_LANGUAGE_KINDS, Article, Language, Page, Site
from .prose import ProseConverter
from .workers import can_fork, cores, fork_map
from .write import write_file

TEMPLATE_FOR_KIND = {
    "landing": "landing.html",
    "home": "home.html",
    "article": "article.html",
    "timeline": "timeline.html",
    "ranking": "ranking.html",
    "platforms": "platforms.html",
    "platform": "platform.html",
    "glossary": "glossary.html",
    "sources": "sources.html",
    "notfound": "404.html",
    "feed": "feed.xml",
    "sitemap": "sitemap.xml",
    "robots": "robots.txt",
}
"""The template that renders each page kind (.nojekyll and CNAME need none)."""


DATA_FILES = {"ranking_csv": ranking_csv, "ranking_json": ranking_json, "manifest": manifest}
"""Files written from the Site by Python, not by a template."""


class TemplateProblem(Exception):
    """A template asked for something that does not exist (unknown UI string, page, ...)."""


def _json_ld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json">: `<`, `>` and `&` escaped so no string can end the script."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def make_environment(templates_dir: Path, auto_reload: bool = True,
                     bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: strict about undefined names, escaping HTML and XML.

    auto_reload: re-read a template whose file changed (a long-running
    process); a build reads each once. bytecode_dir: keep compiled templates
    there (Jinja's own cache, keyed by each template's source).
    """
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        auto_reload=auto_reload,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir is not None else None,
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


class Renderer:
    """Renders pages of one Site; templates are loaded once, each page depends only on the Site and itself."""

    def __init__(self, site: Site, env: jinja2.Environment | None = None):
        self.site = site
        # A long-running process passes its environment in, so templates are
        # compiled once; Jinja re-reads a template whose file has changed.
        self.env = env or make_environment(site.templates_dir)
        self._urls: dict[tuple[Page, bool], str] = {}  # every page's URL is computed once
        self.static_versions = {
            name: hashlib.sha256(data).hexdigest()[:10] for name, data in site.static_files.items()}

    # --- helpers exposed to templates -------------------------------------------------

    def url_for(self, target: Page | str, lang: str | None = None, slug: str | None = None, *,
                current: Page | None = None, absolute: bool = False) -> str:
        """The URL of a page (a Page or a kind), in `lang` or the current page's language, with the base path."""
        if isinstance(target, Page):
            page = target
            if lang is not None and page.kind in PER_LANGUAGE_KINDS:
                page = page.in_language(lang)
        else:
            kind = target
            if kind in PER_LANGUAGE_KINDS:
                lang = lang or (current.lang if current else None) or self.site.language_codes[0]
            page = Page(kind, lang if kind in PER_LANGUAGE_KINDS else None, slug)
        known = self._urls.get((page, absolute))
        if known is None:
            self._check_exists(page)
            base = self.site.config.base_url if absolute else self.site.config.base_path
            known = self._urls[(page, absolute)] = base + page.url_path
        return known

    def _check_exists(self, page: Page) -> None:
        site = self.site
        missing = (
            (page.kind == "article" and page.slug not in site.articles)
            or (page.kind == "platform" and (not site.platforms or page.slug not in site.platforms.by_slug))
            or (page.kind in ("timeline", "ranking", "platforms", "glossary")
                and getattr(site, page.kind) is None)
            or (page.lang is not None and page.lang not in site.language_codes))
        if missing:
            raise TemplateProblem(f"url_for: there is no page {page.kind} {page.lang or ''} {page.slug or ''}")

    @cached_property
    def prose(self) -> ProseConverter:
        """Converts article bodies (its Markdown instances are reused from page to page)."""
        return ProseConverter(self.site.figures, self.site.strings)

    @cached_property
    def share_image(self) -> dict | None:
        """content/media/share.png as og:image (absolute URL, width, height), if the feature has one."""
        data = self.site.media_files.get("share.png")
        if not data or data[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR chunk
        return {"url": f"{self.site.config.base_url}media/share.png", "width": width, "height": height}

    def x_default_url(self, page: Page) -> str:
        """The hreflang x-default target: the landing page for homes, else the default-language page."""
        if page.kind == "home":
            return self.url_for("landing", absolute=True)
        return self.url_for(page, self.site.language_codes[0], absolute=True)

    def static_url(self, name: str) -> str:
        """URL of a file in static/, with a content hash so browsers may cache it forever."""
        if name not in self.static_versions:
            raise TemplateProblem(f"static_url: no file static/{name}")
        return f"{self.site.config.base_path}static/{name}?v={self.static_versions[name]}"

    def string(self, key: str, lang: str) -> str:
        """The UI string `key` in a language."""
        if key not in self.site.strings:
            raise TemplateProblem(f"unknown UI string '{key}': add it to strings.yaml")
        return self.site.strings[key][lang]

    def article_link(self, slug: str, lang: str) -> Markup:
        """A link to an article from a `lang` page, its title marked with its own language if untranslated."""
        version = self.site.article_version(slug, lang)
        marked = "" if version.lang == lang else f' lang="{escape(self.site.config.language(version.lang).html_lang)}"'
        return Markup(f'<a href="{escape(self.url_for("article", lang, slug))}"{marked}>{escape(version.title)}</a>')

    def article_view(self, slug: str, lang: str) -> ArticleView:
        """The article as the `lang` page shows it, with its body rendered."""
        version = self.site.article_version(slug, lang)
        language = self.site.config.language(version.lang)
        html = self.prose.convert(version.body, language)
        return ArticleView(version, html, version.lang != lang, language)

    # --- rendering ----------------------------------------------------------------------

    def context(self, page: Page) -> dict[str, Any]:
        """The names a page's template sees (a new dict per page; nothing is shared between pages)."""
        site = self.site
        code = page.lang or site.language_codes[0]
        language = site.config.language(code)

        def t(key: str, lang: str | None = None, **values: Any) -> str:
            text = self.string(key, lang or code)
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
            return text

        def url_for(target: Page | str, lang: str | None = None, slug: str | None = None,
                    absolute: bool = False) -> str:
            return self.url_for(target, lang, slug, current=page, absolute=absolute)

        ctx: dict[str, Any] = {
            "site": site,
            "config": site.config,
            "page": page,
            "lang": language,
            "languages": site.config.languages,
            "t": t,
            "text": lambda pair, lang=None: pair[lang or code],
            "url_for": url_for,
            "static_url": self.static_url,
            "fmt_number": lambda value, lang=None: format_number(value, site.config.language(lang or code)),
            "fmt_date": lambda date, lang=None: format_date(date, site.config.language(lang or code)),
            "figure_parts": lambda figure: figure_parts(figure, language, site.strings),
            "fmt_figure": lambda figure, lang=None: format_figure(
                figure, site.config.language(lang or code), site.strings),
            "x_default_url": self.x_default_url,
            "theme_color": THEME_COLOR,
            "share_image": self.share_image,
            # Plain concatenation of escaped parts: Markup.format is several times slower,
            # and lists call these hundreds of times.
            "time_tag": lambda date: Markup(
                f'<time datetime="{date.iso}">{escape(format_date(date, language))}</time>'),
            "article_link": lambda slug: self.article_link(slug, code),
            "platform_link": lambda slug: Markup(
                f'<a href="{escape(self.url_for("platform", code, slug))}">'
                f'{escape(site.platforms.get(slug).name[code])}</a>'),
            "source_number": lambda source_id: list(site.sources).index(source_id) + 1,
        }
        if page.kind == "article":
            ctx["article"] = self.article_view(page.slug, code)
        if page.kind == "platform":
            ctx["platform"] = next(p for p in site.platforms.platforms if p.slug == page.slug)
        if page.kind == "ranking":
            ctx["chart"] = rank_chart(site.ranking)
        return ctx

    def render(self, page: Page) -> bytes:
        """The page's bytes."""
        if page.kind == "nojekyll":
            return b""
        if page.kind == "cname":
            return (self.site.config.cname + "\n").encode()
        if page.kind in DATA_FILES:
            return DATA_FILES[page.kind](self.site)
        template = self.env.get_template(TEMPLATE_FOR_KIND[page.kind])
        return template.render(self.context(page)).encode("utf-8")


def _template_location(exc: BaseException, templates_dir: Path) -> tuple[Path, int]:
    """The innermost template file and line in the exception's traceback."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Path(exc.filename), exc.lineno or 1
    root = str(templates_dir.resolve())
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and str(Path(frame.filename).resolve()).startswith(root):
            return Path(frame.filename), frame.lineno or 1
    return templates_dir, 1


def check_templates(site: Site, diags: Diagnostics, env: jinja2.Environment | None = None) -> None:
    """Compile every template once, so syntax errors are reported even for unused ones."""
    env = env or make_environment(site.templates_dir)
    for name in sorted(env.list_templates()):
        if name.endswith((".html", ".xml", ".txt")):
            try:
                env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                path, line = _template_location(exc, site.templates_dir)
                diags.error(path, line, 1, f"template syntax error: {exc.message}")


PARALLEL_FROM = 400
"""Fewer pages than this render in the calling process: starting workers would cost more than it saves."""


def _render_serially(site: Site, pages: list[Page], env: jinja2.Environment | None, write_to: Path | None
                     ) -> tuple[dict[str, Any], list[tuple[Path, int, str, str]]]:
    """Render pages in this process: (output, problems as (template, line, message, page path)).

    The output is each page's bytes, or, with write_to, the stamp of the file
    written there (each page is written as soon as it is rendered).
    """
    renderer = Renderer(site, env)
    output: dict[str, Any] = {}
    problems = []
    for page in pages:
        try:
            data = renderer.render(page)
        except (jinja2.TemplateError, TemplateProblem, LookupError, TypeError, ValueError,
                AttributeError) as exc:
            path, line = _template_location(exc, site.templates_dir)
            message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
            problems.append((path, line, message, page.output_path))
            continue
        output[page.output_path] = data if write_to is None else write_file(write_to, page.output_path, data)
    return output, problems


_FORKED_SITE: Site | None = None
"""The Site a forked worker inherited from its parent (set just before the pool forks)."""
_FORKED_ENV: jinja2.Environment | None = None
"""The Jinja environment, its templates already compiled, a forked worker inherited likewise."""


def _render_share(pages: list[Page], write_to: Path | None):
    return _render_serially(_FORKED_SITE, pages, _FORKED_ENV, write_to)


def render_pages(site: Site, pages: list[Page], diags: Diagnostics,
                 env: jinja2.Environment | None = None, workers: int | None = None,
                 parallel_from: int = PARALLEL_FROM, write_to: Path | None = None) -> dict[str, Any]:
    """Render the pages: their bytes by output path; a template error is reported at its template line,
    once per distinct problem.

    With write_to, each page is written into that folder as soon as it is
    rendered (by whichever process rendered it), and the result holds the
    files' stamps (write.FileStamp) instead of their bytes.

    Large sites render in `workers` forked processes (default: one per core).
    Each page depends only on the Site and itself, so the split cannot change
    a byte of the output; results are gathered in page order.
    """
    global _FORKED_SITE, _FORKED_ENV
    workers = workers or cores()
    if workers > 1 and len(pages) >= parallel_from and can_fork():
        # Interleaved shares balance cheap and expensive pages; fork hands each worker the Site
        # (and the compiled templates) without pickling them.
        shares = [pages[i::workers] for i in range(workers)]
        _FORKED_SITE, _FORKED_ENV = site, env
        try:
            results = fork_map(_render_share, shares, [write_to] * workers)
        finally:
            _FORKED_SITE = _FORKED_ENV = None
        rendered: dict[str, Any] = {}
        problems = []
        for output, found in results:
            rendered.update(output)
            problems += found
        output = {page.output_path: rendered[page.output_path] for page in pages if page.output_path in rendered}
        order = {page.output_path: i for i, page in enumerate(pages)}
        problems.sort(key=lambda p: order[p[3]])
    else:
        output, problems = _render_serially(site, pages, env, write_to)
    reported: set[tuple[Path, int, str]] = set()
    for path, line, message, page_path in problems:
        if (path, line, message) not in reported:  # the same fault on every page is reported once
            reported.add((path, line, message))
            diags.error(path, line, 1, f"template error: {message} (while rendering {page_path})")
    return output
