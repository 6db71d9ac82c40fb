"""Python-Markdown with the work that provably finds nothing left out: the same HTML, in less time.

Python-Markdown tries every block rule and every inline pattern on every
piece of text, through several Python calls each, and most prose matches
none of them. `speed_up(md)` changes a set-up Markdown instance so that:

- a block rule is not tried on a block that lacks what every block it
  accepts contains (a heading needs a `#`, a table a `|`, ...: BLOCK_NEEDS);
- an inline pattern is not tried on text that lacks every character its
  matches contain (INLINE_NEEDS);
- text without a placeholder is not searched for one;
- block-level tags are looked up in a set, not a list;
- the tree is written out by a recursive serializer (the stock one, written
  to be safe from deep recursion, costs more per element); any tree it does
  not expect, or one nested deeper than recursion allows, goes the stock way.

Each step either is the stock one or is skipped where the stock one would
find nothing, so the output cannot change; tests/test_prose.py compares the
two on samples made to reach every rule. A rule or pattern these tables do
not know (another extension's) is always tried, as stock.

This stands on Python-Markdown's private parts, which change between
releases (even patch releases: 3.11.1 rewrote emphasis, 3.11.3 the writing
of boolean attributes). So it is used only on the releases in
TESTED_RELEASES (`tested()`); on any other, stock Python-Markdown runs. The
imports below must not fail on any release pyproject.toml allows.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import markdown
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.serializers import HTML_EMPTY, to_html_string
from markdown.treeprocessors import InlineProcessor, UnescapeTreeprocessor
from markdown.util import INLINE_PLACEHOLDER_PREFIX, STX, AtomicString

try:  # What the quick serializer mirrors: private names, and BOOLEAN_ATTRIBUTES is new in 3.11.3 (before,
    # every attribute whose value is its name was written bare). Without them the stock serializer is kept.
    from markdown.serializers import BOOLEAN_ATTRIBUTES, _escape_attrib_html, _escape_cdata
except ImportError:
    BOOLEAN_ATTRIBUTES = None

TESTED_RELEASES = frozenset({"3.11.3", "3.11.4"})
"""The Python-Markdown releases the speed-ups are used on: those tests/test_prose.py has compared with stock
(it runs on the release installed; tests/test_markdown_versions.py builds the site on the oldest and newest
release pyproject.toml allows). Add a release only after those tests pass on it."""


def release() -> str:
    """The version of the Python-Markdown that is imported, e.g. '3.11.3'."""
    return markdown.__version__


def tested() -> bool:
    """Whether the imported Python-Markdown is one the speed-ups are tested on (else stock must run)."""
    return release() in TESTED_RELEASES


BLOCK_NEEDS = {
    "hashheader": "#", "setextheader": "=-", "hr": "-_*", "quote": ">", "table": "|",
    # Both take every block and give it back when their search finds no `[...]:` definition in it.
    "reference": ("]:",), "footnote": ("]:",),
}
"""Block rules by name, with what every block they accept contains: one of the characters (a string), or
one of the strings (a tuple)."""

INLINE_NEEDS = {
    "backtick": "`", "escape": "\\", "footnote": "[", "figure": "{", "reference": "[", "link": "[",
    "image_link": "[", "image_reference": "[", "short_reference": "[", "short_image_ref": "[",
    "autolink": "<", "automail": "<", "html": "<", "entity": "&", "linebreak": ("  \n",),
    "em_strong": "*_", "em_strong2": "_", "strong_em": "*_", "not_strong": "*_",
}
"""Inline patterns by name, with what every match of them contains (as in BLOCK_NEEDS)."""


def _needing(needs: str | tuple[str, ...], test: Callable) -> Callable:
    """A block rule's test that first checks the block holds one of its needs."""
    if len(needs) == 1:
        need = needs[0]
        return lambda parent, block: need in block and test(parent, block)
    found = re.compile("|".join(map(re.escape, needs))).search
    return lambda parent, block: found(block) is not None and test(parent, block)


class QuickInline(InlineProcessor):
    """Python-Markdown's inline stage, trying each pattern only on text that holds something it needs.

    Set up by speed_up: it knows every registered pattern (else it is not used).
    """

    def __init__(self, md: markdown.Markdown, needs: list[frozenset[str]], triggers: re.Pattern):
        super().__init__(md)
        self.needs = needs
        """Per inline pattern, in order: what its matches need (characters, or longer strings)."""
        self.triggers = triggers
        """Finds every one of those characters and strings."""
        self.patterns = list(md.inlinePatterns)
        """The patterns, in order (the registry's own lookup by index is slow)."""

    # The stock stage's private method (Python-Markdown 3.x): the same loop, with patterns that cannot
    # match skipped. Were it renamed, this would no longer be called and conversion would only be
    # slower; tests/test_prose.py checks that it is still called.
    def _InlineProcessor__handleInline(self, data, patternIndex=0):  # noqa: N802, N803
        if isinstance(data, AtomicString):
            return data
        # What the text holds of what patterns need. A match only replaces text by a placeholder
        # (which holds none of it), so this stays a superset of what is left as the loop goes on.
        present = set(self.triggers.findall(data))
        if not present:
            return data
        needs, patterns, apply = self.needs, self.patterns, self._InlineProcessor__applyPattern
        start, count = 0, len(patterns)
        while patternIndex < count:
            if needs[patternIndex].isdisjoint(present):
                # It cannot match: what the stock step returns when it finds nothing.
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data

    # Another private method of the stock stage. For text without a placeholder, the stock loop
    # comes down to this: the text joins the parent's text (or tail), and no element comes out.
    def _InlineProcessor__processPlaceholders(self, data, parent, isText=True):  # noqa: N802, N803
        if not data or INLINE_PLACEHOLDER_PREFIX in data:
            return super()._InlineProcessor__processPlaceholders(data, parent, isText)
        if isText:
            parent.text = parent.text + data if parent.text else data
        else:
            parent.tail = parent.tail + data if parent.tail else data
        return []


class QuickUnescape(UnescapeTreeprocessor):
    """The stock stage that puts back escaped characters, looking only at text that holds a placeholder."""

    def run(self, root):  # noqa: D102 (Python-Markdown's name)
        unescape = self.unescape
        for element in root.iter():
            text = element.text
            if text and STX in text and element.tag != "code":
                element.text = unescape(text)
            tail = element.tail
            if tail and STX in tail:
                element.tail = unescape(tail)
            if element.attrib:
                for key, value in element.items():
                    if value is not None and STX in value:
                        element.set(key, unescape(value))


class SkippableAttrList(AttrListTreeprocessor):
    """The attr_list stage, left out for a text that its caller knows holds no attribute list."""

    wanted = True
    """Whether to run on the next conversion (every attribute list holds a `{` the source shows)."""

    def run(self, doc):  # noqa: D102 (Python-Markdown's name)
        if self.wanted:
            super().run(doc)


class _Unusual(Exception):
    """A tree the quick serializer leaves to the stock one."""


_BOOLEAN = BOOLEAN_ATTRIBUTES["html"] if BOOLEAN_ATTRIBUTES else None


def _html_of(root) -> str:
    parts: list[str] = []
    write = parts.append

    def element(node) -> None:
        tag = node.tag
        if type(tag) is not str:  # a comment, processing instruction, QName or bare text: stock
            raise _Unusual
        write("<" + tag)
        if node.attrib:
            for name, value in sorted(node.items()):  # lexical order, as stock
                if type(name) is not str:
                    raise _Unusual
                if value is None:
                    write(" " + name)
                    continue
                if type(value) is not str:
                    raise _Unusual
                value = _escape_attrib_html(value)
                write(" " + value if name == value and name in _BOOLEAN else f' {name}="{value}"')
        write(">")
        lower = tag.lower()
        text = node.text
        if text:
            write(text if lower in ("script", "style") else _escape_cdata(text))
        for child in node:
            element(child)
        if lower not in HTML_EMPTY:
            write(f"</{tag}>")
        if node.tail:
            write(_escape_cdata(node.tail))

    element(root)
    return "".join(parts)


def serialize_html(root) -> str:
    """Python-Markdown's HTML serializer's output for the tree (its own code for trees it does not expect)."""
    if _BOOLEAN is None:  # a release before 3.11.3: not what the quick one mirrors
        return to_html_string(root)
    try:
        return _html_of(root)
    except (_Unusual, RecursionError):
        return to_html_string(root)


def speed_up(md: markdown.Markdown) -> None:
    """Make a set-up Markdown instance faster, its output unchanged (call before its first conversion).

    Only for a release in TESTED_RELEASES (the caller checks `tested()`; tests call it on any release).
    """
    blocks = md.parser.blockprocessors
    for name, needs in BLOCK_NEEDS.items():
        if name in blocks:
            blocks[name].test = _needing(needs, blocks[name].test)
    patterns = md.inlinePatterns
    known = [name for name in INLINE_NEEDS if name in patterns]
    if type(md.treeprocessors["inline"]) is InlineProcessor and len(known) == len(patterns):
        needs: list = [None] * len(patterns)
        for name in known:
            needs[patterns.get_index_for_name(name)] = frozenset(INLINE_NEEDS[name])
        everything = sorted(set().union(*needs), key=lambda need: (len(need) > 1, need))
        chars = "".join(need for need in everything if len(need) == 1)
        triggers = re.compile("|".join([f"[{re.escape(chars)}]"] +
                                       [re.escape(need) for need in everything if len(need) > 1]))
        md.treeprocessors.register(QuickInline(md, needs, triggers), "inline", 20)
    if type(md.treeprocessors["unescape"]) is UnescapeTreeprocessor:
        md.treeprocessors.register(QuickUnescape(md), "unescape", 0)
    if "attr_list" in md.treeprocessors and type(md.treeprocessors["attr_list"]) is AttrListTreeprocessor:
        md.treeprocessors.register(SkippableAttrList(md), "attr_list", 8)
    block_level = frozenset(md.block_level_elements)  # extensions add to it while being set up, never later
    md.is_block_level = lambda tag: isinstance(tag, str) and tag.lower().rstrip("/") in block_level
    # The quick serializer writes attributes as 3.11.3 does, not as earlier releases (see the imports).
    if md.serializer is to_html_string and _BOOLEAN is not None:
        md.serializer = serialize_html
