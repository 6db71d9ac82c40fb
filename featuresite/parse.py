"""Stage 3: parse front matter and fact sheets into the content kinds' dataclasses, recording every
cross-reference.

Each file parses on its own into a `Parsed` fragment (so a dev server can keep
the fragments of unchanged files); `merge` joins them. A file is validated
against the schema its kind's dataclass declares (declared.schema_of), then
read into that dataclass by a declared.Reader, which also defines ids and
lists references; the kind's own checks follow. References are only recorded
here, with where they are written; the link stage checks that each one
resolves, once everything has been parsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .declared import schema_of
from .discover import ArticleFile
from .errors import Diagnostics, Lines, Loc
from .kinds import SHEETS
from .kinds.articles import KIND as ARTICLES
from .kinds.articles import Article
from .prose import FIGURE_CITATION_RE, prose_problems
from .reader import Reader, Reference
from .schema import CONTROL_RE, INVALID, SLUG_RE, Context, validate
from .yamlsrc import compose, read_text, split_front_matter


@dataclass
class Parsed:
    """What the parse stage produced: the content and every reference in it."""

    articles: list[Article] = field(default_factory=list)
    """Every article version that parsed."""
    sheets: dict[str, Any] = field(default_factory=dict)
    """Each fact sheet that parsed, by kind name, as the Site holds it (Kind.value)."""
    references: list[Reference] = field(default_factory=list)
    """Every cross-reference, to be resolved by the link stage."""
    defined_at: dict[tuple[str, str], Loc] = field(default_factory=dict)
    """(kind, id) -> where it is defined, for messages about duplicates."""
    incomplete: bool = False
    """A file failed to parse (reported): what it would link to or cite is unknown, so no warning says that
    nothing uses a figure or a platform (one bad date is one error, not a warning for every platform that
    the dropped file named)."""


_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN_RE = re.compile(r"(?<!\\)(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
"""A code span as Python-Markdown finds one (its BACKTICK_RE): within a paragraph, across its lines."""


def _code_blanked(body: str) -> list[str]:
    """Every line of the body, with code blocks emptied and code spans blanked (columns kept):
    what is shown as code (`{{key}}`, `<a onclick>`) is text, not a citation or HTML."""
    if "`" not in body and "~" not in body:
        return body.splitlines()  # no fence, no code span: nothing to blank (most articles)
    lines: list[str] = []
    paragraph: list[str] = []  # the lines of the paragraph being read (code spans may cross its lines)

    def end_paragraph() -> None:
        text = "\n".join(paragraph)
        if "`" in text:
            text = _CODE_SPAN_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        lines.extend(text.split("\n") if paragraph else ())
        paragraph.clear()
    fence = None
    for line in body.splitlines():
        match = _FENCE_RE.match(line) if line[:4].lstrip()[:1] in ("`", "~") else None
        if match or fence is not None or not line.strip():
            end_paragraph()
        if match:
            fence = None if fence == match.group(1) else (fence or match.group(1))
            lines.append("")
        elif fence is None:
            paragraph.append(line)
        else:
            lines.append("")
    end_paragraph()
    return lines


def merge(fragments: list[Parsed]) -> Parsed:
    """Join per-file fragments into one; each fragment defines different kinds, so nothing is overwritten."""
    whole = Parsed()
    for part in fragments:
        whole.articles += part.articles
        whole.sheets.update(part.sheets)
        whole.references += part.references
        whole.defined_at.update(part.defined_at)
        whole.incomplete |= part.incomplete
    return whole


def parse_article(file: ArticleFile, languages: tuple[str, ...], diags: Diagnostics) -> Parsed:
    """Read one article file: front matter (validated) and Markdown body (figure citations recorded)."""
    parsed = Parsed()
    before = len(diags.errors)
    _read_article(file, languages, parsed, diags)
    parsed.incomplete = len(diags.errors) > before
    return parsed


_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _control_characters(body: str, body_line: int) -> list[tuple[int, int, str]]:
    """(line, column, message) for each control character in the body (see schema.CONTROL_RE): invisible in an
    editor, and invalid in the page's HTML."""
    lines = Lines(body, _LINE_BREAK_RE)
    found = []
    for match in CONTROL_RE.finditer(body):
        line, col = lines.at(match.start())
        found.append((body_line + line - 1, col,
                      f"control character U+{ord(match.group()):04X} is not allowed in an article: delete it "
                      "(it often comes with text pasted from another program)"))
    return found


def _read_article(file: ArticleFile, languages: tuple[str, ...], parsed: Parsed, diags: Diagnostics) -> None:
    text = read_text(file.path, diags)
    if text is None:
        return
    split = split_front_matter(text, file.path, diags)
    if split is None:
        return
    yaml_text, offset, body, body_line = split
    root = compose(yaml_text, file.path, diags, line_offset=offset)
    if root is None:
        return
    meta = validate(root, schema_of(Article), Context(file.path, diags, languages, line_offset=offset))
    ok = meta is not INVALID
    lines = _code_blanked(body)
    for number, line in enumerate(lines, start=body_line):
        for match in FIGURE_CITATION_RE.finditer(line) if "{{" in line else ():
            where = Loc(file.path, number, match.start() + 1)
            key = match.group(1)
            if not SLUG_RE.match(key):
                diags.error(where.path, where.line, where.col,
                            f"invalid figure citation {match.group(0)!r}: write {{{{figure-key}}}}")
                ok = False
            else:
                parsed.references.append(Reference("figure", key, where))
    # Raw HTML is kept, but not what would run script on a reader's page (rawhtml.py); nor is what is past
    # the limits that keep converting it fast (prosebounds.py).
    for line, col, message in prose_problems(body, "\n".join(lines)):
        diags.error(file.path, body_line + line - 1, col, message)
        ok = False
    for line, col, message in _control_characters(body, body_line) if CONTROL_RE.search(body) else ():
        diags.error(file.path, line, col, message)
        ok = False
    if not ok:
        return
    reader = Reader(diags, parsed.defined_at)
    article = reader.build(Article, meta, slug=file.slug, lang=file.lang, path=file.path, body=body,
                           body_line=body_line)
    if ARTICLES.check is not None:
        article = ARTICLES.check(article, reader)
    parsed.references += reader.references(article, ("article", file.slug, article))
    parsed.articles.append(article)


def parse_sheet(name: str, path: Path, languages: tuple[str, ...], diags: Diagnostics) -> Parsed:
    """Read one fact sheet (data/<name>.yaml) into its kind's dataclass, and run the kind's checks."""
    kind = SHEETS[name]
    parsed = Parsed(incomplete=True)  # until it has parsed
    before = len(diags.errors)
    text = read_text(path, diags)
    root = compose(text, path, diags) if text is not None else None
    if root is None:
        return parsed
    data: Any = validate(root, schema_of(kind.root), Context(path, diags, languages))
    if data is INVALID:
        return parsed
    reader = Reader(diags, parsed.defined_at)
    sheet = reader.build(kind.root, data)
    if kind.check is not None:
        sheet = kind.check(sheet, reader)
    parsed.references += reader.references(sheet, (kind.name, "", sheet))
    parsed.sheets[name] = kind.value(sheet)
    parsed.incomplete = len(diags.errors) > before  # a kind's check may drop what it reports (a duplicate id)
    return parsed
