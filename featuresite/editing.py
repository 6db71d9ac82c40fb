"""Editors' commands: `status` (the translation table) and `new` (scaffold an item in every language)."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import TextIO

import yaml

from .config import load_config
from .errors import ContentErrors, Diagnostics, UsageError, display_path
from .kinds.common import PLACEHOLDER  # (what a scaffold leaves for the editor; left in content, a warning)
from .pipeline import Options, load_site
from .schema import SLUG_RE
from .yamlsrc import compose, read_text


def _report(diags: Diagnostics, out: TextIO) -> None:
    for item in diags.sorted():
        print(item.format(), file=out)


def status(options: Options, out: TextIO, diags: Diagnostics) -> int:
    """Print, per article, the date of each language version and whether a translation is out of date.

    A translation is out of date when its `updated` (else `date`) is older than
    that of the version in the first language it exists in (the default
    language, normally). Front matter is used rather than file times, which
    a git checkout resets.
    """
    site = load_site(options, diags)
    if site is None:
        raise ContentErrors(diags)
    codes = site.language_codes
    rows = [("article", *codes, "state")]
    incomplete = 0
    for slug in sorted(site.articles):
        versions = site.articles[slug]
        original = next(versions[c] for c in codes if c in versions)
        base = original.updated or original.date
        cells, states = [], []
        for code in codes:
            version = versions.get(code)
            if version is None:
                cells.append("-")
                states.append(f"missing {code}")
                continue
            stamp = version.updated or version.date
            cells.append(stamp.iso)
            if version is not original and stamp < base:
                states.append(f"{code} older than {original.lang}")
        incomplete += bool(states)
        rows.append((slug, *cells, "; ".join(states) or "up to date"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
    print(f"{len(site.articles)} article(s), {incomplete} need translation work", file=out)
    if diags.errors:
        raise ContentErrors(diags)
    return 0


def new(kind: str, slug: str, options: Options, out: TextIO, diags: Diagnostics) -> int:
    """Create a new article (a file per language) or a platform or event (an entry in its fact sheet)."""
    if not SLUG_RE.match(slug):
        raise UsageError(f"invalid id {slug!r}: use lower-case letters a-z, digits and single hyphens")
    if not options.content_dir.is_dir():
        raise UsageError(f"content folder {options.content_dir} does not exist")
    config = load_config(options.content_dir, diags)
    if config is None:
        raise ContentErrors(diags)
    languages = tuple(lang.code for lang in config.languages)
    site = load_site(options, Diagnostics())  # for defaults (first source, first category); may have errors
    source = next(iter(site.sources), "SOURCE-ID") if site else "SOURCE-ID"
    if kind == "article":
        return _new_article(slug, languages, source, options.content_dir, out, diags)
    sheet, list_key, id_key = {"platform": ("platforms", "platforms", "slug"),
                               "event": ("timeline", "events", "id")}[kind]
    return _new_entry(kind, slug, sheet, list_key, id_key, languages, source, options.content_dir, out, diags)


def _new_article(slug: str, languages: tuple[str, ...], source: str, content_dir: Path, out: TextIO,
                 diags: Diagnostics) -> int:
    folder = content_dir / "articles"
    paths = {lang: folder / f"{slug}.{lang}.md" for lang in languages}
    existing = {lang: p for lang, p in paths.items() if p.exists()}
    if len(existing) == len(paths):
        raise UsageError(f"article '{slug}' already exists in every language; nothing to create")
    # A translation must share its original's date and sources: copy them from an existing version.
    date, sources = datetime.date.today().isoformat(), f"[{source}]"
    for path in existing.values():
        try:
            meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1]) or {}
        except (OSError, UnicodeDecodeError, IndexError, RecursionError, yaml.YAMLError):
            meta = None
        if not isinstance(meta, dict) or not isinstance(meta.get("sources", []), list):
            # (what exactly is wrong, check reports with its line)
            diags.error(path, 1, 1, "cannot read this translation's front matter to copy its date and sources: "
                        "`python build.py check` shows what is wrong; fix it, then try again")
            raise ContentErrors(diags)
        date = str(meta.get("date", date))
        sources = "[" + ", ".join(str(item) for item in meta.get("sources") or [source]) + "]"
        print(f"exists, left as it is: {display_path(path)}", file=out)
    folder.mkdir(parents=True, exist_ok=True)
    for lang, path in paths.items():
        if lang in existing:
            continue
        path.write_text(
            "---\n"
            f"title: {PLACEHOLDER} headline\n"
            f"summary: {PLACEHOLDER} one-sentence summary\n"
            f"date: {date}\n"
            f"byline: {PLACEHOLDER} byline\n"
            f"sources: {sources}\n"
            "---\n"
            f"{PLACEHOLDER}: write the article here. Cite a figure from data/figures.yaml as `{{{{figure-key}}}}`.\n",
            encoding="utf-8")
        print(f"created {display_path(path)}", file=out)
    return 0


def _pair(languages: tuple[str, ...], what: str) -> str:
    return "{" + ", ".join(f'{lang}: "{PLACEHOLDER}: {what}"' for lang in languages) + "}"


def _new_entry(kind: str, slug: str, sheet: str, list_key: str, id_key: str, languages: tuple[str, ...],
               source: str, content_dir: Path, out: TextIO, diags: Diagnostics) -> int:
    path = content_dir / "data" / f"{sheet}.yaml"
    if not path.is_file():
        raise UsageError(f"{display_path(path)} does not exist: create it with its categories first "
                         "(see docs/content.md)")
    text = read_text(path, diags)
    root = compose(text, path, diags) if text is not None else None
    if root is None:
        raise ContentErrors(diags)
    items = categories = None
    for key, value in root.value if isinstance(root, yaml.MappingNode) else ():
        if key.value == list_key:
            items = value
        if key.value == "categories":
            categories = value
    if not isinstance(items, yaml.SequenceNode) or not items.value or items.flow_style:
        raise UsageError(f"{display_path(path)}: '{list_key}' must be a block list with at least one entry "
                         f"to add to; add the first {kind} by hand")
    for item in items.value:
        for key, value in item.value if isinstance(item, yaml.MappingNode) else ():
            if key.value == id_key and value.value == slug:
                raise UsageError(f"{kind} '{slug}' already exists at {display_path(path)}:"
                                 f"{value.start_mark.line + 1}; nothing to create")
    category = "CATEGORY-ID"
    if isinstance(categories, yaml.SequenceNode):
        for cat in categories.value:
            for key, value in cat.value if isinstance(cat, yaml.MappingNode) else ():
                if key.value == "id":
                    category = value.value
                    break
            break
    # Follow the sheet's own indentation: its first item's keys, and the dash two columns left of them.
    keys = " " * items.value[0].start_mark.column
    pad = keys[:-2]
    if kind == "platform":
        block = (f"{pad}- slug: {slug}\n{keys}category: {category}\n{keys}name: {_pair(languages, 'name')}\n"
                 f"{keys}summary: {_pair(languages, 'what it is, in one sentence')}\n{keys}source: {source}\n"
                 f"{keys}facts:\n{keys}  - text: {_pair(languages, 'a fact from the source')}\n"
                 f"{keys}    source: {source}\n")
    else:
        block = (f"{pad}- id: {slug}\n{keys}date: {datetime.date.today().isoformat()}\n{keys}category: {category}\n"
                 f"{keys}title: {_pair(languages, 'what happened')}\n{keys}source: {source}\n")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    end = items.end_mark
    at = end.line if end.column == 0 else end.line + 1
    # The list's end mark lies past any blank lines and comments that follow it; insert before them.
    while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
        at -= 1
    lines.insert(at, block)
    path.write_text("".join(lines), encoding="utf-8")
    print(f"added {kind} '{slug}' to {display_path(path)}:{at + 1}; fill in the {PLACEHOLDER} fields", file=out)
    return 0
