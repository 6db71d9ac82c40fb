"""The live preview: `python build.py serve`.

The site is rendered into memory and served from there (nothing is written to
disk). A watcher scans content/, templates/ and static/; a burst of saves is
gathered into one rebuild, which re-renders only the pages the change can
affect, and then the open browser tabs reload (livereload). A build with
errors keeps the last good pages in memory but answers every page request
with the list of errors; fixing the file brings the pages back by itself.
Search works too: the search index (search.py) is made from the pages in memory when the browser first
asks for one of its files after a change to a searchable page.
"""
from __future__ import annotations

import html
import ipaddress
import logging
import mimetypes
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import jinja2
from livereload import Server
from livereload.handlers import LiveReloadHandler
from livereload.watcher import Watcher
from tornado import ioloop

from .errors import ContentErrors, Diagnostic, Diagnostics
from .files import files_below
from .model import Page, Site
from .depgraph import DepGraph
from .hrefs import check_site_links
from .cache import ParseCache
from .pipeline import Options, render_site, stale_pages
from .render import make_environment
from .search import changed_languages, index_pages, is_index_file, searchable

log = logging.getLogger("featuresite.serve")

POLL_SECONDS = 0.1
"""How often the watched folders are scanned for changes."""
QUIET_SECONDS = 0.03
"""A burst of saves is over when a scan this long after the last one finds nothing new."""


def _scan(folders: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """(size, mtime in ns) of every file below the folders that a build can read, and of everything there it
    must not (files.files_below, which opens nothing: a pipe or a link leading outside is a change too)."""
    found: dict[str, tuple[int, int]] = {}
    for folder in folders:
        for item in files_below(folder):
            found[item.path] = (item.info.st_size, item.info.st_mtime_ns) if item.info is not None else (-1, -1)
    return found


@dataclass
class Preview:
    """The dev server's state: the last good output, the last build's problems, and what to reuse."""

    options: Options
    """What to build (base_url is the local server's address)."""
    files: dict[str, bytes] = field(default_factory=dict)
    """The last good output: URL path (no leading slash) -> bytes."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Errors of the last build (empty when it succeeded), shown instead of pages."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """Warnings of the last build."""
    site: Site | None = None
    """The Site of the last good build."""
    cache: ParseCache = field(default_factory=ParseCache)
    """Parsed files kept between builds."""
    env: jinja2.Environment | None = None
    """The Jinja environment, kept so templates compile once."""
    snapshot: dict[str, tuple[int, int]] = field(default_factory=dict)
    """The watched files as of the last scan."""
    last_rebuilt: int = 0
    """How many pages the last rebuild rendered."""
    graph: DepGraph | None = None
    """What each page of the last good build read (None: the next rebuild renders everything)."""
    index: dict[str, bytes] | None = None
    """The search index (path -> bytes) as last made, None before it first is."""
    stale: set[str] = field(default_factory=set)
    """The languages whose pages changed since the index was made (search.changed_languages)."""

    def __post_init__(self) -> None:
        self.env = make_environment(self.options.templates_dir)

    @property
    def folders(self) -> tuple[Path, ...]:
        """The folders whose changes trigger a rebuild."""
        return (self.options.content_dir, self.options.templates_dir, self.options.static_dir)

    def changes(self) -> set[Path]:
        """Files added, changed or removed since the last scan."""
        now = _scan(self.folders)
        changed = {Path(p) for p in now.keys() | self.snapshot.keys() if now.get(p) != self.snapshot.get(p)}
        self.snapshot = now
        return changed

    def build_all(self) -> None:
        """Render every page (the first build, and after changes that can affect any page)."""
        self._build(None)

    def rebuild(self, changed: set[Path]) -> None:
        """Re-render what the changed files affect: the pages that read something that changed, or use a
        changed template (pipeline.stale_pages, the rule builds use too)."""
        if self.graph is None or self.problems:
            self._build(None)
            return
        graph, paths = self.graph, {str(p) for p in changed}
        self._build(lambda site: stale_pages(graph, site, self.env, paths))

    def _build(self, select: Callable[[Site], list[Page]] | None) -> None:
        diags = Diagnostics()
        try:
            site, rendered = render_site(self.options, diags, self.cache, self.env, select, record=True)
        except ContentErrors:
            self.problems = diags.sorted()
            self.warnings = []
            self.graph = None  # a failed rebuild may have left it half brought up to date
            return
        before = self.files
        if select is None:
            self.files, self.graph = rendered.files, rendered.graph
        else:
            # Pages that no longer exist (an article removed) go; the rendered ones replace theirs.
            current = site.output_files()
            files = {path: data for path, data in self.files.items() if path in current}
            files.update(rendered.files)
            # Copied files are cheap to take again and not pages: always the current ones.
            files.update((rel, data) for rel, (data, _) in site.copied().items())
            self.graph.merge(rendered.graph)
            try:  # (a full build checks its links in render_site)
                check_site_links(site, self.graph.links, files.get, diags, self.options.strict)
            except ContentErrors:  # the last good pages stay, as for any other error
                self.problems, self.warnings = diags.sorted(), []
                self.graph = None  # (the next change rebuilds all)
                return
            self.files = files
        self.site, self.problems, self.warnings = site, [], diags.sorted()
        self.last_rebuilt = len(rendered.files)
        if select is None:
            self.index = None
        else:
            self.stale |= changed_languages(before, self.files)

    def search_index(self) -> dict[str, bytes]:
        """The search index of the pages held: made now if there is none, or, for the languages whose pages
        changed since, made again."""
        if self.index is None:
            self.index = index_pages(self.files)
        elif self.stale:
            self.index = index_pages(self.files, self.index, self.stale)
        self.stale = set()
        return self.index

    def response(self, url_path: str) -> tuple[str, str, bytes]:
        """(status, content type, body) for a request path such as '/zh/' or '/static/style.css'."""
        rel = url_path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        is_page = rel.endswith(".html")
        if self.problems and (is_page or rel not in self.files):
            return "500 Content Errors", "text/html; charset=utf-8", error_page(self.problems)
        if is_index_file(rel) and self.site is not None and searchable(self.site) and rel in self.search_index():
            kind = mimetypes.guess_type(rel)[0] or "application/octet-stream"
            return "200 OK", kind, self.search_index()[rel]
        if rel not in self.files and f"{rel}/index.html" in self.files:
            return "301 Moved Permanently", "text/plain", b"/" + rel.encode() + b"/"
        if rel not in self.files:
            return "404 Not Found", "text/html; charset=utf-8", self.files.get("404.html", b"<h1>404</h1>")
        kind = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/xml", "application/atom+xml", "image/svg+xml"):
            kind += "; charset=utf-8"
        return "200 OK", kind, self.files[rel]

    def wsgi(self, environ, start_response):
        """The WSGI application livereload serves (it adds its script to HTML)."""
        status, kind, body = self.response(environ.get("PATH_INFO", "/"))
        headers = [("Content-Type", kind), ("Cache-Control", "no-store")]
        if status.startswith("301"):
            headers.append(("Location", body.decode()))
        start_response(status, headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def error_page(problems: list[Diagnostic]) -> bytes:
    """A page listing every error; written here, not with the templates, which may be what is broken."""
    items = "\n".join(f"<li><code>{html.escape(p.format())}</code></li>" for p in problems)
    count = sum(1 for p in problems if p.severity == "error")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed: {count} error(s)</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem; color: #1b1b1f; background: #fff6f5; }}
h1 {{ color: #a4262c; font-size: 1.4rem; }}
code {{ font: 14px/1.5 ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; }}
li {{ margin-bottom: 0.5rem; }}
</style>
</head>
<body>
<main>
<h1>The site could not be built: {count} error(s)</h1>
<p>Fix the file named in each line and save; this page turns back into the site by itself.</p>
<ul class="build-errors">
{items}
</ul>
</main>
</body>
</html>
""".encode("utf-8")


class PreviewWatcher(Watcher):
    """A livereload watcher that rebuilds the preview and reloads browsers only when something changed."""

    def __init__(self, preview: Preview, report: Callable[[str], None]):
        super().__init__()
        self.preview = preview
        self.report = report
        self.watch(str(preview.options.content_dir))  # a task, so livereload does not watch the working folder

    def start(self, callback) -> bool:
        """Poll every POLL_SECONDS (livereload's own poller waits 0.8 s)."""
        ioloop.PeriodicCallback(callback, POLL_SECONDS * 1000).start()
        return True

    def examine(self):
        """Gather a burst of changes, rebuild once, and name a changed file so livereload reloads the tabs."""
        if self._changes:
            return self._changes.pop()
        changed = self.preview.changes()
        if not changed:
            return None, None
        while True:  # debounce: wait until the saving stops
            time.sleep(QUIET_SECONDS)
            more = self.preview.changes()
            if not more:
                break
            changed |= more
        started = time.perf_counter()
        self.preview.rebuild(changed)
        seconds = time.perf_counter() - started
        self.report(summary(self.preview, seconds, changed))
        self.filepath = str(sorted(changed)[0])
        return self.filepath, None


def summary(preview: Preview, seconds: float, changed: set[Path] | None = None) -> str:
    """One line (and the problems) saying what a build did."""
    what = f"{len(changed)} file(s) changed: " if changed else ""
    if preview.problems:
        lines = [p.format() for p in preview.problems]
        return "\n".join(lines + [f"{what}build failed with {len(lines)} problem(s); "
                                   "the browser shows them until they are fixed"])
    lines = [p.format() for p in preview.warnings]
    return "\n".join(lines + [f"{what}rendered {preview.last_rebuilt} file(s) in {seconds:.3f} s"])


def serve(content_dir: Path, host: str, port: int, open_browser: bool, options: Options) -> int:
    """Build, serve with live reload, and rebuild on every change until Ctrl-C."""
    def report(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        report(f"warning: serving on {host}, not on 127.0.0.1: other machines on the network can "
               "see the preview")
    url_host = f"[{host}]" if ":" in host else host
    preview = Preview(Options(content_dir, options.templates_dir, options.static_dir,
                              base_url=f"http://{url_host}:{port}/", strict=options.strict))
    preview.changes()  # the first snapshot
    started = time.perf_counter()
    preview.build_all()
    report(summary(preview, time.perf_counter() - started))
    # livereload skips a reload that comes within 3 s of the previous one;
    # every rebuild here is a real change the editor wants to see.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    server = Server(app=preview.wsgi, watcher=PreviewWatcher(preview, report))
    logging.getLogger("livereload").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)  # the error page is a 500, not news
    report(f"serving on http://{url_host}:{port}/ (Ctrl-C to stop)")
    server.serve(port=port, host=host, debug=False, open_url_delay=0.5 if open_browser else None)
    report("stopped")
    return 0
