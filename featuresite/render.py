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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup, escape

from .charts import rank_chart
from .deps import DepGraph, Recorder, track, unwrap
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
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None, default=unwrap)
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
        self._urls: dict[tuple[Page, bool], str] = {}  # without recording, every page's URL is computed once
        self._memo: dict[int, tuple[Any, str]] = {}  # fingerprints of large values (deps.Recorder)
        self._static_versions: dict[str, str] = {}
        # The Markdown instances are set up once per language and reused from page to page (setting one
        # up costs as much as converting an article), so they read figures and strings through these,
        # pointed at the current page's view before each conversion.
        self._figures, self._strings = _Forward(), _Forward()
        self.prose = ProseConverter(self._figures, self._strings)
        """Converts article bodies."""
        self._prose_setup: dict[Language, dict] = {}  # what setting up each language's instance read

    # --- helpers exposed to templates (site: the page's view of the Site) ---------------

    def url_for(self, site: Site, target: Page | str, lang: str | None = None, slug: str | None = None, *,
                current: Page | None = None, absolute: bool = False) -> str:
        """The URL of a page (a Page or a kind), in `lang` or the current page's language, with the base path."""
        target = unwrap(target)
        if isinstance(target, Page):
            page = target
            if lang is not None and page.kind in PER_LANGUAGE_KINDS:
                page = page.in_language(lang)
        else:
            kind = target
            if kind in PER_LANGUAGE_KINDS:
                lang = lang or (current.lang if current else None) or site.language_codes[0]
            page = Page(kind, lang if kind in PER_LANGUAGE_KINDS else None, slug)
        known = None if self.record else self._urls.get((page, absolute))
        if known is None:
            self._check_exists(site, page)
            base = site.config.base_url if absolute else site.config.base_path
            known = base + page.url_path
            if not self.record:
                self._urls[(page, absolute)] = known
        return known

    @staticmethod
    def _check_exists(site: Site, page: Page) -> None:
        missing = (
            (page.kind == "article" and page.slug not in site.articles)
            or (page.kind == "platform" and (not site.platforms or page.slug not in site.platforms.by_slug))
            or (page.kind in ("timeline", "ranking", "platforms", "glossary")
                and getattr(site, page.kind) is None)
            or (page.lang is not None and page.lang not in site.language_codes))
        if missing:
            raise TemplateProblem(f"url_for: there is no page {page.kind} {page.lang or ''} {page.slug or ''}")

    @staticmethod
    def share_image(site: Site) -> dict | None:
        """content/media/share.png as og:image (absolute URL, width, height), if the feature has one."""
        data = site.media_files.get("share.png")
        if not data or data[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR chunk
        return {"url": f"{site.config.base_url}media/share.png", "width": width, "height": height}

    def x_default_url(self, site: Site, page: Page) -> str:
        """The hreflang x-default target: the landing page for homes, else the default-language page."""
        if page.kind == "home":
            return self.url_for(site, "landing", absolute=True)
        return self.url_for(site, page, site.language_codes[0], absolute=True)

    def static_url(self, site: Site, name: str) -> str:
        """URL of a file in static/, with a content hash so browsers may cache it forever."""
        data = site.static_files.get(name)
        if data is None:
            raise TemplateProblem(f"static_url: no file static/{name}")
        version = self._static_versions.get(name)
        if version is None:
            version = self._static_versions[name] = hashlib.sha256(data).hexdigest()[:10]
        return f"{site.config.base_path}static/{name}?v={version}"

    @staticmethod
    def string(site: Site, key: str, lang: str) -> str:
        """The UI string `key` in a language."""
        text = site.strings.get(key)
        if text is None:
            raise TemplateProblem(f"unknown UI string '{key}': add it to strings.yaml")
        return text[lang]

    def article_link(self, site: Site, slug: str, lang: str) -> Markup:
        """A link to an article from a `lang` page, its title marked with its own language if untranslated."""
        version = site.article_version(slug, lang)
        marked = "" if version.lang == lang else f' lang="{escape(site.config.language(version.lang).html_lang)}"'
        return Markup(f'<a href="{escape(self.url_for(site, "article", lang, slug))}"{marked}>'
                      f'{escape(version.title)}</a>')

    def article_view(self, site: Site, slug: str, lang: str, recorder: Recorder | None) -> ArticleView:
        """The article as the `lang` page shows it, with its body rendered."""
        version = site.article_version(slug, lang)
        language = site.config.language(version.lang)
        raw_language = unwrap(language)
        if recorder is not None and raw_language not in self._prose_setup:
            # The converter reads some strings once, when its Markdown instance is set up: record that
            # once, and count it as read by every page that converts in this language.
            setup = Recorder(self._memo)
            self._figures.target, self._strings.target = track(self.site.figures, setup, ("figures",)), \
                track(self.site.strings, setup, ("strings",))
            self.prose.convert("", raw_language)
            self._prose_setup[raw_language] = setup.reads
        if recorder is not None:
            recorder.merge(self._prose_setup[raw_language])
        self._figures.target, self._strings.target = site.figures, site.strings
        html = self.prose.convert(version.body, raw_language)
        return ArticleView(version, html, version.lang != lang, language)

    # --- rendering ----------------------------------------------------------------------

    def context(self, page: Page, site: Site, recorder: Recorder | None = None) -> dict[str, Any]:
        """The names a page's template sees (a new dict per page; nothing is shared between pages).

        site: the Site, or the page's recording view of it."""
        code = page.lang or site.language_codes[0]
        language = site.config.language(code)

        def lang_of(lang: str | None) -> Language:
            return unwrap(site.config.language(lang or code))

        def t(key: str, lang: str | None = None, **values: Any) -> str:
            text = self.string(site, key, lang or code)
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
            return text

        def url_for(target: Page | str, lang: str | None = None, slug: str | None = None,
                    absolute: bool = False) -> str:
            return self.url_for(site, target, lang, slug, current=page, absolute=absolute)

        ctx: dict[str, Any] = {
            "site": site,
            "config": site.config,
            "page": page,
            "lang": language,
            "languages": site.config.languages,
            "t": t,
            "text": lambda pair, lang=None: pair[lang or code],
            "url_for": url_for,
            "static_url": lambda name: self.static_url(site, name),
            "fmt_number": lambda value, lang=None: format_number(unwrap(value), lang_of(lang)),
            "fmt_date": lambda date, lang=None: format_date(unwrap(date), lang_of(lang)),
            "figure_parts": lambda figure: figure_parts(figure, unwrap(language), site.strings),
            "fmt_figure": lambda figure, lang=None: format_figure(figure, lang_of(lang), site.strings),
            "x_default_url": lambda target: self.x_default_url(site, target),
            "theme_color": THEME_COLOR,
            "share_image": self.share_image(site),
            # Plain concatenation of escaped parts: Markup.format is several times slower,
            # and lists call these hundreds of times.
            "time_tag": lambda date: Markup(
                f'<time datetime="{date.iso}">{escape(format_date(unwrap(date), unwrap(language)))}</time>'),
            "article_link": lambda slug: self.article_link(site, slug, code),
            "platform_link": lambda slug: Markup(
                f'<a href="{escape(self.url_for(site, "platform", code, slug))}">'
                f'{escape(site.platforms.get(slug).name[code])}</a>'),
            "source_number": lambda source_id: list(site.sources).index(source_id) + 1,
        }
        if page.kind == "article":
            ctx["article"] = self.article_view(site, page.slug, code, recorder)
        if page.kind == "platform":
            ctx["platform"] = site.platforms.get(page.slug)
        if page.kind == "ranking":
            ctx["chart"] = rank_chart(site.ranking)
        return ctx

    def render(self, page: Page) -> tuple[bytes, dict[tuple, str] | None]:
        """The page's bytes, and (when recording) what it read of the Site."""
        recorder = Recorder(self._memo) if self.record else None
        site = track(self.site, recorder) if recorder is not None else self.site
        if page.kind == "nojekyll":
            data = b""
        elif page.kind == "cname":
            data = (site.config.cname + "\n").encode()
        elif page.kind in DATA_FILES:
            data = DATA_FILES[page.kind](site)
        else:
            template = self.env.get_template(TEMPLATE_FOR_KIND[page.kind])
            data = template.render(self.context(page, site, recorder)).encode("utf-8")
        return data, recorder.reads if recorder is not None else None


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


def _render_serially(site: Site, pages: list[Page], env: jinja2.Environment | None, write_to: Path | None,
                     record: bool = False) -> tuple[dict[str, Any], list[tuple[Path, int, str, str]], DepGraph]:
    """Render pages in this process: (output, problems as (template, line, message, page path), what the
    pages read (empty unless record)).

    The output is each page's bytes, or, with write_to, the stamp of the file
    written there (each page is written as soon as it is rendered).
    """
    renderer = Renderer(site, env, record)
    output: dict[str, Any] = {}
    problems = []
    graph = DepGraph()
    for page in pages:
        try:
            data, reads = renderer.render(page)
        except (jinja2.TemplateError, TemplateProblem, LookupError, TypeError, ValueError,
                AttributeError) as exc:
            path, line = _template_location(exc, site.templates_dir)
            message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
            problems.append((path, line, message, page.output_path))
            continue
        output[page.output_path] = data if write_to is None else write_file(write_to, page.output_path, data)
        if reads is not None:
            graph.add(page.output_path, reads)
    return output, problems, graph


_FORKED_SITE: Site | None = None
"""The Site a forked worker inherited from its parent (set just before the pool forks)."""
_FORKED_ENV: jinja2.Environment | None = None
"""The Jinja environment, its templates already compiled, a forked worker inherited likewise."""


def _render_share(pages: list[Page], write_to: Path | None, record: bool):
    return _render_serially(_FORKED_SITE, pages, _FORKED_ENV, write_to, record)


@dataclass
class Rendered:
    """What rendering some pages gave."""

    files: dict[str, Any]
    """Each page's bytes (or, when written as rendered, its file's stamp) by output path, in page order."""
    graph: DepGraph
    """What each page read of the Site (empty unless recorded)."""


def render_pages(site: Site, pages: list[Page], diags: Diagnostics,
                 env: jinja2.Environment | None = None, workers: int | None = None,
                 parallel_from: int = PARALLEL_FROM, write_to: Path | None = None,
                 record: bool = False) -> Rendered:
    """Render the pages; a template error is reported at its template line, once per distinct problem.

    With write_to, each page is written into that folder as soon as it is
    rendered (by whichever process rendered it), and the result holds the
    files' stamps (write.FileStamp) instead of their bytes. With record,
    every page is rendered through a recording view of the Site, and the
    result says what each read (deps.py); the bytes are the same.

    Large sites render in `workers` forked processes (default: one per core).
    Each page depends only on the Site and itself, so the split cannot change
    a byte of the output; results are gathered in page order.
    """
    global _FORKED_SITE, _FORKED_ENV
    workers = workers or cores()
    graph = DepGraph()
    if workers > 1 and len(pages) >= parallel_from and can_fork():
        # Interleaved shares balance cheap and expensive pages; fork hands each worker the Site
        # (and the compiled templates) without pickling them.
        shares = [pages[i::workers] for i in range(workers)]
        _FORKED_SITE, _FORKED_ENV = site, env
        try:
            results = fork_map(_render_share, shares, [write_to] * workers, [record] * workers)
        finally:
            _FORKED_SITE = _FORKED_ENV = None
        rendered: dict[str, Any] = {}
        problems = []
        for output, found, share_graph in results:
            rendered.update(output)
            problems += found
            graph.merge(share_graph)
        output = {page.output_path: rendered[page.output_path] for page in pages if page.output_path in rendered}
        order = {page.output_path: i for i, page in enumerate(pages)}
        problems.sort(key=lambda p: order[p[3]])
    else:
        output, problems, graph = _render_serially(site, pages, env, write_to, record)
    reported: set[tuple[Path, int, str]] = set()
    for path, line, message, page_path in problems:
        if (path, line, message) not in reported:  # the same fault on every page is reported once
            reported.add((path, line, message))
            diags.error(path, line, 1, f"template error: {message} (while rendering {page_path})")
    return Rendered(output, graph)


def template_closure(env: jinja2.Environment, name: str, memo: dict[str, frozenset[str] | None]
                     ) -> frozenset[str] | None:
    """The template and every template it extends, includes or imports, by name; None when one of them
    names another by an expression (then any template may be used)."""
    if name in memo:
        return memo[name]
    memo[name] = frozenset({name})  # a template that (wrongly) includes itself ends here
    source = env.loader.get_source(env, name)[0]
    names: set[str] = {name}
    for other in jinja2.meta.find_referenced_templates(env.parse(source)):
        found = None if other is None else template_closure(env, other, memo)
        if found is None:
            memo[name] = None
            return None
        names |= found
    memo[name] = frozenset(names)
    return memo[name]


def templates_of(env: jinja2.Environment, pages: list[Page]) -> dict[str, frozenset[str] | None]:
    """Each page's templates (template_closure), by output path; pages written without one use none."""
    memo: dict[str, frozenset[str] | None] = {}
    return {page.output_path: template_closure(env, TEMPLATE_FOR_KIND[page.kind], memo)
            if page.kind in TEMPLATE_FOR_KIND else frozenset() for page in pages}
