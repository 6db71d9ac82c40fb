"""Limits that keep converting an article's Markdown fast, whatever is written in it.

Python-Markdown takes time that grows with the square of the text for some
inputs: its link rules scan forward from every `[` to the matching `]` (from
every `](` to the `)`), to the end of the paragraph when there is none; raw
HTML is scanned from every `<` to its end, to the end of the article when
there is none; lists and quotes nest by recursion, one level per marker; a
footnote's references are numbered by counting the earlier ones; and older
releases (3.5 among them) scan a paragraph again after every piece of markup.
One line of 16,000 `[` took 77 seconds to build.

`bounds_problems` measures these in one pass over the text, before any
conversion, and reports each input past a limit as a content error where it
is written. Every measure is an upper bound of what Python-Markdown does
(openers are always counted; closers only where no earlier rule can have
hidden them in a code span or a footnote reference), so an article within
the limits converts in time proportional to its length, on every release.
The limits are far above what prose needs: tests/test_prose_bounds.py holds
a paragraph a hundred times as dense as any the shipped feature has to them.
The parse stage reports them (prose.prose_problems), and the converter
refuses a body past them (prose.ProseTooLong).
"""
from __future__ import annotations

import bisect
import re
from collections import Counter

from .errors import Lines
from .rawhtml import UNCLOSED_MARKUP_LIMIT, UNCLOSED_MARKUP_MESSAGE, unclosed_markup

UNCLOSED_BRACKETS = 8
"""Brackets a paragraph may leave open: `[` without `]`, `](` without `)`."""
BRACKET_DEPTH = 8
"""How deep `[` may nest, and links in link targets."""
MARKUP_BUDGET = 2_000_000
"""Per paragraph: its pieces of markup times (its length + what its brackets that make no link span)."""
NESTING_DEPTH = 32
"""How deep lists, quotes and indentation may nest."""
FOOTNOTE_REFERENCES = 1000
"""Footnote references ([^label]) in one article."""
REFERENCES_TO_ONE_FOOTNOTE = 100
"""References to any one footnote."""

_BLANK_LINES_RE = re.compile(r"\n(?:[ \t]*\n)+")  # what ends a paragraph (Markdown expands tabs first)
# What the bracket scan looks at: a backslash escape of a character Markdown escapes (it hides that
# character from the link rules), brackets, parentheses, quotes (which change where a link target ends).
_BRACKET_EVENTS_RE = re.compile(r"\\[\\`*_{}\[\]()>#+\-.!|]|[\[\]()\"']")
_BRACKETS_ONLY_RE = re.compile(r"\\[\\`*_{}\[\]()>#+\-.!|]|[\[\]()]")
_BACKTICKS_RE = re.compile(r"`+")
# A paragraph (text between blank lines) that may hold other blocks, each of which Python-Markdown reads on its
# own: one that starts as another block would (indented, a heading, quote, list, rule, HTML, table), has a line
# that may start one (or end a setext heading), a table's `|`, or a link or footnote definition's `]:`.
_FIRST_LINE_OF_OTHER_BLOCKS_RE = re.compile(r"[ \t#>=<*_+|-]|\d+[.)]")
_OTHER_BLOCKS_RE = re.compile(r"\n[ \t]*[#>=<*_+-]|\||\]:")
# Where a rule of Python-Markdown can match in a paragraph, after which it scans the rest again: the
# characters that start inline markup (after each match, older releases start the paragraph over), hard line
# breaks, and headings and rules, which split a paragraph (every block rule then tests the rest).
_MARKUP_RE = re.compile(r"[`*_\[<&\\{]|  \n|^[ \t>]*+(?:#|-[ \t]*-[ \t]*-)", re.MULTILINE)
# Markers that open a level of nesting at the start of a line: quotes, list items (after tab expansion).
_CONTAINER_PREFIX_RE = re.compile(r"^(?:[ \t]|>|[-*+](?=[ \t])|\d+[.)](?=[ \t]))*", re.MULTILINE)
# A line whose first NESTING_DEPTH + 1 characters could all belong to a container prefix: every prefix
# longer than NESTING_DEPTH starts so.
# (Searched for after a line break, and matched at the start: a search for `^` tries every offset.)
_LONG_PREFIX_RE = re.compile(r"[ \t>*+\-0-9.)]{%d}" % (NESTING_DEPTH + 1))
_LONG_PREFIX_AFTER_BREAK_RE = re.compile(r"\n[ \t>*+\-0-9.)]{%d}" % (NESTING_DEPTH + 1))
_FOOTNOTE_OPEN_RE = re.compile(r"\[\^")


def bounds_problems(text: str) -> list[tuple[int, int, str]]:
    """(line, column, message) for everything in Markdown text past the limits above (1-based, within text).

    The text is an article body as written (code included: what is shown as
    code counts too).
    """
    found: list[tuple[int, str]] = []
    start = 0
    for blank in [*_BLANK_LINES_RE.finditer(text), None]:
        end = blank.start() if blank else len(text)
        if start < end:
            found += _paragraph_problems(text, start, end)
        start = blank.end() if blank else end
    found += _nesting_problems(text)
    found += _footnote_problems(text)
    unclosed = unclosed_markup(text)
    if len(unclosed) > UNCLOSED_MARKUP_LIMIT:
        found.append((unclosed[UNCLOSED_MARKUP_LIMIT], UNCLOSED_MARKUP_MESSAGE))
    if not found:
        return []
    lines = Lines(text)
    return sorted({(*lines.at(offset), message) for offset, message in found})


def _code_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stretches of the paragraph text[start:end] that are, or may be, code spans: in order, not overlapping.

    Where the paragraph is one block of text with single backticks, none of
    them escaped, these are its code spans on every release: the backticks
    pair up in order. Otherwise (a paragraph holding other blocks, which are
    read one by one; longer runs, which releases pair differently) all from
    the first backtick to the last may be code.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS_RE.finditer(text, start, end)]
    if len(runs) < 2:
        return []
    if (_FIRST_LINE_OF_OTHER_BLOCKS_RE.match(text, start) or _OTHER_BLOCKS_RE.search(text, start, end)
            or any(run_end - run_start > 1 or text[run_start - 1:run_start] == "\\" for run_start, run_end in runs)):
        return [(runs[0][0], runs[-1][1])]
    return [(runs[index][0], runs[index + 1][1]) for index in range(0, len(runs) - 1, 2)]


class _LinkTarget:
    """An open `(` right after a `]`: where Python-Markdown's link rule scans for the end of a target."""

    __slots__ = ("at", "quotes")

    def __init__(self, at: int, quotes: int):
        self.at, self.quotes = at, quotes


def _paragraph_problems(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Brackets and markup of one paragraph (text between blank lines) past the limits."""
    if text.find("[", start, end) < 0:  # most paragraphs: no link, reference or footnote, nothing to scan
        return _markup_problems(text, start, end, 0)
    code = _code_regions(text, start, end) if text.find("`", start, end) >= 0 else []
    code_ends = [region_end for _, region_end in code]
    code_index = 0
    brackets: list[int] = []  # offsets of open `[`
    parens: list[tuple[int, _LinkTarget | None]] = []  # open `(`: where, and whether a link target's
    open_targets = 0
    quotes: list[tuple[str, int, int]] = []  # each quote in a link target: (character, how many " and ' so far)
    failing = 0  # what the link rules scan in vain (older releases: again after every match)
    unclosed: list[int] = []
    too_deep = None
    footnote_label = False  # inside [^label: a footnote reference may hide the closers there
    events = _BRACKET_EVENTS_RE if text.find("](", start, end) >= 0 else _BRACKETS_ONLY_RE  # quotes: in targets
    for match in events.finditer(text, start, end):
        char, at = match.group(), match.start()
        if len(char) == 2:  # an escaped character: text, not markup
            continue
        while code_index < len(code) and code[code_index][1] <= at:
            code_index += 1
        # In what may be a code span, a closer may be hidden: it closes only what opened there too (if the
        # span is code, both are hidden; if not, the pair is real).
        in_code = code_index < len(code) and code[code_index][0] <= at
        since = code[code_index][0] if in_code else start
        if char == "[":
            brackets.append(at)
            if len(brackets) > BRACKET_DEPTH and too_deep is None:
                too_deep = at
            footnote_label = footnote_label or text.startswith("^", at + 1)
        elif char == "(":
            target = _LinkTarget(at, len(quotes)) if at > start and text[at - 1] == "]" else None
            parens.append((at, target))
            if target is not None:
                open_targets += 1
                if open_targets > BRACKET_DEPTH and too_deep is None:
                    too_deep = at
        elif char in "\"'":
            if not open_targets:
                continue  # what a quote changes is where a link target ends
            double, single = quotes[-1][1:] if quotes else (0, 0)
            quotes.append((char, double + (char == '"'), single + (char == "'")))
        elif char == "]":
            if brackets and brackets[-1] >= since:
                opened = brackets.pop()
                if text[at + 1:at + 2] not in ("(", "[") and not text.startswith(" [", at + 1):
                    failing += at - opened  # not a link: a reference, if one is defined
            footnote_label = footnote_label and in_code
        elif footnote_label:
            continue  # `)` inside [^label]: hidden if the footnote exists
        elif parens and parens[-1][0] >= since:  # `)`
            target = parens.pop()[1]
            if target is None:
                continue
            open_targets -= 1
            if too_deep is None and not _target_ends(text, target, at, quotes, code, code_ends):
                unclosed.append(target.at)
    unclosed += brackets
    unclosed += [target.at for _, target in parens if target is not None]
    unclosed.sort()
    # One problem per paragraph, the most telling: the others follow from it.
    if len(unclosed) > UNCLOSED_BRACKETS:
        return [(unclosed[UNCLOSED_BRACKETS],
                 f"more than {UNCLOSED_BRACKETS} brackets left open in one paragraph ('[' without ']', "
                 "or '](' without ')'): write \\[ or \\( for a bracket that is text")]
    if too_deep is not None:
        return [(too_deep, f"brackets nested more than {BRACKET_DEPTH} deep: write \\[ or \\( for a bracket that "
                           "is text")]
    return _markup_problems(text, start, end, failing + sum(end - at for at in unclosed))


def _markup_problems(text: str, start: int, end: int, failing: int) -> list[tuple[int, str]]:
    """The paragraph, if its markup times its length (and failing, what its brackets scan in vain) is past
    MARKUP_BUDGET."""
    if (end - start + failing) * (end - start) <= MARKUP_BUDGET:
        return []  # there is less markup than text
    markup = len(_MARKUP_RE.findall(text, start, end))
    if markup * (end - start + failing) > MARKUP_BUDGET:
        return [(start, f"paragraph too long for the markup in it ({end - start} characters, {markup} pieces of "
                        "markup: ` * _ [ < & \\ {, headings, rules): put blank lines between its parts")]
    return []


def _target_ends(text: str, target: _LinkTarget, close: int, quotes: list[tuple[str, int, int]],
                 code: list[tuple[int, int]], code_ends: list[int]) -> bool:
    """Whether Python-Markdown's scan of a link target ends by this `)` (else it may run to the paragraph's end).

    Without quotes the scan counts parentheses, as here. After a quote it
    ends only at a `)` whose previous non-space character closes a quote.
    """
    if target.quotes == len(quotes):
        return True
    region = bisect.bisect_right(code_ends, target.at)
    if region < len(code) and code[region][0] < close:
        return False  # code may hide some of the quotes: do not guess
    last = close - 1
    while text[last] in " \t":  # Markdown expands tabs to spaces before this
        last -= 1
    first, double, single = quotes[target.quotes]
    after = {'"': quotes[-1][1] - double, "'": quotes[-1][2] - single}  # how many came after the first
    if text[last] == first:
        return after[first] >= 1
    if text[last] in "\"'":  # the other quote: Markdown's second choice of title delimiter
        return after[text[last]] >= 2
    return False


def _nesting_problems(text: str) -> list[tuple[int, str]]:
    """The first line that opens more levels of lists and quotes than NESTING_DEPTH (an upper bound: every
    level needs a marker or four columns of indentation on the line that opens it)."""
    if not (_LONG_PREFIX_RE.match(text) or _LONG_PREFIX_AFTER_BREAK_RE.search(text)):
        return []  # no line starts with enough marker characters to hold that many levels (most texts)
    for match in _CONTAINER_PREFIX_RE.finditer(text):
        prefix = match.group()
        if len(prefix) <= NESTING_DEPTH:
            continue  # too short to hold that many levels
        expanded = prefix.expandtabs(4)
        spaces = expanded.count(" ")
        depth = (len(expanded) - spaces) + spaces // 4  # markers, and levels of indentation
        if depth > NESTING_DEPTH:
            return [(match.start(), f"lists and quotes nested more than {NESTING_DEPTH} deep (counting markers "
                                    "and every four columns of indentation)")]
    return []


def _footnote_problems(text: str) -> list[tuple[int, str]]:
    """Footnote references past FOOTNOTE_REFERENCES in all, or REFERENCES_TO_ONE_FOOTNOTE to one footnote."""
    if "[^" not in text:
        return []
    closes = [m.start() for m in re.finditer(r"\]", text)]
    problems = []
    counts: Counter[str] = Counter()
    total = 0
    index = 0
    for match in _FOOTNOTE_OPEN_RE.finditer(text):
        index = bisect.bisect_left(closes, match.end(), index)
        if index == len(closes):
            break
        label = text[match.end():min(closes[index], match.end() + 100)]  # long ones: their start will do
        total += 1
        counts[label] += 1
        if total == FOOTNOTE_REFERENCES + 1:
            problems.append((match.start(), f"more than {FOOTNOTE_REFERENCES} footnote references in one article"))
        if counts[label] == REFERENCES_TO_ONE_FOOTNOTE + 1:
            problems.append((match.start(), f"more than {REFERENCES_TO_ONE_FOOTNOTE} references to one footnote "
                                            f"[^{label[:40]}]"))
    return problems
