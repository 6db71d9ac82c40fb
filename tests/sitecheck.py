"""Reading a built site the way a crawler does: links, anchors and alternates of every HTML page."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit


@dataclass
class PageLinks:
    """What one HTML page links to and which ids it has."""

    links: list[str] = field(default_factory=list)
    """href/src values of a, link, img, script."""
    ids: set[str] = field(default_factory=set)
    """Every id attribute."""
    lang: str | None = None
    """The <html lang> value."""


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = PageLinks()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page.lang = attrs.get("lang")
        if "id" in attrs:
            self.page.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and tag in ("a", "link", "img", "script"):
                self.page.links.append(attrs[name])


def read_page(path: Path) -> PageLinks:
    """Links and ids of one HTML file."""
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector.page


def url_to_file(url: str, base_url: str, out: Path) -> Path | None:
    """The output file a site URL points to, or None if the URL is outside the site."""
    base = urlsplit(base_url)
    parts = urlsplit(url)
    if parts.scheme and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not parts.path.startswith(base.path):
        if parts.scheme:
            return None  # same host, but not this site
        raise AssertionError(f"{url} is outside the base path {base.path}")
    rel = parts.path[len(base.path):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return out / rel


def page_url(path: Path, base_url: str, out: Path) -> str:
    """The absolute URL a file is served at."""
    rel = path.relative_to(out).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return base_url + rel


def broken_links(out: Path, base_url: str) -> list[str]:
    """Every internal link, asset, alternate or #anchor that does not resolve, as 'page -> url' lines."""
    pages = {p: read_page(p) for p in sorted(out.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        here = page_url(path, base_url, out)
        for link in page.links:
            absolute = urljoin(here, link)
            target_url, fragment = urldefrag(absolute)
            target = url_to_file(target_url, base_url, out)
            if target is None:
                continue  # another site
            if not target.is_file():
                problems.append(f"{path.relative_to(out)} -> {link} (no file)")
            elif fragment and target.suffix == ".html" and fragment not in pages[target].ids:
                problems.append(f"{path.relative_to(out)} -> {link} (no id {fragment!r})")
    return problems


def reachable_from(start: Path, out: Path, base_url: str) -> set[Path]:
    """Every HTML file a crawler reaches by following links from one page."""
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file() or path.suffix != ".html":
            continue
        seen.add(path)
        here = page_url(path, base_url, out)
        for link in read_page(path).links:
            target = url_to_file(urldefrag(urljoin(here, link))[0], base_url, out)
            if target is not None:
                todo.append(target)
    return seen
