"""Stage 3: parse front matter and fact sheets into dataclasses, recording every cross-reference.

Each file parses on its own into a `Parsed` fragment (so a dev server can keep
the fragments of unchanged files); `merge` joins them. References are only
recorded here, with where they are written; the link stage checks that each
one resolves, once everything has been parsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .discover import ArticleFile
from .errors import Diagnostics, Loc
from .model import (Article, Category, Edition, Event, Fact, Figure, Note, Platform, Platforms, Ranking,
                    Reference, Source, Term, Timeline)
from .prose import FIGURE_CITATION_RE, unsafe_html
from .schema import INVALID, SLUG_RE, Context, Rec, Seq, validate
from .schemas import DATA_SHEETS, FRONT_MATTER
from .yamlsrc import compose, read_text, split_front_matter


@dataclass
class Parsed:
    """What the parse stage produced: the content and every reference in it."""

    articles: list[Article] = field(default_factory=list)
    """Every article version that parsed."""
    sources: dict[str, Source] = field(default_factory=dict)
    """Sources by id."""
    figures: dict[str, Figure] = field(default_factory=dict)
    """Figures by key."""
    timeline: Timeline | None = None
    """The timeline sheet."""
    ranking: Ranking | None = None
    """The ranking sheet."""
    platforms: Platforms | None = None
    """The platforms sheet."""
    glossary: tuple[Term, ...] | None = None
    """The glossary sheet."""
    references: list[Reference] = field(default_factory=list)
    """Every cross-reference, to be resolved by the link stage."""
    defined_at: dict[tuple[str, str], Loc] = field(default_factory=dict)
    """(kind, id) -> where it is defined, for messages about duplicates."""


def _ref(parsed: Parsed, kind: str, target: str, where: Loc) -> None:
    parsed.references.append(Reference(kind, target, where))


def _define(parsed: Parsed, kind: str, ident: str, where: Loc, diags: Diagnostics) -> bool:
    """Register a definition; a second one with the same id is an error."""
    first = parsed.defined_at.get((kind, ident))
    if first is not None:
        diags.error(where.path, where.line, where.col,
                    f"duplicate {kind} '{ident}' (first defined at line {first.line})")
        return False
    parsed.defined_at[(kind, ident)] = where
    return True


_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")


def _code_blanked(body: str) -> list[str]:
    """Every line of the body, with code blocks emptied and code spans blanked (columns kept):
    what is shown as code (`{{key}}`, `<a onclick>`) is text, not a citation or HTML."""
    lines = []
    fence = None
    for line in body.splitlines():
        match = _FENCE_RE.match(line) if line[:4].lstrip()[:1] in ("`", "~") else None
        if match:
            fence = None if fence == match.group(1) else (fence or match.group(1))
            lines.append("")
        elif fence is None:
            lines.append(_CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), line) if "`" in line else line)
        else:
            lines.append("")
    return lines


def merge(fragments: list[Parsed]) -> Parsed:
    """Join per-file fragments into one; each fragment defines different kinds, so nothing is overwritten."""
    whole = Parsed()
    for part in fragments:
        whole.articles += part.articles
        whole.sources.update(part.sources)
        whole.figures.update(part.figures)
        whole.timeline = part.timeline or whole.timeline
        whole.ranking = part.ranking or whole.ranking
        whole.platforms = part.platforms or whole.platforms
        whole.glossary = part.glossary or whole.glossary
        whole.references += part.references
        whole.defined_at.update(part.defined_at)
    return whole


def parse_article(file: ArticleFile, languages: tuple[str, ...], diags: Diagnostics) -> Parsed:
    """Read one article file: front matter (validated) and Markdown body (figure citations recorded)."""
    parsed = Parsed()
    _read_article(file, languages, parsed, diags)
    return parsed


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
    meta = validate(root, FRONT_MATTER, Context(file.path, diags, languages, line_offset=offset))
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
                _ref(parsed, "figure", key, where)
    # Raw HTML is kept, but not what would run script on a reader's page (see prose.py).
    for line, col, message in unsafe_html("\n".join(lines)):
        diags.error(file.path, body_line + line - 1, col, message)
        ok = False
    if not ok:
        return
    if "updated" in meta and meta["updated"] < meta["date"]:
        where = meta.locs["updated"]
        diags.warning(where.path, where.line, where.col,
                      f"'updated' ({meta['updated'].iso}) is before 'date' ({meta['date'].iso}): is one of them a typo?")
    for source, where in zip(meta["sources"], meta["sources"].locs):
        _ref(parsed, "source", source, where)
    parsed.articles.append(Article(
        slug=file.slug, lang=file.lang, path=file.path, title=meta["title"], summary=meta["summary"],
        date=meta["date"], updated=meta.get("updated"), byline=meta["byline"],
        sources=tuple(meta["sources"]), tags=tuple(meta.get("tags", ())), credit=meta.get("credit"),
        body=body, body_line=body_line))


def _items(data: Rec, key: str) -> Seq:
    return data.get(key) or Seq([], data.loc, [])


def _source_ref(parsed: Parsed, item: Rec) -> str:
    _ref(parsed, "source", item["source"], item.locs["source"])
    return item["source"]


def _categories(items: Seq, kind: str, parsed: Parsed, diags: Diagnostics) -> tuple[Category, ...]:
    result = []
    for item in items:
        if _define(parsed, kind, item["id"], item.locs["id"], diags):
            result.append(Category(item["id"], item["name"]))
    return tuple(result)


def _sources(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    for item in _items(data, "sources"):
        if _define(parsed, "source", item["id"], item.locs["id"], diags):
            parsed.sources[item["id"]] = Source(
                id=item["id"], title=item["title"], publisher=item.get("publisher"), byline=item["byline"],
                date=item.get("date"), url=item.get("url"), note=item.get("note"), loc=item.loc)


def _figures(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    for item in _items(data, "figures"):
        if _define(parsed, "figure", item["key"], item.locs["key"], diags):
            parsed.figures[item["key"]] = Figure(
                key=item["key"], value=item["value"], unit=item.get("unit"), label=item["label"],
                note=item.get("note"), as_of=item.get("as_of"), approx=item.get("approx", "exact"),
                featured=item.get("featured", False), source=_source_ref(parsed, item), loc=item.loc)


def _timeline(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    categories = _categories(_items(data, "categories"), "event category", parsed, diags)
    events = []
    for item in _items(data, "events"):
        if not _define(parsed, "event", item["id"], item.locs["id"], diags):
            continue
        _ref(parsed, "event category", item["category"], item.locs["category"])
        for kind, key in (("platform", "platforms"), ("article", "articles")):
            refs = item.get(key, ())
            for target, where in zip(refs, getattr(refs, "locs", ())):
                _ref(parsed, kind, target, where)
        events.append(Event(
            id=item["id"], date=item["date"], category=item["category"], title=item["title"],
            text=item.get("text"), platforms=tuple(item.get("platforms", ())),
            articles=tuple(item.get("articles", ())), source=_source_ref(parsed, item), loc=item.loc))
    # Oldest first; events on the same date keep the order they are written in.
    events.sort(key=lambda event: event.date)
    parsed.timeline = Timeline(categories, tuple(events))


def _ranking(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    editions = []
    seen: dict[int, Loc] = {}
    for item in data["editions"]:
        if item["edition"] in seen:
            where = item.locs["edition"]
            diags.error(where.path, where.line, where.col,
                        f"duplicate edition {item['edition']} (first at line {seen[item['edition']].line})")
            continue
        seen[item["edition"]] = item.locs["edition"]
        if "of" in item and item["rank"] > item["of"]:
            where = item.locs["rank"]
            diags.error(where.path, where.line, where.col,
                        f"rank {item['rank']} is larger than the number ranked ({item['of']})")
            continue
        editions.append(Edition(item["edition"], item["rank"], item.get("of"), _source_ref(parsed, item)))
    editions.sort(key=lambda edition: edition.edition)
    method = tuple(Note(item["label"], item["text"], _source_ref(parsed, item)) for item in _items(data, "method"))
    parsed.ranking = Ranking(
        title=data["title"], subject=data["subject"], publisher=data["publisher"],
        released=data.get("released"), source=_source_ref(parsed, data), editions=tuple(editions), method=method)


def _platforms(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    categories = _categories(_items(data, "categories"), "platform category", parsed, diags)
    platforms = []
    for item in _items(data, "platforms"):
        if not _define(parsed, "platform", item["slug"], item.locs["slug"], diags):
            continue
        _ref(parsed, "platform category", item["category"], item.locs["category"])
        facts = tuple(Fact(fact["text"], _source_ref(parsed, fact)) for fact in item.get("facts", ()))
        platforms.append(Platform(
            slug=item["slug"], category=item["category"], name=item["name"], summary=item["summary"],
            source=_source_ref(parsed, item), facts=facts, loc=item.loc))
    parsed.platforms = Platforms(categories, tuple(platforms))


def _glossary(data: Rec, parsed: Parsed, diags: Diagnostics) -> None:
    terms = []
    for item in data["terms"]:
        # The first language's name identifies a term: it must be unique.
        first_lang = next(iter(item["name"]))
        where = item.locs["name"]
        if _define(parsed, "glossary term", item["name"][first_lang], where, diags):
            terms.append(Term(item["name"], item.get("note")))
    parsed.glossary = tuple(terms)


_SHEET_READERS = {
    "sources": _sources,
    "figures": _figures,
    "timeline": _timeline,
    "ranking": _ranking,
    "platforms": _platforms,
    "glossary": _glossary,
}


def parse_sheet(name: str, path: Path, languages: tuple[str, ...], diags: Diagnostics) -> Parsed:
    """Read one fact sheet (data/<name>.yaml)."""
    parsed = Parsed()
    text = read_text(path, diags)
    root = compose(text, path, diags) if text is not None else None
    if root is None:
        return parsed
    data: Any = validate(root, DATA_SHEETS[name], Context(path, diags, languages))
    if data is not INVALID:
        _SHEET_READERS[name](data, parsed, diags)
    return parsed
