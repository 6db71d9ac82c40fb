"""Stage 5: render pages through the Jinja templates.

Templates get explicit helpers, never a shared mutable context:
`url_for(page_or_kind, lang)`, `t(key)`, `text(pair)`, `static_url(name)`,
`fmt_date`, `fmt_number`, `fmt_figure`. StrictUndefined makes any unknown
name an error that names the template line.
"""
from __future__ import annotations

import hashlib
import os
import struct
import json
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup, escape

from .deps import DepGraph, Recorder, track, unwrap
from .datafiles import THEME_COLOR
from .errors import Diagnostics, InternalError
from .formatting import figure_parts, format_date, format_figure, format_number
from .model import Article, Language, Page, Site
from .pages import PAGE_KINDS
from .prose import ProseConverter
from .workers import can_fork, cores, fork_map
from .write import write_file

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
        self._results: dict[tuple, tuple[Any, dict | None]] = {}  # see _shared
        self._memo: dict[int, tuple[Any, str]] = {}  # fingerprints of large values (deps.Recorder)
        # The Markdown instances are set up once per language and reused from page to page (setting one
        # up costs as much as converting an article), so they read figures and strings through these,
        # pointed at the current page's view before each conversion.
        self._figures, self._strings = _Forward(), _Forward()
        self.prose = ProseConverter(self._figures, self._strings)
        """Converts article bodies."""
        self._prose_setup: dict[Language, dict] = {}  # what setting up each language's instance read

    # --- helpers exposed to templates -----------------------------------------------------

    def _shared(self, key: tuple, compute: Callable[[Site], Any], recorder: Recorder | None) -> Any:
        """compute(site) once per build for this key, for a helper whose result depends on the Site and its
        arguments alone (URLs, links, UI strings); a recording page is credited with what it read."""
        hit = self._results.get(key)
        if hit is None:
            if self.record:
                reads = Recorder(self._memo)
                hit = (compute(track(self.site, reads)), reads.reads)
            else:
                hit = (compute(self.site), None)
            self._results[key] = hit
        if recorder is not None:
            recorder.merge(hit[1])
        return hit[0]

    def url_for(self, target: Page | str, lang: str | None = None, slug: str | None = None, *,
                current: str | None = None, absolute: bool = False, recorder: Recorder | None = None) -> str:
        """The URL of a page (a Page or a kind), in `lang` or else `current` (the current page's language, or
        for pages in no language the default one), with the base path."""
        named = ("url-of", target, lang, slug, current, absolute) if type(target) is str else None
        if named is not None:  # the common case, url_for('timeline'): the arguments name the page
            hit = self._results.get(named)
            if hit is not None:
                if recorder is not None:
                    recorder.merge(hit[1])
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
        kind = PAGE_KINDS.get(page.kind)
        if (kind is None or not kind.present(site) or (page.slug is not None and not kind.has(site, page.slug))
                or (page.lang is not None and page.lang not in site.language_codes)):
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

    def render(self, page: Page) -> tuple[bytes, dict[tuple, str] | None]:
        """The page's bytes, and (when recording) what it read of the Site."""
        recorder = Recorder(self._memo) if self.record else None
        site = track(self.site, recorder) if recorder is not None else self.site
        kind = PAGE_KINDS[page.kind]
        if kind.produce is not None:
            data = kind.produce(site)
        else:
            template = self.env.get_template(kind.template)
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


_PACKAGE = str(Path(__file__).resolve().parent)


def _template_at_fault(exc: BaseException, templates_dir: Path) -> bool:
    """Whether a template, not our code, is at fault for an exception raised while rendering: a Jinja error
    (a syntax or undefined-name mistake), a TemplateProblem (a helper asked for something that does not
    exist), or an exception raised by the template's own code (a library it calls included). One raised
    inside one of our helpers, or a library they call, is a bug: the innermost frame in a template or in
    this package decides."""
    if isinstance(exc, (jinja2.TemplateError, TemplateProblem)):
        return True
    root = str(templates_dir.resolve())
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        where = str(Path(frame.filename).resolve()) if frame.filename else ""
        if where.startswith(root + os.sep):
            return True
        if where.startswith(_PACKAGE + os.sep):
            return False
    return False


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
        except Exception as exc:
            if not _template_at_fault(exc, site.templates_dir):
                raise InternalError(f"{type(exc).__name__}: {exc} (while rendering {page.output_path})",
                                    "".join(traceback.format_exception(exc))) from exc
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
        graph = results[0][2]  # this process's own share: the others' are merged into it
        for output, found, share_graph in results:
            rendered.update(output)
            problems += found
            if share_graph is not graph:
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
    templates = {name: kind.template for name, kind in PAGE_KINDS.items()}
    return {page.output_path: template_closure(env, templates[page.kind], memo)
            if templates[page.kind] else frozenset() for page in pages}
