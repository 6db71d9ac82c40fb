"""Runs the stages in data-flow order: config -> discover -> parse -> link -> render -> write.

Everything is gathered, validated and rendered in memory before anything is
written, so content errors never leave a half-written site.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import link
from .config import load_config, load_strings
from .discover import discover
from .errors import ContentErrors, Diagnostics, UsageError
from .model import Site
from .parse import Parsed, parse_article, parse_sheet
from .render import check_templates, render_pages
from .write import check_output_dir, write_site

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


def load_site(options: Options, diags: Diagnostics) -> Site | None:
    """Read, validate and link all content; None when there are errors (in diags)."""
    content_dir = options.content_dir
    if not content_dir.is_dir():
        raise UsageError(f"content folder {content_dir} does not exist")
    if not options.templates_dir.is_dir():
        raise UsageError(f"templates folder {options.templates_dir} does not exist")
    config = load_config(content_dir, diags, options.base_url)
    if config is None:
        return None
    languages = tuple(lang.code for lang in config.languages)
    files = discover(content_dir, languages, diags)
    # Defaults first, so that content/strings.yaml overrides the templates' own strings.
    strings = load_strings([options.templates_dir / "strings.yaml", content_dir / "strings.yaml"],
                           languages, diags)
    for key, pair in sorted(strings.items()):
        for lang in languages:
            if lang not in pair:
                diags.error(config.path, 1, 1, f"UI string '{key}' has no '{lang}' text")
    parsed = Parsed()
    failed_sheets: set[str] = set()
    # The sources sheet is read first only for tidy messages; references are
    # resolved after everything is parsed, so sheet order does not matter.
    for name in sorted(files.sheets, key=lambda n: (n != "sources", n)):
        before = len(diags.errors)
        parse_sheet(name, files.sheets[name], languages, parsed, diags)
        if len(diags.errors) > before:
            failed_sheets.add(name)
    if "sources" not in files.sheets:
        failed_sheets.add("sources")
    for article_file in files.articles:
        parse_article(article_file, languages, parsed, diags)
    site = Site(
        config=config, content_dir=content_dir, templates_dir=options.templates_dir,
        static_dir=options.static_dir, strings=strings,
        articles=link.pair_translations(parsed.articles, languages,
                                         {(f.slug, f.lang) for f in files.articles}, diags),
        sources=parsed.sources, figures=parsed.figures, timeline=parsed.timeline, ranking=parsed.ranking,
        platforms=parsed.platforms, glossary=parsed.glossary, static_files=_read_static(options.static_dir))
    link.resolve_references(site, parsed, failed_sheets, {f.slug for f in files.articles}, diags)
    link.check_navigation(site, failed_sheets, diags)
    site.pages = link.list_pages(site)
    link.check_collisions(site.pages, diags, config.path)
    link.link_back_references(site)
    return site


def render_site(options: Options, diags: Diagnostics) -> dict[str, bytes]:
    """Load and render the whole site in memory: output path -> bytes. Raises ContentErrors on errors."""
    site = load_site(options, diags)
    if options.strict:
        diags.make_strict()
    if site is None or diags.errors:
        raise ContentErrors(diags)
    check_templates(site, diags)
    if diags.errors:
        raise ContentErrors(diags)
    files = render_pages(site, site.pages, diags)
    if diags.errors:
        raise ContentErrors(diags)
    for name, data in site.static_files.items():
        files[f"static/{name}"] = data
    return files


def build(options: Options, out_dir: Path, diags: Diagnostics) -> int:
    """Build the site into out_dir; returns the number of files written. Raises ContentErrors, UsageError."""
    check_output_dir(out_dir, options.content_dir, PROJECT_DIR)
    files = render_site(options, diags)
    write_site(out_dir, files)
    return len(files)


def check(options: Options, diags: Diagnostics) -> int:
    """Validate and render everything, writing nothing; returns the number of files that would be written."""
    return len(render_site(options, diags))
