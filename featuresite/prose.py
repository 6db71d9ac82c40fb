"""Markdown to HTML for articles: Python-Markdown with figure citations and CJK line joining.

Raw HTML policy (docs/content.md, "Raw HTML"): editors are trusted, so HTML
written in an article is kept as written, except what can make a page run
script: `<script>`, `<style>`, `<base>`, `<meta>` and the raw-text elements,
`on...` event-handler attributes, `srcdoc`, `javascript:`, `vbscript:` or
`data:` (other than `data:image/...`) URLs in links and other URL
attributes, and the comment and CDATA forms that browsers end earlier than
Python's HTML parser (the way markup is smuggled past a filter). The parse stage
rejects these as content errors at their line (`unsafe_html`); as a second
line of defence, `render_markdown` strips any that still reach its output
(e.g. written in a way the source scan does not see).
"""
from __future__ import annotations

import bisect
import html
import re
import xml.etree.ElementTree as etree
from html.parser import HTMLParser

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from . import fastmarkdown
from .formatting import format_figure
from .headings import HeadingIds
from .model import Figure, Language, TextPair

FIGURE_CITATION_RE = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")
"""How prose cites a figure: {{key}}."""

FORBIDDEN_ELEMENTS = frozenset({"script", "style", "base", "meta", "title", "textarea", "noscript", "xmp",
                                "noembed", "noframes", "plaintext"})
"""Elements an article may not contain: they run script, restyle or redirect the whole page, or hold raw
text that browsers end where this check would not (the way markup is smuggled past a filter)."""
_VOID_ELEMENTS = frozenset({"base", "meta"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background",
                            "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "srcset", "imagesrcset"})
"""Attributes whose value is a URL (or, for the srcset ones, a list of them)."""
_ANIMATION_ELEMENTS = frozenset({"animate", "set"})
_ANIMATION_VALUES = frozenset({"to", "from", "values"})  # SVG animation can set an href to these
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")
# Browsers ignore leading spaces and control characters, and tabs and newlines anywhere in a URL;
# here every space goes too, which can only find more.
_STRIPPED_FROM_URLS = re.compile(r"[\x00-\x20\x7f]+")
_MARKDOWN_LINK_RE = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s)]*)")
_REFERENCE_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_COMMENT_END_RE = re.compile(r"--\s*>")  # where Python's HTMLParser ends a comment
_STRIP_ROUNDS = 5
"""Stripping can join the pieces around what it removed into new markup; it repeats until nothing is left."""


def unsafe_url(url: str) -> str | None:
    """The URL's scheme if it would run script (javascript:, vbscript:, data: but not data:image/), else None.

    The URL is read as a browser reads it: character references decoded,
    control characters and spaces ignored, letters in any case.
    """
    plain = _STRIPPED_FROM_URLS.sub("", html.unescape(url)).lower()
    match = _SCHEME_RE.match(plain)
    if not match:
        return None
    scheme = match.group(1)
    if scheme in ("javascript", "vbscript") or (scheme == "data" and not plain.startswith("data:image/")):
        return scheme
    return None


def _attribute_problem(tag: str, name: str, value: str | None) -> str | None:
    """Why this attribute may not be written on this element, or None if it may."""
    if name.startswith("on"):
        return f"event-handler attribute '{name}' on <{tag}>: articles may not run script"
    if name == "srcdoc":
        return f"'srcdoc' on <{tag}>: it embeds a page that can run script; link to the page instead"
    if value is None:
        return None
    if name in URL_ATTRIBUTES:
        urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name else [value]
    elif tag in _ANIMATION_ELEMENTS and name in _ANIMATION_VALUES:
        urls = value.split(";")
    else:
        return None
    for url in urls:
        scheme = unsafe_url(url)
        if scheme:
            return f"{scheme}: URL in {name}= of <{tag}>: links may not run script; use an http(s) or relative URL"
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _element_end(text: str, tag: str, after: int) -> tuple[int, int]:
    """(start, end) of the end tag a browser ends a raw-text element with, or (len, len) if there is none."""
    close = re.compile(rf"</{tag}(?=[\t\n\f\r />])[^>]*>?", re.IGNORECASE).search(text, after)
    return (close.start(), close.end()) if close else (len(text), len(text))


class _Scanner(HTMLParser):
    """Finds what breaks the raw HTML policy in a text.

    problems: (start, end, message, replacement) as offsets into the text:
    what to report, and what stripping puts in place of text[start:end].
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.problems: list[tuple[int, int, str, str]] = []
        self._starts = _line_starts(text)
        self._done_until = 0  # inside an element already reported whole, nothing more is reported
        self.feed(text)
        self.close()

    def _at(self) -> int:
        line, col = self.getpos()
        return self._starts[line - 1] + col

    def _report(self, start: int, end: int, message: str, replacement: str = "") -> None:
        if start >= self._done_until:
            self.problems.append((start, end, message, replacement))
            self._done_until = max(self._done_until, end)

    def handle_starttag(self, tag, attrs):  # noqa: D102 (HTMLParser's name)
        start = self._at()
        raw = self.get_starttag_text() or ""
        end = start + len(raw)
        if tag in FORBIDDEN_ELEMENTS:
            # A void element goes alone; any other with everything in it, up to where a browser ends it.
            stop = end if tag in _VOID_ELEMENTS else _element_end(self.text, tag, end)[1]
            self._report(start, stop, f"<{tag}> element: articles may not contain <{tag}>")
            return
        if tag == "iframe":
            close, stop = _element_end(self.text, tag, end)
            if self.text[end:close].strip():
                self._report(start, stop, "<iframe> with content: leave it empty (<iframe ...></iframe>); "
                             "browsers read what is inside as text, so it cannot be checked")
                return
        problems = [why for name, value in attrs if (why := _attribute_problem(tag, name, value))]
        if problems:
            kept = "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"'
                           for name, value in attrs if not _attribute_problem(tag, name, value))
            self._report(start, end, problems[0], f"<{tag}{kept}{'/' if raw.endswith('/>') else ''}>")

    def handle_startendtag(self, tag, attrs):  # noqa: D102
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):  # noqa: D102
        # `<!-->`, `<!--->` and `--!>` end a comment in a browser, not here: what follows would be unseen.
        if data.startswith((">", "->")) or "--!>" in data:
            start = self._at()
            close = _COMMENT_END_RE.search(self.text, start + 4)
            self._report(start, close.end() if close else len(self.text),
                         "malformed HTML comment: write <!-- ... -->")

    def unknown_decl(self, data):  # noqa: D102
        # <![CDATA[ ... ]]>: a browser ends it at the first `>` in HTML, here at `]]>`.
        start = self._at()
        close = self.text.find("]]>", start)
        self._report(start, close + 3 if close >= 0 else len(self.text),
                     "CDATA section: not allowed in HTML; write the text itself")


def unsafe_html(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of everything in Markdown text that breaks the raw HTML policy.

    Lines and columns are 1-based within text. Code (spans and blocks) must
    already be blanked out by the caller: HTML shown as code is text.
    """
    starts = _line_starts(text)

    def where(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    # Without a `<` there is no tag, comment or declaration for the HTML scan to find.
    problems = _Scanner(text).problems if "<" in text else []
    found = [(*where(start), message) for start, _, message, _ in problems]
    for regex in (_MARKDOWN_LINK_RE, _REFERENCE_DEFINITION_RE):
        for match in regex.finditer(text):
            scheme = unsafe_url(match.group(1).strip("<>"))
            if scheme:
                found.append((*where(match.start(1)), f"{scheme}: link target: links may not run script; "
                              "use an http(s) or relative URL"))
    return sorted(set(found))


def strip_unsafe_html(text: str) -> str:
    """HTML with everything the raw HTML policy forbids taken out; other bytes are left exactly as they were.

    Forbidden elements go with their content; a tag with a forbidden
    attribute is rewritten without it; malformed comments and CDATA go.
    """
    for _ in range(_STRIP_ROUNDS):
        problems = _Scanner(text).problems
        if not problems:
            return text
        pieces, at = [], 0
        for start, end, _, replacement in problems:  # in text order, none inside another
            pieces += [text[at:start], replacement]
            at = end
        pieces.append(text[at:])
        text = "".join(pieces)
    return html.escape(text)  # still not clean after every round: show it all as text


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
        # Atomic: the formatted figure (its unit, the UI strings around it) is text, not more Markdown.
        element.text = AtomicString(format_figure(figure, self.language, self.strings))
        return element, m.start(0), m.end(0)


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
        if tag in FORBIDDEN_ELEMENTS or tag == "iframe" or tag in _ANIMATION_ELEMENTS:
            return True
        for name, value in element.attrib.items():
            # A value of None is an attribute written without one (attr_list's `{: name }`, 3.11.3 on).
            if (not _PLAIN_NAME_RE.match(name) or (value is not None and ("&" in value or AMP_SUBSTITUTE in value))
                    or _attribute_problem(tag, name.lower(), value)):
                return True
        return False


class _FeatureProse(Extension):
    def __init__(self, figures, language, strings, quick: bool):
        super().__init__()
        self.figures, self.language, self.strings, self.quick = figures, language, strings, quick

    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's name)
        # Priority above 'backtick' would break code spans; 175 runs after them and before emphasis.
        md.inlinePatterns.register(_FigureCitation(self.figures, self.language, self.strings), "figure", 175)
        # After 'inline' (20) so that text nodes are final, before 'prettify' (10).
        md.treeprocessors.register(_JoinCjkLines(md), "join-cjk-lines", 15)
        md.treeprocessors.register(HeadingIds(md, self.quick), "heading-ids", 5)  # where the toc extension runs
        if self.quick:
            # Last, after 'unescape' (0) has put back escaped characters: it judges the final tree.
            md.treeprocessors.register(_HtmlScanNeeded(md), "html-scan-needed", -10)


def _new_markdown(figures: dict[str, Figure], language: Language, strings: dict[str, TextPair],
                  quick: bool = False) -> markdown.Markdown:
    # Extensions as objects, not names: looking names up (entry points) costs more than a small build's rendering.
    return markdown.Markdown(
        extensions=[
            TableExtension(),
            # Python-Markdown str.format()s this (after turning %d into {}): other braces are text.
            FootnoteExtension(BACKLINK_TITLE=strings["footnote_backlink"][language.code]
                              .replace("{", "{{").replace("}", "}}")),
            AttrListExtension(),
            SaneListExtension(),
            _FeatureProse(figures, language, strings, quick),
        ],
        output_format="html",
    )


class ProseConverter:
    """Article Markdown to HTML for one site's figures and UI strings.

    One Python-Markdown instance per language, reset between articles: setting
    one up costs about as much as converting a typical article.
    """

    def __init__(self, figures: dict[str, Figure], strings: dict[str, TextPair], quick: bool | None = None):
        self.figures, self.strings = figures, strings
        self.quick = fastmarkdown.tested() if quick is None else quick
        """Use fastmarkdown's speed-ups and this module's own short cuts that rely on Python-Markdown's
        internals (the same HTML). By default only on a release they are tested on (fastmarkdown.tested());
        False is stock Python-Markdown, True forces them on (for tests)."""
        self._instances: dict[Language, markdown.Markdown] = {}

    def convert(self, body: str, language: Language) -> str:
        """The body as HTML, figures written in the language's format."""
        md = self._instances.get(language)
        if md is None:
            md = self._instances[language] = _new_markdown(self.figures, language, self.strings, self.quick)
            if self.quick:
                fastmarkdown.speed_up(md)
        md.reset()
        attr_list = md.treeprocessors["attr_list"]
        if isinstance(attr_list, fastmarkdown.SkippableAttrList):
            # Every attribute list holds a `{` written in the source, and the figure citations' braces
            # are gone before that stage runs (what a citation becomes has no attribute list).
            attr_list.wanted = "{" in FIGURE_CITATION_RE.sub("", body)
        output = md.convert(body)
        # The parse stage has rejected unsafe HTML where it could locate it; this catches the rest.
        # (Without the speed-ups there is no 'html-scan-needed' stage, and every article is scanned.)
        if self.quick and not md.treeprocessors["html-scan-needed"].needed:
            return output
        return strip_unsafe_html(output)


def render_markdown(body: str, figures: dict[str, Figure], language: Language,
                    strings: dict[str, TextPair]) -> str:
    """Article Markdown as HTML, figures written in the language's format (one-off; see ProseConverter)."""
    return ProseConverter(figures, strings).convert(body, language)
