"""Heading ids for articles: the ids Python-Markdown's toc extension gives, worked out by our own code.

The toc extension's helpers are not the same on every Python-Markdown
release (3.5 has none of remove_fnrefs, strip_tags or render_inner_html;
3.11.3 changed unique's signature and strip_tags' tag pattern), so the rules
are written out here, as toc 3.11.3 has them: a heading's id is the same
whichever release renders the article. Only the serializer and the
postprocessors, public parts of a Markdown instance, come from the library.
"""
from __future__ import annotations

import html
import re
from collections.abc import MutableSet
from copy import deepcopy

from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX

HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))

# toc 3.11.3's tag pattern (Python-Markdown's inline HTML pattern): quoted attribute values may hold `>`.
_TAG_RE = re.compile(
    r'''(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|'''
    r'!--(?:(?!<!--|-->).)*--|'
    r'[?](?:(?!<[?]|[?]>).)*[?]|'
    r'!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\]'
    ')>)', re.DOTALL)
_ESCAPED_RE = re.compile(rf"{STX}(\d+){ETX}")  # a backslash-escaped character, as the inline stage stores it
_COUNT_RE = re.compile(r"^(.*)_([0-9]+)$")
_MARKUP_CHARS_RE = re.compile("[<>&\x02\x03]")  # what the serializer escapes, and placeholders' delimiters


def slugify(value: str, separator: str = "-") -> str:
    """The toc extension's slugify_unicode: word characters, spaces and hyphens kept, lower case."""
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, value)


def unique(id: str, ids: MutableSet[str], counters: dict[str, int]) -> str:  # noqa: A002 (toc's name)
    """The id, or the first of id_1, id_2, ... not in ids; added to ids.

    counters maps a base id to n when base_1 ... base_n are all known to be
    taken (the same dict for every call with these ids), so that many equal
    headings do not each try every suffix again. The result is toc's.
    """
    if id in ids or not id:
        match = _COUNT_RE.match(id)
        base, count = (match.group(1), int(match.group(2))) if match else (id, 0)
        known = counters.get(base, 0)
        # Skip ahead only within (or just after) the run of suffixes known to be taken.
        skip = count <= known or id == f"{base}_{known + 1}"
        count = max(count, known) + 1 if skip else count + 1
        while f"{base}_{count}" in ids:
            count += 1
        id = f"{base}_{count}"
        if skip:
            counters[base] = count
    ids.add(id)
    return id


def strip_tags(text: str) -> str:
    """HTML text without its tags and comments, runs of white space made one space (entities stay)."""
    # A comment can hold what looks like a tag: comments go first.
    while (start := text.find("<!--")) != -1 and (end := text.find("-->", start)) != -1:
        text = text[:start] + text[end + 3:]
    return " ".join(_TAG_RE.sub("", text).split())


def remove_fnrefs(root):
    """The element without its footnote references (a copy if it has any): they are not part of its name."""
    if next(root.iter("sup"), None) is None:
        return root
    root = deepcopy(root)
    for parent in root.findall(".//sup/.."):
        carry = ""
        for child in reversed(parent):  # backwards, so that removing is safe; tails move to what precedes
            if child.tag == "sup" and child.get("id", "").startswith("fnref"):
                carry = f"{child.tail or ''}{carry}"
                parent.remove(child)
            elif carry:
                child.tail = f"{child.tail or ''}{carry}"
                carry = ""
        if carry:
            parent.text = f"{parent.text or ''}{carry}"
    return root


def run_postprocessors(text: str, md) -> str:
    """The text after the Markdown instance's postprocessors (raw HTML put back, ...), stripped."""
    for postprocessor in md.postprocessors:
        text = postprocessor.run(text)
    return text.strip()


def render_inner_html(element, md) -> str:
    """What the element holds, as the finished HTML of the Markdown instance writes it."""
    # Escaped characters are put back here: the stage that does it runs after heading ids.
    text = _ESCAPED_RE.sub(lambda match: chr(int(match.group(1))), md.serializer(element))
    return run_postprocessors(text[text.index(">") + 1:text.rindex("<")].strip(), md)


class HeadingIds(Treeprocessor):
    """Gives each heading without an id one from its text, for links to its section: the ids the toc extension
    gives, without the table of contents it also builds (no page shows one)."""

    def __init__(self, md, quick: bool):
        super().__init__(md)
        self.quick = quick
        """Name plain-text headings without serializing them (what the serializer would write for them)."""

    def run(self, root):  # noqa: D102 (Python-Markdown's name)
        used = {element.attrib["id"] for element in root.iter() if "id" in element.attrib}
        counters: dict[str, int] = {}
        for element in root.iter():
            if element.tag in HEADING_TAGS:
                if "id" not in element.attrib:
                    text = element.text or ""
                    if self.quick and len(element) == 0 and not _MARKUP_CHARS_RE.search(text):
                        name = strip_tags(run_postprocessors(text.strip(), self.md))
                    else:
                        name = strip_tags(render_inner_html(remove_fnrefs(element), self.md))
                    element.attrib["id"] = unique(slugify(html.unescape(name)), used, counters)
                element.attrib.pop("data-toc-label", None)
