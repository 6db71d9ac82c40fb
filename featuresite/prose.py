"""Markdown to HTML for articles: Python-Markdown with figure citations and CJK line joining."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .formatting import format_figure
from .model import Figure, Language, TextPair
from .parse import FIGURE_CITATION_RE

# Han ideographs, CJK punctuation and full-width forms: a line break between
# two of these is a soft wrap in Chinese text and must not become a space.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK_RE = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")


class _FigureCitation(InlineProcessor):
    """{{key}} -> <data class="figure" value="281000">28.1万人</data>."""

    def __init__(self, figures: dict[str, Figure], language: Language, strings: dict[str, TextPair]):
        super().__init__(FIGURE_CITATION_RE.pattern)
        self.figures, self.language, self.strings = figures, language, strings

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        figure = self.figures[m.group(1)]  # keys were checked by the link stage
        element = etree.Element("data", {"class": "figure", "value": str(figure.value)})
        element.text = format_figure(figure, self.language, self.strings)
        return element, m.start(0), m.end(0)


class _JoinCjkLines(Treeprocessor):
    """Removes soft line breaks between CJK characters (outside code)."""

    def run(self, root):
        for element in root.iter():
            if element.tag not in ("pre", "code") and element.text:
                element.text = _CJK_BREAK_RE.sub("", element.text)
            if element.tail:
                element.tail = _CJK_BREAK_RE.sub("", element.tail)


class _FeatureProse(Extension):
    def __init__(self, figures, language, strings):
        super().__init__()
        self.figures, self.language, self.strings = figures, language, strings

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        # Priority above 'backtick' would break code spans; 175 runs after them and before emphasis.
        md.inlinePatterns.register(_FigureCitation(self.figures, self.language, self.strings), "figure", 175)
        # After 'inline' (20) so that text nodes are final, before 'prettify' (10).
        md.treeprocessors.register(_JoinCjkLines(md), "join-cjk-lines", 15)


def render_markdown(body: str, figures: dict[str, Figure], language: Language,
                    strings: dict[str, TextPair]) -> str:
    """Article Markdown as HTML, figures written in the language's format."""
    md = markdown.Markdown(
        extensions=[
            "tables", "footnotes", "attr_list", "sane_lists",
            _FeatureProse(figures, language, strings),
            markdown.extensions.toc.TocExtension(slugify=slugify_unicode, toc_depth="2-4"),
        ],
        extension_configs={
            "footnotes": {"BACKLINK_TITLE": strings["footnote_backlink"][language.code]},
        },
        output_format="html",
    )
    return md.convert(body)
