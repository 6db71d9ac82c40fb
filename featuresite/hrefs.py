"""Links in article prose: the forms editors write, what they become, and the check that each one leads
somewhere on the built site.

An editor links to the site with a page kind's name, which survives any base
path and any page depth:

    [the platform](platform:harbour-lab)      a page of one item: <kind>:<slug>
    [the timeline](timeline:#event-2019)      a page of its own: <kind>: (with an anchor, if wanted)
    [another article](article:some-slug#why)  pages per language open in the page's own language
    ![a chart](media:chart.svg)               a file of content/media/

While an article converts, `prose.ProseLinks` hands every link and image of its
prose to a resolver (the renderer's: `kind:` forms become URLs with the base
path). What each page's prose links to is kept with the build, and after
rendering `check_links` requires every link of every page to lead to a page,
an anchor on that page (an id in its HTML) or a copied file of the built site.
The ids come from the rendered pages themselves: no list of what templates
write is kept here.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit


from .errors import ContentErrors, Diagnostics, Lines

if TYPE_CHECKING:
    from .model import Site

LINK_ATTRIBUTES = {"a": "href", "img": "src"}
"""The elements of prose that link, and the attribute that holds the URL."""
EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel")
"""Schemes of links that leave the site (checked for form only: nothing is fetched)."""
MEDIA = "media"
"""The form for a file of content/media/: media:<path>."""


ProseLink = tuple[str, str, str, int, int]
"""One link or image of an article's prose, as written and as published: (the URL as the editor wrote it, the
URL in the page ('' when it leads nowhere), why it leads nowhere if that was found while converting (a
`kind:` form naming nothing) else '', the line and the column where it is written in the article file, from
1). A plain tuple: the dependency graph stores thousands as they are (marshal), and reads them back so."""


PageLinks = tuple[str, tuple[ProseLink, ...]]
"""The article file a page's prose comes from, and the links of that prose."""


def check_site_links(site: Site, links: Mapping[str, PageLinks], read: Callable[[str], bytes | None],
                     diags: Diagnostics, strict: bool) -> None:
    """After rendering: every link of every page's prose leads somewhere (check_links); raises ContentErrors
    if one does not. links: what each page's prose links to (of the pages rendered now and before); read: a
    page's bytes by output path, as this build leaves it (see reader)."""
    urls = {page.output_path: page.url_path for page in site.pages}
    check_links({page: found for page, found in links.items() if page in urls}, urls, site.output_files(),
                site.config.base_path, read, diags)
    if strict:
        diags.make_strict()
    if diags.errors:
        raise ContentErrors(diags)


def reader(*folders: Path) -> Callable[[str], bytes | None]:
    """A page's bytes by output path, from the first of these folders that has it."""
    def read(rel: str) -> bytes | None:
        for folder in folders:
            try:
                return (folder / rel).read_bytes()
            except OSError:
                continue
        return None
    return read


def locate_links(found: list[tuple[str, str, str]], body: str, body_line: int) -> tuple[ProseLink, ...]:
    """The links found in a converted body, each with its place in the file: the first place, after the
    previous link's, where the URL is written."""
    lines = Lines(body)
    located = []
    cursor = 0
    for written, published, problem in found:
        at = body.find(written, cursor) if written else -1
        if at < 0:
            at = body.find(written) if written else -1
        if at < 0:
            line, col = body_line, 1
        else:
            cursor = at + len(written)
            line, col = lines.at(at)
            line += body_line - 1
        located.append((written, published, problem, line, col))
    return tuple(located)


_ID_RE = re.compile(rb"""\sid=(?:"([^"]*)"|'([^']*)')""")


def ids_in(html: bytes) -> set[str]:
    """The id attributes of an HTML page (as our templates and Python-Markdown write them: quoted)."""
    return {(double or single).decode("utf-8", "replace") for double, single in _ID_RE.findall(html)}


def check_links(links: Mapping[str, PageLinks], page_urls: Mapping[str, str], files: set[str],
                base_path: str, read: Callable[[str], bytes | None], diags: Diagnostics) -> None:
    """Every link of every page's prose leads somewhere: a located error for each that does not, a warning
    for each malformed external link.

    links: output path -> (article file, its links); page_urls: output path -> the page's URL path (relative
    to the base); files: every output path of the site; read: a page's bytes by output path (for its ids).
    """
    ids: dict[str, set[str]] = {}
    known: dict[tuple[str, str, str], tuple[str, str] | None] = {}  # many pages link to the same pages
    for output, (source, found) in links.items():
        here = base_path + page_urls[output]
        for written, published, problem, line, col in found:
            if problem:
                found_problem = ("error", problem)
            else:
                # What a link gives depends on the page only when it is relative (or names this page's ids).
                key = (written, published, "" if published.startswith(("/", "http:", "https:")) else here)
                if key not in known:
                    known[key] = _problem(written, published, here, files, base_path, read, ids)
                found_problem = known[key]
            if found_problem is not None:
                severity, message = found_problem
                (diags.warning if severity == "warning" else diags.error)(source, line, col, message)


def _problem(written: str, url: str, here: str, files: set[str], base_path: str,
             read: Callable[[str], bytes | None], ids: dict[str, set[str]]) -> tuple[str, str] | None:
    """What is wrong with one link (as written, as published), as (severity, message), or None."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        if parts.scheme in ("http", "https") and (not parts.netloc or any(c.isspace() for c in url)):
            return "warning", f"the link '{written}' is not a well-formed web address"
        return None
    if written.startswith("/"):
        return "error", (f"the link '{written}' starts at the domain's root, so it breaks when the site is "
                         f"published below a path: write {_suggestion(written)}")
    target = urljoin(here, parts.path) if parts.path else here
    if not target.startswith(base_path):
        return "error", f"the link '{written}' leads outside the site"
    rel = unquote(posixpath.normpath(target[len(base_path):]) + ("/" if target.endswith("/") else ""))
    rel = "" if rel in (".", "./") else rel
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if rel not in files:
        if rel + "/index.html" not in files:
            return "error", (f"the link '{written}' leads nowhere: the site has no {rel} (to link within the "
                             f"site write {_suggestion(written)})")
        rel += "/index.html"
    if parts.fragment and rel.endswith(".html"):
        if rel not in ids:
            ids[rel] = ids_in(read(rel) or b"")
        if unquote(parts.fragment) not in ids[rel]:
            return "error", f"the link '{written}' names an anchor #{unquote(parts.fragment)} that {rel} does not have"
    return None


def _suggestion(written: str) -> str:
    """How to write a link to the site that survives any base path and page depth."""
    name = posixpath.basename(written.split("#")[0].split("?")[0].rstrip("/"))
    if "media/" in written or posixpath.splitext(name)[1] not in ("", ".html"):
        return f"media:{name or 'file.png'} for a file of content/media/"
    return "<kind>:<slug> (e.g. article:some-slug, platform:some-slug, timeline:#event-id)"


def media_url(base_path: str, media_files: Mapping[str, bytes], path: str) -> tuple[str, str]:
    """What media:<path> becomes: (URL, problem or '')."""
    name = unquote(path.split("#")[0])
    if name not in media_files:
        return "", f"the link 'media:{path}' leads nowhere: content/media/ has no file {name}"
    return f"{base_path}media/{path}", ""
