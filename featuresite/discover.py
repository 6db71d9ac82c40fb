"""Stage 2: find the content files and classify them (articles by slug and language, fact sheets by kind)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Diagnostics
from .files import MAX_TEXT_BYTES, Found, check_total, entries, files_below, report, too_big
from .kinds import SHEETS
from .schema import SLUG_RE

ARTICLE_NAME_RE = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")


@dataclass(frozen=True)
class ArticleFile:
    """A Markdown file in articles/, named <slug>.<lang>.md."""

    path: Path
    """The file."""
    slug: str
    """The slug from its name."""
    lang: str
    """The language code from its name."""


@dataclass
class ContentFiles:
    """The content folder's files, classified."""

    articles: list[ArticleFile] = field(default_factory=list)
    """Article files, sorted by path."""
    sheets: dict[str, Path] = field(default_factory=dict)
    """Fact sheets present, by name ('sources', 'figures', ...)."""
    strings: Path | None = None
    """content/strings.yaml, if present."""


def discover(content_dir: Path, languages: tuple[str, ...], diags: Diagnostics,
             listed: Iterable[Found] | None = None) -> ContentFiles:
    """Walk content/ and classify its files; misnamed files are errors, and so is anything below content/
    that the build must not read (files.files_below: links leading outside, pipes, devices, unreadable
    folders) or that is over its size limit. listed: what files_below(content_dir) gave, if the build has
    walked the folder already (cache.fingerprint)."""
    found = ContentFiles()
    sizes, problems = _check(content_dir, diags, files_below(content_dir) if listed is None else listed)
    strings = content_dir / "strings.yaml"
    found.strings = strings if _text_file(strings, sizes, diags, "strings.yaml") else None
    _text_file(content_dir / "site.yaml", sizes, diags, "site.yaml")
    articles_dir = content_dir / "articles"
    # Sorted by name (files.entries), so that messages and output never depend on the file system's order.
    for entry in entries(articles_dir) if str(articles_dir) not in problems else ():
        path = articles_dir / entry.name
        if str(path) in problems:
            continue  # reported by _check
        if entry.is_dir():
            diags.error(path, 1, 1, "articles/ cannot have sub-folders: put articles directly in articles/")
            continue
        match = ARTICLE_NAME_RE.match(path.name)
        if not match:
            diags.error(path, 1, 1, "not an article file name: name articles <slug>.<lang>.md, "
                        f"e.g. my-story.{languages[0] if languages else 'zh'}.md")
            continue
        slug, lang = match["slug"], match["lang"]
        if not SLUG_RE.match(slug):
            diags.error(path, 1, 1, f"invalid slug {slug!r} in file name: use lower-case letters a-z, "
                        "digits and single hyphens")
            continue
        if lang not in languages:
            diags.error(path, 1, 1, f"unknown language '{lang}' in file name "
                        f"(site languages: {', '.join(languages)})")
            continue
        if _text_file(path, sizes, diags, "an article"):
            found.articles.append(ArticleFile(path, slug, lang))
    data_dir = content_dir / "data"
    if str(data_dir) in problems:
        return found  # reported by _check; what is missing in it would only repeat that
    for path in (data_dir / entry.name for entry in entries(data_dir)):
        name = path.name.removesuffix(".yaml")
        if str(path) in problems:
            continue  # reported by _check
        if path.suffix == ".yml" and path.stem in SHEETS:
            diags.error(path, 1, 1, f"fact sheets end in .yaml: rename it to {path.stem}.yaml")
        elif path.suffix != ".yaml" or name not in SHEETS or str(path) not in sizes:
            diags.error(path, 1, 1, f"unknown fact sheet '{path.name}' "
                        f"(expected one of: {', '.join(n + '.yaml' for n in SHEETS)})")
        elif _text_file(path, sizes, diags, "a fact sheet"):
            found.sheets[name] = path
    for kind in SHEETS.values():
        there = str(data_dir / f"{kind.name}.yaml")
        if kind.required and kind.name not in found.sheets and there not in sizes and there not in problems:
            diags.error(data_dir / f"{kind.name}.yaml", 1, 1, f"{kind.where} is missing: {kind.required} "
                        "(see docs/content.md)")
    return found


def _check(content_dir: Path, diags: Diagnostics, listed: Iterable[Found]) -> tuple[dict[str, int], set[str]]:
    """Every file below content/ that the build may read, with its size, and the paths of everything it must
    not (each reported here, once), by path as written (str(content_dir / ...)); their total checked."""
    sizes: dict[str, int] = {}
    problems: set[str] = set()
    for item in listed:
        if report(item, diags):
            problems.add(item.path)
        elif item.info is not None:
            sizes[item.path] = item.info.st_size
    check_total(content_dir, sum(sizes.values()), diags)
    return sizes, problems


def _text_file(path: Path, sizes: dict[str, int], diags: Diagnostics, what: str) -> bool:
    """Whether path is a file the build may read as text: found by _check and within MAX_TEXT_BYTES (if
    over it, that is reported)."""
    size = sizes.get(str(path))
    if size is None:
        return False
    if size > MAX_TEXT_BYTES:
        diags.error(path, 1, 1, too_big(size, MAX_TEXT_BYTES, what))
        return False
    return True
