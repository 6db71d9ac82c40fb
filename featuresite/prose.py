"""Markdown to HTML for articles: Python-Markdown with figure citations and CJK line joining.

What the parse stage rejects in an article's Markdown (`prose_problems`):
what breaks the raw HTML policy (rawhtml.py; the converter strips whatever
still reaches its output), and what would take Python-Markdown too long to
convert (prosebounds.py; the converter refuses it, so no input hangs a build).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, STX, AtomicString

from . import fastmarkdown
from .formatting import format_figure
from .headings import HeadingIds
from .hrefs import LINK_ATTRIBUTES
from .model import Figure, Language, TextPair
from .prosebounds import bounds_problems
# The raw HTML policy, also imported from here by other modules (svgcheck) and tests.
from .rawhtml import (ANIMATION_ELEMENTS, FORBIDDEN_ELEMENTS, URL_ATTRIBUTES, attribute_problem,  # noqa: F401
                      strip_unsafe_html, unsafe_html, unsafe_url)

FIGURE_CITATION_RE = re.compile(r"\{\{\s*+([^{}\s]*+)\s*+\}\}")
"""How prose cites a figure: {{key}}. (Possessive: without, `{{` and a long run of spaces take time that grows
with the square of the run.)"""

# Han ideographs, CJK punctuation and full-width forms: a line break between
# two of these is a soft wrap in Chinese text and must not become a space.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK_RE = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")


class _FigureCitation(InlineProcessor):
    """{{key}} -> <data class="figure" value="281000">28.1万人</data>."""

    def __init__(self, cite: Callable[[str, Language], tuple[str, str]], language: Language):
        super().__init__(FIGURE_CITATION_RE.pattern)
        self.cite, self.language = cite, language

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        if STX in m.group(1):
            # Braces around a code span or an escaped character, not a citation as written (the parse
            # stage, which sees the text with code blanked, checked only what it could read as one).
            return None, None, None
        value, text = self.cite(m.group(1), self.language)  # keys were checked by the link stage
        element = etree.Element("data", {"class": "figure", "value": value})
        # Atomic: the formatted figure (its unit, the UI strings around it) is text, not more Markdown.
        element.text = AtomicString(text)
        return element, m.start(0), m.end(0)


def cite_figure(figure: Figure, language: Language, strings: dict[str, TextPair]) -> tuple[str, str]:
    """What a citation of the figure shows: its value as data (machine-readable) and its text in the language."""
    return str(figure.value), format_figure(figure, language, strings)


class _JoinCjkLines(Treeprocessor):
    """Removes soft line breaks between CJK characters (outside code)."""

    def run(self, root):
        for element in root.iter():
            # Most texts have no line break at all: the test is far cheaper than the substitution.
            if element.tag not in ("pre", "code") and element.text and "\n" in element.text:
                element.text = _CJK_BREAK_RE.sub("", element.text)
            if element.tail and "\n" in element.tail:
                element.tail = _CJK_BREAK_RE.sub("", element.tail)


_PLAIN_NAME_RE = re.compile(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*\Z")
_PLAIN_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "em", "strong", "code", "pre",
                         "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "div", "sup"})
"""Tags with plain names, none forbidden: without attributes, such an element is nothing to look at."""


class _HtmlScanNeeded(Treeprocessor):
    """Decides, from the finished tree, whether the HTML needs strip_unsafe_html's scan.

    It does not when the article holds no raw HTML (nothing was stashed) and
    every element and attribute is one the scan would pass: plain names, none
    forbidden, and no `&` in attribute values. The HTML is then exactly what
    the serializer writes from this tree, so the scan could find nothing.
    Anything else is scanned.
    """

    needed = True
    """The verdict for the last conversion."""

    def run(self, root):
        # The raw-HTML stash's counter, and the serializer writing just this tree, are Python-Markdown's
        # internals: this stage is used only with the speed-ups (a tested release); else every article is scanned.
        self.needed = self.md.htmlStash.html_counter > 0 or any(map(self._suspect, root.iter()))

    @staticmethod
    def _suspect(element) -> bool:
        tag = element.tag
        if tag in _PLAIN_TAGS and not element.attrib:  # most elements: the checks below would pass them
            return False
        if not isinstance(tag, str) or not _PLAIN_NAME_RE.match(tag):  # a comment, or a name to look at
            return True
        tag = tag.lower()
        if tag in FORBIDDEN_ELEMENTS or tag == "iframe" or tag in ANIMATION_ELEMENTS:
            return True
        for name, value in element.attrib.items():
            # A value of None is an attribute written without one (attr_list's `{: name }`, 3.11.3 on).
            if (not _PLAIN_NAME_RE.match(name) or (value is not None and ("&" in value or AMP_SUBSTITUTE in value))
                    or attribute_problem(tag, name.lower(), value)):
                return True
        return False


class ProseLinks(Treeprocessor):
    """Hands each link and image URL of the converted tree to `resolve(url)`, which gives (the URL to publish,
    a problem or ''); keeps what was found for the converter to collect."""

    def __init__(self, md, resolve: Callable[[str], tuple[str, str]]):
        super().__init__(md)
        self.resolve = resolve
        self.found: list[tuple[str, str, str]] = []
        """(written, published, problem) of the last conversion, in document order."""

    def run(self, root):
        found = self.found = []
        for element in root.iter():
            attribute = LINK_ATTRIBUTES.get(element.tag)
            if attribute is None:
                continue
            written = element.get(attribute)
            if written is None or element.get("class") in ("footnote-ref", "footnote-backref"):
                continue  # a footnote's own links, made by the footnote extension: never wrong
            published, problem = self.resolve(written)
            if published != written:
                element.set(attribute, published)
            found.append((written, published, problem))


class _FeatureProse(Extension):
    def __init__(self, cite, link, language, quick: bool):
        super().__init__()
        self.cite, self.link, self.language, self.quick = cite, link, language, quick

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        # Priority above 'backtick' would break code spans; 175 runs after them and before emphasis.
        md.inlinePatterns.register(_FigureCitation(self.cite, self.language), "figure", 175)
        # After 'inline' (20) so that text nodes are final, before 'prettify' (10).
        md.treeprocessors.register(_JoinCjkLines(md), "join-cjk-lines", 15)
        md.treeprocessors.register(HeadingIds(md, self.quick), "heading-ids", 5)  # where the toc extension runs
        # After the footnotes (50) and inline (20) stages have made every link.
        md.treeprocessors.register(ProseLinks(md, self.link), "prose-links", 12)
        if self.quick:
            # Last, after 'unescape' (0) has put back escaped characters: it judges the final tree.
            md.treeprocessors.register(_HtmlScanNeeded(md), "html-scan-needed", -10)


def _new_markdown(cite: Callable[[str, Language], tuple[str, str]], link: Callable[[str], tuple[str, str]],
                  language: Language, strings: dict[str, TextPair], quick: bool = False) -> markdown.Markdown:
    # Extensions as objects, not names: looking names up (entry points) costs more than a small build's rendering.
    return markdown.Markdown(
        extensions=[
            TableExtension(),
            # Python-Markdown str.format()s this (after turning %d into {}): other braces are text.
            FootnoteExtension(BACKLINK_TITLE=strings["footnote_backlink"][language.code]
                              .replace("{", "{{").replace("}", "}}")),
            AttrListExtension(),
            SaneListExtension(),
            _FeatureProse(cite, link, language, quick),
        ],
        output_format="html",
    )


def prose_problems(body: str, blanked: str) -> list[tuple[int, int, str]]:
    """(line, column, message), 1-based within the body, of everything the parse stage rejects in an article's
    Markdown: what breaks the raw HTML policy, and what is past the limits that keep conversion fast.

    blanked is the body with code blanked out (columns kept), for the raw HTML
    check; the limits are measured on the body as written, as the converter
    measures them.
    """
    return sorted(set(unsafe_html(blanked)) | set(bounds_problems(body)))


class ProseTooLong(ValueError):
    """A body past the limits of prosebounds.py, given to the converter (the parse stage reports these)."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(f"line {line}, column {col} of the article body: {message}")
        self.line, self.col, self.message = line, col, message


class ProseConverter:
    """Article Markdown to HTML for one site's figures and UI strings.

    One Python-Markdown instance per language, reset between articles: setting
    one up costs about as much as converting a typical article.
    """

    def __init__(self, figures: dict[str, Figure], strings: dict[str, TextPair], quick: bool | None = None,
                 cite: Callable[[str, Language], tuple[str, str]] | None = None,
                 link: Callable[[str], tuple[str, str]] | None = None, checked: bool = False):
        self.figures, self.strings = figures, strings
        self.checked = checked
        """Whether every body given has passed the parse stage, which rejects one past the limits of
        prosebounds.py (then convert need not measure it again); else convert measures each body first."""
        self.cite = cite or (lambda key, language: cite_figure(self.figures[key], language, self.strings))
        """What a citation {{key}} shows in a language: (value, text); by default cite_figure's."""
        self.link = link or (lambda url: (url, ""))
        """What a link or image URL of prose becomes: (URL to publish, problem or ''); by default as written
        (see hrefs.py)."""
        self.links: list[tuple[str, str, str]] = []
        """The links and images of the last body converted: (as written, as published, problem)."""
        self.quick = fastmarkdown.tested() if quick is None else quick
        """Use fastmarkdown's speed-ups and this module's own short cuts that rely on Python-Markdown's
        internals (the same HTML). By default only on a release they are tested on (fastmarkdown.tested());
        False is stock Python-Markdown, True forces them on (for tests)."""
        self._instances: dict[Language, markdown.Markdown] = {}

    def convert(self, body: str, language: Language) -> str:
        """The body as HTML, figures written in the language's format.

        A body past the limits of prosebounds.py (which the parse stage reports)
        raises ProseTooLong instead: converting it could take hours.
        """
        problems = () if self.checked else bounds_problems(body)
        if problems:
            raise ProseTooLong(*problems[0])
        md = self._instances.get(language)
        if md is None:
            md = self._instances[language] = _new_markdown(self.cite, lambda url: self.link(url), language,
                                                           self.strings, self.quick)
            if self.quick:
                fastmarkdown.speed_up(md)
        md.reset()
        attr_list = md.treeprocessors["attr_list"]
        if isinstance(attr_list, fastmarkdown.SkippableAttrList):
            # Every attribute list holds a `{` written in the source, and the figure citations' braces
            # are gone before that stage runs (what a citation becomes has no attribute list).
            attr_list.wanted = "{" in FIGURE_CITATION_RE.sub("", body)
        output = md.convert(body)
        self.links = md.treeprocessors["prose-links"].found
        # The parse stage has rejected unsafe HTML where it could locate it; this catches the rest.
        # (Without the speed-ups there is no 'html-scan-needed' stage, and every article is scanned.)
        if self.quick and not md.treeprocessors["html-scan-needed"].needed:
            return output
        return strip_unsafe_html(output)


def render_markdown(body: str, figures: dict[str, Figure], language: Language,
                    strings: dict[str, TextPair]) -> str:
    """Article Markdown as HTML, figures written in the language's format (one-off; see ProseConverter)."""
    return ProseConverter(figures, strings).convert(body, language)
