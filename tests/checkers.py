"""The checkers the reader-side suite runs: W3C Nu, axe-core, the sitemaps.org schema, a static server.

Tests that break a page on purpose call the same functions, so a checker that
stopped catching problems would fail its own test.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

PROJECT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar/build/dist/vnu.jar"
AXE_JS = NODE_MODULES / "axe-core/axe.min.js"
SITEMAP_XSD = NODE_MODULES / "sitemap/schema/sitemap.xsd"
XHTML_LINK_XSD = Path(__file__).resolve().parent / "xsd/xhtml-link.xsd"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_tools() -> None:
    """Skip without the npm packages and Java, except in CI, which installs them (see .ci/run)."""
    missing = [str(p.relative_to(PROJECT)) for p in (VNU_JAR, AXE_JS, SITEMAP_XSD) if not p.exists()]
    if shutil.which("java") is None:
        missing.append("java")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {', '.join(missing)} (see .ci/run)")
        pytest.skip(f"not installed: {', '.join(missing)} (npm install; apt-get install default-jre-headless)")


def vnu_errors(folder: Path) -> list[str]:
    """Every error the W3C Nu HTML checker finds in the folder's HTML files, as 'file:line: message'."""
    proc = subprocess.run(["java", "-jar", str(VNU_JAR), "--skip-non-html", "--errors-only", "--format", "json",
                           str(folder)], capture_output=True, text=True)
    report = json.loads(proc.stderr or '{"messages": []}')
    return [f"{m.get('url', '').split(str(folder))[-1]}:{m.get('lastLine', '?')}: {m['message']}"
            for m in report["messages"] if m.get("type") == "error"]


def axe_violations(page) -> list[str]:
    """WCAG 2.1 A/AA violations axe-core finds on the open Playwright page."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
            for v in result["violations"]]


@functools.lru_cache(maxsize=1)
def _sitemap_schema() -> etree.XMLSchema:
    wrapper = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
      <xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{SITEMAP_XSD.as_uri()}"/>
      <xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="{XHTML_LINK_XSD.as_uri()}"/>
    </xsd:schema>"""
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), base_url=str(SITEMAP_XSD)))


def sitemap_errors(path: Path) -> list[str]:
    """What the sitemaps.org schema says about a sitemap file."""
    schema = _sitemap_schema()
    if schema.validate(etree.parse(str(path))):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder under one path prefix, like GitHub Pages serves a project at /repo/."""

    prefix = "/"

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / "404.html"
        if code == 404 and not_found.is_file():  # as Pages does: the site's own 404 page
            body = not_found.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, *args):
        pass


@contextmanager
def built_and_served(folder: Path, prefix: str):
    """content/ built strictly into folder for http://127.0.0.1:PORT{prefix} and served there until the block
    ends; gives the base URL."""
    from browser import free_port
    from conftest import PROJECT
    from featuresite.cli import main
    port = free_port()
    base = f"http://127.0.0.1:{port}{prefix}"
    assert main(["build", "--strict", "--content", str(PROJECT / "content"), "--out", str(folder),
                 "--base-url", base]) == 0
    with serve_folder(folder, prefix, port) as url:
        assert url == base
        yield base


@contextmanager
def serve_folder(folder: Path, prefix: str, port: int):
    """Serve folder at http://127.0.0.1:port{prefix} until the block ends."""
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
