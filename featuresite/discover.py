"""Stage 2: find the content files and classify them (articles by slug and language, fact sheets by kind)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Diagnostics
from .files import entries
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


def discover(content_dir: Path, languages: tuple[str, ...], diags: Diagnostics) -> ContentFiles:
    """Walk content/ and classify its files; misnamed files are errors."""
    found = ContentFiles()
    strings = content_dir / "strings.yaml"
    found.strings = strings if strings.is_file() else None
    articles_dir = content_dir / "articles"
    # Sorted by name (files.entries), so that messages and output never depend on the file system's order.
    for entry in entries(articles_dir):
        path = articles_dir / entry.name
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
        found.articles.append(ArticleFile(path, slug, lang))
    data_dir = content_dir / "data"
    for path in (data_dir / entry.name for entry in entries(data_dir)):
        name = path.name.removesuffix(".yaml")
        if path.suffix == ".yml" and path.stem in SHEETS:
            diags.error(path, 1, 1, f"fact sheets end in .yaml: rename it to {path.stem}.yaml")
        elif path.suffix != ".yaml" or name not in SHEETS or not path.is_file():
            diags.error(path, 1, 1, f"unknown fact sheet '{path.name}' "
                        f"(expected one of: {', '.join(n + '.yaml' for n in SHEETS)})")
        else:
            found.sheets[name] = path
    for kind in SHEETS.values():
        if kind.required and kind.name not in found.sheets:
            diags.error(data_dir / f"{kind.name}.yaml", 1, 1, f"{kind.where} is missing: {kind.required} "
                        "(see docs/content.md)")
    return found
