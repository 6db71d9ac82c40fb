"""The raw HTML policy of articles: what the parse stage rejects, and what the renderer strips.

Editors are trusted (docs/content.md, "Raw HTML"), so HTML written in an
article is kept as written, except what can make a page run script:
`<script>`, `<style>`, `<base>`, `<meta>` and the raw-text elements, `on...`
event-handler attributes, `srcdoc`, `javascript:`, `vbscript:` or `data:`
(other than `data:image/...`) URLs in links and other URL attributes, and
the comment and CDATA forms that browsers end earlier than Python's HTML
parser (the way markup is smuggled past a filter). The same goes for what
Markdown turns into attributes: link and image targets, reference
definitions and attribute lists (`{: onclick=...}`).

The parse stage rejects all of it as content errors where it is written
(`unsafe_html`), however it is spelled: in any case, with character
references, with tabs, newlines or spaces inside. As a second line of
defence the renderer strips whatever still reaches its output
(`strip_unsafe_html`).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .errors import Lines

FORBIDDEN_ELEMENTS = frozenset({"script", "style", "base", "meta", "title", "textarea", "noscript", "xmp",
                                "noembed", "noframes", "plaintext"})
"""Elements an article may not contain: they run script, restyle or redirect the whole page, or hold raw
text that browsers end where this check would not (the way markup is smuggled past a filter)."""
_VOID_ELEMENTS = frozenset({"base", "meta"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background",
                            "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "srcset", "imagesrcset"})
"""Attributes whose value is a URL (or, for the srcset ones, a list of them)."""
ANIMATION_ELEMENTS = frozenset({"animate", "set"})
"""SVG animation elements: they can set an attribute (an href) to a value of theirs."""
_ANIMATION_VALUES = frozenset({"to", "from", "values"})  # what an animation element sets
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")
# Browsers ignore leading spaces and control characters, and tabs and newlines anywhere in a URL;
# here every space goes too, which can only find more.
_STRIPPED_FROM_URLS = re.compile(r"[\x00-\x20\x7f]+")
_IGNORED_IN_URLS = "".join(map(chr, range(0x21))) + "\x7f"
# Where Markdown reads a URL: after the `](` of an inline link or image (spaces, and a `<` with more spaces,
# may come first), and after the `]:` of a reference definition, wherever a line may start one (in a list
# item, a quote), its URL on the same line or the next. A footnote definition ([^1]: ...) holds text.
_LINK_URL_START_RE = re.compile(r"\]\(\s*(?:<\s*)?")
_DEFINITION_URL_START_RE = re.compile(
    r"^(?:[ \t>]|[-*+](?=[ \t])|\d+[.)](?=[ \t]))*\[(?!\^)[^\[\]]*\]:[ \t]*(?:\n[ \t>]*)?<*", re.MULTILINE)
# All that can spell a URL's scheme (and data:'s media type): letters, digits and `+.-:/`, character
# references, and the control characters and spaces a browser skips (unsafe_url reads them as a browser does).
_SCHEME_SPELLING_RE = re.compile(r"(?:[\w+.:/-]|[\x00-\x20\x7f]|&#?\w+;?)*")
# Where an attribute list ({: name=value}) may start: a line, or right after an inline element
# (`*`, `_`, a backtick, `)`, `]`, `>`, the `}` of a figure citation); one at the end of a heading's or
# table cell's line is found by _attribute_lists.
_AFTER_INLINE = "*_`)]>}"
"""What may end an inline element, right before the `{` of its attribute list."""
_HEADING_LINE_RE = re.compile(r"(?:[ \t>]|[-*+](?=[ \t])|\d+[.)](?=[ \t]))*#")
_SETEXT_UNDERLINE_RE = re.compile(r"[ \t>]*(?:=+|-+)[ \t]*$")
_ATTR_RE = re.compile(r"""([^\s=}]+)=("[^"]*"|'[^']*'|[^\s}]*)|([^\s=}]+)""")
_TAG_OPENER_RE = re.compile(r"<(?:!--|!\[|[!?/A-Za-z])")
_CLOSER_OF = {"<!--": "-->", "<![": "]]>", "<?": "?>"}
"""What ends each kind of markup, for every parser that reads it (Python's HTMLParser, Python-Markdown's);
anything else ends at `>`."""
UNCLOSED_MARKUP_LIMIT = 32
"""How many `<` an article may leave open (see unclosed_markup)."""
UNCLOSED_MARKUP_MESSAGE = (f"more than {UNCLOSED_MARKUP_LIMIT} '<' open a tag, comment or declaration that is never "
                           "closed: write &lt; for a '<' that is text")
"""What is reported at the first `<` past the limit."""
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


def attribute_problem(tag: str | None, name: str, value: str | None) -> str | None:
    """Why this attribute may not be written on this element (None: in an attribute list), or None if it may."""
    on = f"on <{tag}>" if tag else "in an attribute list"
    if name.startswith("on"):
        return f"event-handler attribute '{name}' {on}: articles may not run script"
    if name == "srcdoc":
        return f"'srcdoc' {on}: it embeds a page that can run script; link to the page instead"
    if value is None:
        return None
    if name in URL_ATTRIBUTES:
        urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name else [value]
    elif tag in ANIMATION_ELEMENTS and name in _ANIMATION_VALUES:
        urls = value.split(";")
    else:
        return None
    for url in urls:
        scheme = unsafe_url(url)
        if scheme:
            return (f"{scheme}: URL in {name}= {'of <' + tag + '>' if tag else on}: links may not run script; "
                    "use an http(s) or relative URL")
    return None


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
        self._starts = Lines(text).starts
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
        problems = [why for name, value in attrs if (why := attribute_problem(tag, name, value))]
        if problems:
            kept = "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"'
                           for name, value in attrs if not attribute_problem(tag, name, value))
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


def unclosed_markup(text: str) -> list[int]:
    """Offsets of every `<` that opens a tag, comment or declaration with no end anywhere after it.

    An HTML parser scans from such a `<` to the end of the text, and then
    goes on from the next character: many of them take time that grows with
    the square of the text's length. Every other `<` ends before the next.
    """
    last = {closer: text.rfind(closer) for closer in ("-->", "]]>", "?>", ">")}
    return [match.start() for match in _TAG_OPENER_RE.finditer(text)
            if last[_CLOSER_OF.get(match.group(), ">")] < match.end()]


def unsafe_html(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) of everything in Markdown text that breaks the raw HTML policy.

    Lines and columns are 1-based within text. Code (spans and blocks) must
    already be blanked out by the caller: HTML shown as code is text.
    """
    lines: list[Lines] = []  # made when first needed: most texts have nothing to report

    def where(offset: int) -> tuple[int, int]:
        if not lines:
            lines.append(Lines(text))
        return lines[0].at(offset)

    found = []
    unclosed = unclosed_markup(text) if "<" in text else []
    if len(unclosed) > UNCLOSED_MARKUP_LIMIT:
        # Scanning this would take too long: the text is rejected for that instead (see prosebounds.py).
        found.append((*where(unclosed[UNCLOSED_MARKUP_LIMIT]), UNCLOSED_MARKUP_MESSAGE))
    elif "<" in text:  # without one there is no tag, comment or declaration for the HTML scan to find
        found += [(*where(start), message) for start, _, message, _ in _Scanner(text).problems]
    for start, scheme in _link_targets(text):
        found.append((*where(start), f"{scheme}: link target: links may not run script; "
                      "use an http(s) or relative URL"))
    for start, message in _attribute_lists(text) if "{" in text else ():
        found.append((*where(start), message))
    return sorted(set(found))


def _link_targets(text: str):
    """(offset, scheme) of each URL written in Markdown link syntax that would run script, however spelled."""
    starts = [*_LINK_URL_START_RE.finditer(text)] if "](" in text else []
    starts += _DEFINITION_URL_START_RE.finditer(text) if "]:" in text else ()
    for match in starts:
        spelling = _SCHEME_SPELLING_RE.match(text, match.end()).group()
        # Most URLs start with a letter other than j, v or d (https:, a relative path): nothing to decode.
        if spelling.lstrip(_IGNORED_IN_URLS)[:1] in ("j", "J", "v", "V", "d", "D", "&"):
            scheme = unsafe_url(spelling)
            if scheme:
                yield match.end(), scheme


def _attribute_lists(text: str):
    """(offset, message) of each attribute written in a Markdown attribute list that breaks the policy.

    Python-Markdown reads an attribute list from a `{` at the start of a
    line, right after an inline element, or at the end of a heading's or
    table cell's line, up to the last `}` of the line; each line is read
    here from the first such `{`.
    """
    brace = text.find("}")
    while brace >= 0:  # each line with a `}` (most lines have none)
        start = text.rfind("\n", 0, brace) + 1
        end = text.find("\n", brace)
        end = len(text) if end < 0 else end
        brace = text.find("}", end)
        line = text[start:end]
        close = line.rfind("}")
        first = _attribute_list_start(line, close)
        following = text.find("\n", end + 1)
        heading = _HEADING_LINE_RE.match(line) or (
            end < len(text) and _SETEXT_UNDERLINE_RE.match(text[end + 1:len(text) if following < 0 else following]))
        # One at the end of a table cell, or of a heading's line:
        if "|" in line or (heading and line.rstrip(" \t").endswith("}")):
            spaced = line.find(" {", 0, close)
            first = min(first, spaced + 1) if spaced >= 0 else first
        if first > close:
            continue
        body = line[first + 1:close]  # what follows the `{`: the attributes, after an optional `:`
        offset = 1 if body.startswith(":") else 0
        for attr in _ATTR_RE.finditer(body, offset):
            name = (attr.group(1) or attr.group(3)).lower()
            value = attr.group(2)
            if value is not None and value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1:
                value = value[1:-1]
            problem = attribute_problem(None, name, value) if name[:1] not in "#." else None
            if problem:
                yield start + first + 1 + attr.start(), problem


def _attribute_list_start(line: str, close: int) -> int:
    """Where the first `{` before close that opens an attribute list stands in a line: one at the start of the
    line (after spaces) or right after an inline element (`*`, `_`, a backtick, `)`, `]`, `>`, `}`); close + 1
    when there is none."""
    brace = line.find("{", 0, close)
    while brace >= 0:
        if (brace and line[brace - 1] in _AFTER_INLINE) or not line[:brace].strip(" \t"):
            return brace
        brace = line.find("{", brace + 1, close)
    return close + 1


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


