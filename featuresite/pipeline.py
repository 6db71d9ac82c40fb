"""Runs the stages in data-flow order: config -> discover -> parse -> link -> render -> write.

Everything is gathered, validated and rendered in memory before anything is
written, so content errors never leave a half-written site.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2

from . import link
from .config import load_config, load_strings
from .discover import discover
from .errors import ContentErrors, Diagnostics, UsageError
from .model import Page, Site
from .parse import merge, parse_article, parse_sheet
from .schema import URL_RE
from .render import check_templates, render_pages
from .write import check_output_dir, output_lock, write_site

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The project folder: it holds the default templates/ and static/."""
DEFAULT_TEMPLATES = PROJECT_DIR / "templates"
"""Templates used unless told otherwise."""
DEFAULT_STATIC = PROJECT_DIR / "static"
"""Static assets used unless told otherwise."""


@dataclass(frozen=True)
class Options:
    """What to build and how."""

    content_dir: Path
    """The content folder."""
    templates_dir: Path = DEFAULT_TEMPLATES
    """The templates folder."""
    static_dir: Path = DEFAULT_STATIC
    """The static assets folder."""
    base_url: str | None = None
    """Overrides site.yaml's base_url."""
    strict: bool = False
    """Warnings count as errors."""


def _read_static(static_dir: Path) -> dict[str, bytes]:
    if not static_dir.is_dir():
        return {}
    return {path.relative_to(static_dir).as_posix(): path.read_bytes()
            for path in sorted(static_dir.rglob("*")) if path.is_file() and not path.name.startswith(".")}


class ParseCache:
    """Per-file results of reading content, kept between builds of a long-running process (the dev server).

    An entry is reused while its file keeps the same size and modification
    time (nanoseconds) and the inputs it was read with (e.g. the site's
    languages) are the same; its diagnostics are replayed on reuse.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple, Any, list]] = {}

    def get(self, path: Path, inputs: tuple, compute: Callable[[Diagnostics], Any], diags: Diagnostics) -> Any:
        """compute(diags) for this file, or its remembered result if the file and inputs are unchanged."""
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_mtime_ns, inputs)
        except OSError:
            key = None
        entry = self._entries.get(path)
        if key is not None and entry is not None and entry[0] == key:
            diags.items.extend(entry[2])
            return entry[1]
        own = Diagnostics()
        value = compute(own)
        diags.items.extend(own.items)
        if key is not None:
            self._entries[path] = (key, value, own.items)
        return value


def load_site(options: Options, diags: Diagnostics, cache: ParseCache | None = None) -> Site | None:
    """Read, validate and link all content; None when there are errors (in diags).

    cache, when given, lets unchanged files skip reading and parsing.
    """
    cache = cache or ParseCache()
    content_dir = options.content_dir
    if not content_dir.is_dir():
        raise UsageError(f"content folder {content_dir} does not exist")
    if not options.templates_dir.is_dir():
        raise UsageError(f"templates folder {options.templates_dir} does not exist")
    if options.base_url is not None and not URL_RE.match(options.base_url):
        raise UsageError(f"--base-url {options.base_url!r} is not an absolute http(s) URL")
    config = cache.get(content_dir / "site.yaml", (options.base_url,),
                       lambda d: load_config(content_dir, d, options.base_url), diags)
    if config is None:
        return None
    languages = tuple(lang.code for lang in config.languages)
    files = discover(content_dir, languages, diags)
    strings: dict = {}
    # Defaults first, so that content/strings.yaml overrides the templates' own strings.
    for path in (options.templates_dir / "strings.yaml", content_dir / "strings.yaml"):
        if path.is_file():
            strings.update(cache.get(path, languages, lambda d, p=path: load_strings(p, languages, d), diags))
    fragments = []
    failed_sheets: set[str] = set()
    # References are resolved after everything is parsed, so the order of
    # sheets and articles here only decides the order of messages.
    for name in sorted(files.sheets):
        own = Diagnostics()
        fragments.append(cache.get(files.sheets[name], languages,
                                   lambda d, n=name: parse_sheet(n, files.sheets[n], languages, d), own))
        if own.errors:
            failed_sheets.add(name)
        diags.items.extend(own.items)
    if "sources" not in files.sheets:
        failed_sheets.add("sources")
    for article_file in files.articles:
        fragments.append(cache.get(article_file.path, languages + (article_file.slug,),
                                   lambda d, f=article_file: parse_article(f, languages, d), diags))
    parsed = merge(fragments)
    site = Site(
        config=config, content_dir=content_dir, templates_dir=options.templates_dir,
        static_dir=options.static_dir, strings=strings,
        articles=link.pair_translations(parsed.articles, languages,
                                         {(f.slug, f.lang) for f in files.articles}, diags),
        sources=parsed.sources, figures=parsed.figures, timeline=parsed.timeline, ranking=parsed.ranking,
        platforms=parsed.platforms, glossary=parsed.glossary, static_files=_read_static(options.static_dir),
        media_files=_read_static(content_dir / "media"))
    link.resolve_references(site, parsed, failed_sheets, {f.slug for f in files.articles}, diags)
    link.check_navigation(site, failed_sheets, diags)
    site.pages = link.list_pages(site)
    link.check_collisions(site.pages, diags, config.path,
                          [f"static/{n}" for n in site.static_files] + [f"media/{n}" for n in site.media_files])
    link.link_back_references(site)
    link.warn_unused(site, parsed, diags)
    link.warn_placeholders(site, diags)
    return site


def render_site(options: Options, diags: Diagnostics, cache: ParseCache | None = None,
                env: jinja2.Environment | None = None,
                select: Callable[[Site], list[Page]] | None = None) -> tuple[Site, dict[str, bytes]]:
    """Load and render the site in memory: (site, output path -> bytes). Raises ContentErrors on errors.

    select chooses which pages to render (default: every page, plus the static files).
    """
    site = load_site(options, diags, cache)
    if options.strict:
        diags.make_strict()
    if site is None or diags.errors:
        raise ContentErrors(diags)
    check_templates(site, diags, env)
    if diags.errors:
        raise ContentErrors(diags)
    files = render_pages(site, select(site) if select else site.pages, diags, env)
    if diags.errors:
        raise ContentErrors(diags)
    if select is None:
        for name, data in site.static_files.items():
            files[f"static/{name}"] = data
        for name, data in site.media_files.items():
            files[f"media/{name}"] = data
    return site, files


def build(options: Options, out_dir: Path, diags: Diagnostics, on_wait: Callable[[], None] | None = None) -> int:
    """Build the site into out_dir; returns the number of files written. Raises ContentErrors, UsageError.

    Builds of one output folder render side by side but write one at a time
    (the last to finish wins); on_wait is called if this one has to wait.
    """
    check_output_dir(out_dir, options.content_dir, PROJECT_DIR)  # before the work of rendering
    _, files = render_site(options, diags)
    with output_lock(out_dir, on_wait=on_wait):
        # Again under the lock: the folder may have changed while this build rendered.
        check_output_dir(out_dir, options.content_dir, PROJECT_DIR)
        write_site(out_dir, files)
    return len(files)


def check(options: Options, diags: Diagnostics) -> int:
    """Validate and render everything, writing nothing; returns the number of files that would be written."""
    return len(render_site(options, diags)[1])
