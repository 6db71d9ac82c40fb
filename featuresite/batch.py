"""Rendering many pages: in this process or in forked workers (one per core), each problem located at its
template line or reported as a bug, and what each page read gathered into one dependency graph."""
from __future__ import annotations

import contextlib
import gc
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .depgraph import DepGraph
from .errors import Diagnostics, InternalError
from .model import Page, Site
from .pages import PAGE_KINDS
from .render import Renderer, TemplateProblem, make_environment
from .workers import can_fork, cores, fork_balanced
from .write import write_file


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
    for name in _page_templates(env):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            path, line = _template_location(exc, site.templates_dir)
            diags.error(path, line, 1, f"template syntax error: {exc.message}")


def _page_templates(env: jinja2.Environment) -> list[str]:
    """The templates a page may be rendered with, by name, in order."""
    return sorted(name for name in env.list_templates() if name.endswith((".html", ".xml", ".txt")))


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every template into env ahead of rendering (a syntax error is left for check_templates)."""
    for name in _page_templates(env):
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)


PARALLEL_FROM = 400
"""Fewer pages than this render in the calling process: starting workers would cost more than it saves."""


def _render_serially(site: Site, pages: Iterable[Page], env: jinja2.Environment | None, write_to: Path | None,
                     record: bool = False) -> tuple[dict[str, Any], list[tuple[Path, int, str, str]], DepGraph]:
    """Render pages in this process: (output, problems as (template, line, message, page path), what the
    pages read (empty unless record)).

    The output is each page's bytes, or, with write_to, the stamp of the file
    written there (each page is written as soon as it is rendered).
    """
    renderer = Renderer(site, env, record)
    output: dict[str, Any] = {}
    problems = []
    graph = renderer.graph
    with _fewer_full_collections():
        for page in pages:
            try:
                data, recorder = renderer.render(page)
            except Exception as exc:
                if not _template_at_fault(exc, site.templates_dir):
                    raise InternalError(f"{type(exc).__name__}: {exc} (while rendering {page.output_path})",
                                        "".join(traceback.format_exception(exc))) from exc
                path, line = _template_location(exc, site.templates_dir)
                message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
                problems.append((path, line, message, page.output_path))
                continue
            output[page.output_path] = data if write_to is None else write_file(write_to, page.output_path, data)
            if recorder is not None:
                graph.reads[page.output_path] = recorder.finish()
    graph.links.update(renderer.links)
    return output, problems, graph


@contextlib.contextmanager
def _fewer_full_collections() -> Iterator[None]:
    """Rendering makes many short-lived objects and, when recording, a graph that grows page by page: each
    full run of the cyclic collector would scan all of it again (up to a tenth of the rendering time at
    1,000 pairs, recording). Young objects, among them the cycles each page leaves, are still collected,
    in fewer and larger runs."""
    before = gc.get_threshold()
    gc.set_threshold(5000, 10, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
                 record: bool = False, meanwhile: Callable[[], None] | None = None) -> Rendered:
    """Render the pages; a template error is reported at its template line, once per distinct problem.

    With write_to, each page is written into that folder as soon as it is
    rendered (by whichever process rendered it), and the result holds the
    files' stamps (write.FileStamp) instead of their bytes. With record,
    every page is rendered through a recording view of the Site, and the
    result says what each read (deps.py); the bytes are the same.

    Large sites render in `workers` forked processes (default: one per core).
    Each page depends only on the Site and itself, so the split cannot change
    a byte of the output; results are gathered in page order. meanwhile, if
    given, runs in this process while workers render (see workers.fork_balanced).
    """
    workers = workers or cores()
    if workers > 1 and len(pages) >= parallel_from and can_fork():
        # Each process renders the pages it claims (fork hands each worker the Site and the compiled
        # templates without pickling them); the results are put in page order.
        results = fork_balanced(lambda claims: _render_serially(site, (page for _, page in claims), env,
                                                                write_to, record),
                                pages, workers, meanwhile=meanwhile)
        rendered: dict[str, Any] = {}
        problems = []
        graph = results[0][2]  # this process's own pages: the others' are merged into it
        for output, found, share_graph in results:
            rendered.update(output)
            problems += found
            if share_graph is not graph:
                graph.merge(share_graph)
        output = {page.output_path: rendered[page.output_path] for page in pages if page.output_path in rendered}
        order = {page.output_path: i for i, page in enumerate(pages)}
        problems.sort(key=lambda p: order[p[3]])
        graph.links = {path: graph.links[path] for path in sorted(graph.links, key=order.__getitem__)}
    else:
        output, problems, graph = _render_serially(site, pages, env, write_to, record)
        if meanwhile is not None:
            meanwhile()
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
    import jinja2.meta  # (here: only a rebuild after a template changed asks)
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
