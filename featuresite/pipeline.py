"""Runs the stages in data-flow order: config -> discover -> parse -> link -> render -> write.

Everything is gathered, validated and rendered in memory before anything is
written, so content errors never leave a half-written site.
"""
from __future__ import annotations

import functools
import gc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .cache import (BuildCache, BuildState, Fingerprint, ParseCache, cache_dir_for, fingerprint,
                    generator_version)
from .errors import ContentErrors, Diagnostics, UsageError
from .files import MAX_TEXT_BYTES, Found, check_folder, look_at, read_folder
from .hrefs import check_site_links, reader
from .write import (MARKER, Staging, check_output_dir, output_intact, output_lock, patching_site, recover,
                    replacing_site, write_site)

# The stages (and Jinja, Markdown, PyYAML, Babel with them) are imported by the functions that run
# them: a build that finds the site up to date never needs them, and importing them is most of its time.
if TYPE_CHECKING:
    import jinja2

    from .batch import Rendered
    from .depgraph import DepGraph
    from .model import Page, Site

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


def _read_static(options: Options, diags: Diagnostics) -> dict[str, dict[str, bytes]]:
    """The files copied as they are, as the Site's fields: static_files (static/) and media_files
    (content/media/), by path relative to their folder, read safely (files.read_folder: regular files inside
    the folder, size limits), SVGs checked (svgcheck); what is wrong reported instead. The templates folder
    is looked at here too, before Jinja ever opens a file of it."""
    from .svgcheck import check_svgs  # (with prose, Markdown: imported only by a build that reads)
    check_folder(options.templates_dir, diags, MAX_TEXT_BYTES, "a template")
    media_dir = options.content_dir / "media"
    static = read_folder(options.static_dir, diags)
    media = read_folder(media_dir, diags, options.content_dir, quiet=True)  # discover reports content/'s problems
    check_svgs(options.static_dir, static, diags)
    check_svgs(media_dir, media, diags)
    return {"static_files": static, "media_files": media}


PARALLEL_PARSE_FROM = 300
"""With fewer article files to read than this, they are read in this process: starting workers would cost more."""


def load_site(options: Options, diags: Diagnostics, cache: ParseCache | None = None,
              meanwhile: Callable[[], None] | None = None, listed: list[Found] | None = None) -> Site | None:
    """Read, validate and link all content; None when there are errors (in diags).

    cache, when given, lets unchanged files skip reading and parsing. meanwhile,
    if given, runs while parse workers finish, if any are started. listed: the
    content folder as the build walked it already, if it did (see discover).
    """
    from . import link
    from .config import load_config, load_strings
    from .discover import discover
    from .kinds import SHEETS
    from .model import Site
    from .parse import merge, parse_article, parse_sheet
    from .schema import URL_RE
    from .workers import can_fork, cores, fork_balanced
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
    files = discover(content_dir, languages, diags, listed)
    strings: dict = {}
    # Defaults first, so that content/strings.yaml overrides the templates' own strings.
    # Each read only when it is a regular file inside its folder: content/strings.yaml as discover found it,
    # templates/strings.yaml looked at here (what is wrong with it, _read_static reports with the templates).
    default = look_at(options.templates_dir / "strings.yaml", options.templates_dir)
    for path in (Path(default.path) if default is not None and default.problem is None else None, files.strings):
        if path is not None and path.is_file():
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
    failed_sheets |= {name for name, kind in SHEETS.items() if kind.required and name not in files.sheets}
    unread = [f for f in files.articles if not cache.holds(f.path, languages + (f.slug,))]
    if len(unread) >= PARALLEL_PARSE_FROM and cores() > 1 and can_fork():
        # Many articles to read (a first build): read them side by side, then take them from the cache.
        def parse(claims: Iterator[tuple[int, Any]]) -> list[tuple[int, Any, list]]:
            parsed = []
            for index, article_file in claims:
                found = Diagnostics()
                parsed.append((index, parse_article(article_file, languages, found), found.items))
            return parsed
        for results in fork_balanced(parse, unread, cores(), meanwhile=meanwhile):
            for index, value, found in results:
                article_file = unread[index]
                cache.put(article_file.path, languages + (article_file.slug,), value, found)
    for article_file in files.articles:
        fragments.append(cache.get(article_file.path, languages + (article_file.slug,),
                                   lambda d, f=article_file: parse_article(f, languages, d), diags))
    parsed = merge(fragments)
    site = Site(
        config=config, content_dir=content_dir, templates_dir=options.templates_dir,
        static_dir=options.static_dir, strings=strings,
        articles=link.pair_translations(parsed.articles, languages,
                                         {(f.slug, f.lang) for f in files.articles}, diags),
        sheets={name: parsed.sheets.get(name, kind.absent()) for name, kind in SHEETS.items()},
        **_read_static(options, diags))
    # The references are resolved (and indexed) first: the warnings read the index.
    link.resolve_references(site, parsed, failed_sheets, {f.slug for f in files.articles}, diags)
    link.check_navigation(site, failed_sheets, diags)
    site.pages = link.list_pages(site)
    link.check_collisions(site, diags)
    link.warn(site, parsed, diags)
    return site


def _render(site: Site, pages: list[Page], diags: Diagnostics, env: jinja2.Environment | None = None,
            staging: Staging | None = None, record: bool = False,
            meanwhile: Callable[[], None] | None = None) -> Rendered:
    """Templates checked, then the pages rendered: their bytes by output path, or, with staging, written
    there (the stamps go into staging.stamps), and, with record, what each read (meanwhile: see
    batch.render_pages). Raises ContentErrors."""
    from .batch import check_templates, render_pages
    from .render import make_environment
    # One environment for both: templates compile once, and forked render workers inherit them compiled.
    env = env or make_environment(site.templates_dir, auto_reload=False)
    check_templates(site, diags, env)
    if diags.errors:
        raise ContentErrors(diags)
    rendered = render_pages(site, pages, diags, env, write_to=staging.folder if staging else None, record=record,
                            meanwhile=meanwhile)
    if diags.errors:
        raise ContentErrors(diags)
    if staging is not None:
        staging.stamps.update(rendered.files)
        rendered.files = {}
    return rendered


def _render_all(site: Site, diags: Diagnostics, env: jinja2.Environment | None = None,
                staging: Staging | None = None, record: bool = False,
                meanwhile: Callable[[], None] | None = None) -> Rendered:
    """Every page, static file and media file (see _render). Raises ContentErrors on errors."""
    rendered = _render(site, site.pages, diags, env, staging, record, meanwhile)
    for rel, (data, _) in site.copied().items():
        if staging is None:
            rendered.files[rel] = data
        else:
            staging.write(rel, data)
    return rendered


def render_site(options: Options, diags: Diagnostics, cache: ParseCache | None = None,
                env: jinja2.Environment | None = None,
                select: Callable[[Site], list[Page]] | None = None, record: bool = False
                ) -> tuple[Site, Rendered]:
    """Load and render the site in memory: (site, what was rendered). Raises ContentErrors on errors.

    select chooses which pages to render (default: every page, plus the static files); record: see
    batch.render_pages.
    """
    site = load_site(options, diags, cache)
    if options.strict:
        diags.make_strict()
    if site is None or diags.errors:
        raise ContentErrors(diags)
    if select:
        return site, _render(site, select(site), diags, env, record=record)
    rendered = _render_all(site, diags, env, record=record)
    check_site_links(site, rendered.graph.links, rendered.files.get, diags, options.strict)
    return site, rendered


def stale_pages(graph: DepGraph, site: Site, env: jinja2.Environment, changed: set[str]) -> list[Page]:
    """The pages a rebuild must render, given what each page read last time (graph) and which input files
    changed: every page that is new, that read a value now different, or that uses a changed template.
    The graph is brought up to date with the site (values now, vanished pages dropped); what the pages
    read when rendered again is for the caller to merge.

    The one rule for incremental builds and for the live preview.
    """
    from .batch import templates_of
    outputs = [page.output_path for page in site.pages]
    graph.drop(set(graph.reads) - set(outputs))
    stale = graph.stale(site, outputs, _settled(changed, site))
    changed_templates = template_names(changed, site.templates_dir)
    templates = templates_of(env, site.pages) if changed_templates else {}
    return [page for page in site.pages if page.output_path in stale or (changed_templates and (
        templates[page.output_path] is None or not templates[page.output_path].isdisjoint(changed_templates)))]


def _settled(changed: set[str], site: Site) -> Callable[[str], bool] | None:
    """Which content files are known to be as they were (what a rebuild need not look below, see
    depgraph.evaluate): those not changed. None (nothing known) when site.yaml changed: the languages it
    declares are part of how every file is read."""
    changed = {os.path.abspath(path) for path in changed}
    if os.path.abspath(site.config.path) in changed:
        return None
    known: dict[str, bool] = {}  # a file's path as written -> unchanged (many objects share a file)

    def settled(where: str) -> bool:
        answer = known.get(where)
        if answer is None:
            answer = known[where] = os.path.abspath(where) not in changed
        return answer
    return settled


def template_names(paths: set[str], templates_dir: Path) -> set[str]:
    """The names (relative, as Jinja knows them) of the changed files that are in the templates folder."""
    folder = os.path.abspath(templates_dir)
    names = set()
    for path in paths:
        full = os.path.abspath(path)
        if full.startswith(folder + os.sep):
            names.add(Path(os.path.relpath(full, folder)).as_posix())
    return names


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    files: int
    """How many files the site has."""
    written: int
    """How many of them this build wrote (0: the site was up to date)."""


def build(options: Options, out_dir: Path, diags: Diagnostics, on_wait: Callable[[], None] | None = None,
          use_cache: bool = True) -> BuildReport:
    """Build the site into out_dir. Raises ContentErrors, UsageError.

    With the cache (cache.py), a build whose inputs and output are as the last
    build left them writes nothing, and one where only article files changed
    renders and replaces only the pages they affect; the output is the same,
    byte for byte, as a full build's. Builds of one output folder load and
    check content side by side but write one at a time (the last to finish
    wins); on_wait is called if this one has to wait.
    """
    check_output_dir(out_dir, options.content_dir, PROJECT_DIR)  # before the work of rendering
    if not use_cache:
        from .search import index_staging, searchable
        site, rendered = render_site(options, diags)
        with output_lock(out_dir, on_wait=on_wait):
            # Again under the lock: the folder may have changed while this build rendered.
            check_output_dir(out_dir, options.content_dir, PROJECT_DIR)
            # The pages and the search index.
            stamps = write_site(out_dir, rendered.files, finish=index_staging if searchable(site) else None)
        return BuildReport(len(stamps) - 1, len(stamps) - 1)  # (- 1: the marker)
    store = BuildCache(cache_dir_for(out_dir), (
        generator_version(), os.getcwd(), str(out_dir.resolve()), str(options.content_dir),
        str(options.templates_dir), str(options.static_dir), options.base_url, options.strict))
    recover(out_dir, on_wait)  # a killed build's leftovers first: finishing one changes the output
    # Without the lock, as it only reads: the state and the output are each replaced in one step, and
    # only a state that matches both the inputs and the output as they are now says "up to date".
    state = store.load_state()
    walked: dict[Path, list[Found]] = {}
    inputs = fingerprint((options.content_dir, options.templates_dir, options.static_dir),
                         state.inputs if state else None, walked)
    if state is not None and state.inputs.digests == inputs.digests and output_intact(out_dir, state.output):
        diags.items.extend(state.warnings)
        return BuildReport(len(state.output) - 1, 0)  # the site is up to date (- 1: the marker)
    try:
        return _build_with_cache(options, out_dir, diags, on_wait, store, inputs, walked[options.content_dir])
    finally:
        gc.unfreeze()  # what the build froze (see below) is the collector's again, for a process that goes on


def _build_with_cache(options: Options, out_dir: Path, diags: Diagnostics, on_wait: Callable[[], None] | None,
                      store: BuildCache, inputs: Fingerprint, listed: list[Found]) -> BuildReport:
    """The rest of build(), when the site is not up to date (listed: the content folder as walked for
    inputs)."""
    parsed = ParseCache(store.load_parsed(), inputs.digests)
    # The cached parse results, then the site, live until the build ends: taken out of the cyclic
    # collector's sight, they are not scanned again and again while the site is linked and its pages
    # rendered (and forked workers share them untouched). build() unfreezes them at the end.
    gc.freeze()
    from .batch import compile_templates
    from .render import make_environment
    env = make_environment(options.templates_dir, auto_reload=False, bytecode_dir=store.folder / "templates")
    # Templates compile while parse workers finish, if any (this process would wait idle).
    site = load_site(options, diags, parsed, meanwhile=lambda: compile_templates(env), listed=listed)
    if options.strict:
        diags.make_strict()
    if site is None or diags.errors:
        raise ContentErrors(diags)
    env.bytecode_cache.keep()  # the content is valid: templates compiled from now on are kept for next time
    gc.freeze()
    from .search import index_staging, is_index_file, searchable
    search = searchable(site)
    with output_lock(out_dir, on_wait=on_wait):
        check_output_dir(out_dir, options.content_dir, PROJECT_DIR)
        # Again under the lock: another build may have written the folder meanwhile.
        state = store.load_state()
        if state is not None and not output_intact(out_dir, state.output):
            state = None  # the output is not (or no longer) what the last build wrote
        before = state.inputs.digests if state else {}
        changed = {path for path in inputs.digests.keys() | before.keys()
                   if inputs.digests.get(path) != before.get(path)}
        graph = store.load_graph() if state is not None else None
        gc.freeze()  # (the graph, too, lives until the build ends: see above)
        updated = {path: parsed.entries[path] for path in parsed.updated}
        everything = {path: entry for path, entry in parsed.entries.items() if str(path) in inputs.digests}
        if graph is None:
            with replacing_site(out_dir, store.folder / "spare", finish=index_staging if search else None) as staging:
                # The parse results are saved while render workers finish (this process would wait idle).
                graph = _render_all(site, diags, env, staging, record=True,
                                    meanwhile=lambda: store.save_parsed(updated, everything)).graph
                updated = None
                check_site_links(site, graph.links, reader(staging.folder), diags, options.strict)
        else:
            pages = stale_pages(graph, site, env, changed)
            # A whole new site too, swapped in at once: the pages that changed written, every other file
            # of the last build that the site still has carried over as it is (hard-linked).
            # (and the search index, which index_staging makes again only if a searchable page changed)
            current = site.output_files() | {MARKER}
            keep = {rel: stamp for rel, stamp in state.output.items()
                    if rel in current or (search and is_index_file(rel))}
            index = functools.partial(index_staging, previous=out_dir,
                                      removed=state.output.keys() - keep.keys()) if search else None
            with patching_site(out_dir, keep, removing=len(keep) < len(state.output),
                               spare=store.folder / "spare", finish=index) as staging:
                graph.merge(_render(site, pages, diags, env, staging, record=True).graph)
                for rel, (data, source) in site.copied().items():
                    if str(source) in changed or rel not in state.output:
                        staging.write(rel, data)
                check_site_links(site, graph.links, reader(staging.folder, out_dir), diags, options.strict)
        stamps = {**staging.carried, **staging.stamps}
        store.save(BuildState(store.key, inputs, stamps, diags.warnings), graph, updated, everything)
    # The marker is not a file of the site; carried files were not written by this build.
    return BuildReport(len(stamps) - 1, len(staging.stamps.keys() - {MARKER}))


def check(options: Options, diags: Diagnostics) -> int:
    """Validate and render everything, writing nothing; returns the number of files that would be written."""
    return len(render_site(options, diags)[1].files)
