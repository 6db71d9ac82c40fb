"""SVG files are published as they are, and an SVG opened on its own is a document of the site: whatever
script it holds runs on the site's origin. So an SVG that could run script is a content error, at the tag.

Refused (docs/content.md, "Files the build reads"): `<script>`, `<foreignObject>` (it embeds HTML) and any
element in the HTML namespace; `on...` event-handler attributes; `javascript:`, `vbscript:` or `data:` (other
than `data:image/...`) URLs in any `href`, `src` or other URL attribute, or set by an animation; an animation
of an event-handler attribute; `<?xml-stylesheet?>` (an XSLT stylesheet can turn the file into a page); entity
declarations (markup can hide in them); and a file that is not well-formed XML (what a browser would make of
it is not what this check read).
"""
from __future__ import annotations

import pyexpat
from pathlib import Path

from .errors import Diagnostics
from .prose import URL_ATTRIBUTES, unsafe_url

XHTML = "http://www.w3.org/1999/xhtml"
"""The HTML namespace: elements in it are HTML, scripts included, wherever they are in an SVG."""
FORBIDDEN_ELEMENTS = frozenset({"script", "foreignobject", "handler", "listener"})
"""Elements (by local name, in any namespace and letter case) that run script or embed a page."""
ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
"""Elements that can set another attribute's value (to=, from=, by=, values=)."""
_ANIMATED_VALUES = ("to", "from", "by", "values")


class _Stop(Exception):
    """Stops the parse: what follows is not worth reading (e.g. after an entity declaration)."""


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an expat name written 'namespace local' (or 'local')."""
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def _attribute_problem(tag: str, name: str, value: str) -> str | None:
    """Why this attribute may not be on this element of an SVG, or None."""
    if name.lower().startswith("on"):
        return f"event-handler attribute '{name}' on <{tag}>: remove the attribute"
    urls = []
    if name.lower() in URL_ATTRIBUTES or name.lower().endswith("href"):
        urls = [value]
    elif tag.lower() in ANIMATIONS and name.lower() in _ANIMATED_VALUES:
        urls = value.split(";")
    for url in urls:
        scheme = unsafe_url(url)
        if scheme:
            return f"{scheme}: URL in {name}= of <{tag}>: remove it, or use an http(s) or relative URL"
    if tag.lower() in ANIMATIONS and name == "attributeName" and value.split(":")[-1].strip().lower().startswith("on"):
        return f"<{tag}> animates the event-handler attribute '{value}': remove the <{tag}> element"
    return None


def svg_problems(data: bytes) -> list[tuple[int, int, str]]:
    """What in this SVG file could run script, as (line, column, message), both 1-based, at the tag or
    declaration that holds it; [] for a safe SVG."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    problems: list[tuple[int, int, str]] = []
    inside = [0]  # depth inside an element reported whole: what it holds goes with it, unreported

    def add(message: str) -> None:
        problems.append((parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, message))

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, tag = _local(name)
        if inside[0]:
            inside[0] += 1
            return
        if tag.lower() in FORBIDDEN_ELEMENTS or namespace == XHTML:
            what = f"<{tag}>" if namespace != XHTML else f"HTML element <{tag}>"
            add(f"{what} in an SVG file: opened on its own, the SVG would run it on the site; remove the "
                f"<{tag}> element")
            inside[0] = 1
            return
        for attribute, value in attrs.items():
            problem = _attribute_problem(tag, _local(attribute)[1], value)
            if problem:
                add(f"{problem} (an SVG opened on its own runs it on the site)")
                return  # one message per tag

    def end(_name: str) -> None:
        if inside[0]:
            inside[0] -= 1

    def instruction(target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            add("<?xml-stylesheet?> in an SVG file: a stylesheet can make it a page that runs script; remove it")

    def entity(name: str, *_args) -> None:
        add(f"entity declaration <!ENTITY {name}> in an SVG file: markup can hide in it; remove the "
            "<!DOCTYPE> with its declarations")
        raise _Stop

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.ProcessingInstructionHandler = instruction
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except _Stop:
        pass
    except pyexpat.ExpatError as exc:
        reason = pyexpat.errors.messages[exc.code]
        problems.append((exc.lineno, exc.offset + 1, f"not a well-formed SVG (XML: {reason}): a browser would not "
                         "read it as this check did; fix it or export it again"))
    return problems


PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".svgz")
"""Files that browsers open as documents that may run script (and an SVG compressed past checking)."""


def check_svgs(folder: Path, files: dict[str, bytes], diags: Diagnostics) -> None:
    """Report what could run script in each SVG file (by name: .svg) among these files of a folder (by their
    path relative to it), at its tag; and any file a browser would open as a page of its own (PAGE_SUFFIXES),
    which would run on the site's origin."""
    for rel, data in files.items():
        if rel.lower().endswith(PAGE_SUFFIXES):
            diags.error(folder / rel, 1, 1, "a page of its own would be published here, and any script in it would "
                        "run on the site's origin: publish it elsewhere and link to it, or make it an article")
        elif rel.lower().endswith(".svg"):
            for line, col, message in svg_problems(data):
                diags.error(folder / rel, line, col, message)
