"""Stage 4: link the parsed content: pair translations, resolve references, index them, list pages, find
collisions, and ask each content kind for its warnings."""
from __future__ import annotations

from pathlib import Path

from .errors import Diagnostics, display_path
from .kinds import DEFINED_BY, KINDS, index
from .model import Article, Page, Site
from .pages import PAGE_KINDS
from .parse import Parsed


def pair_translations(articles: list[Article], languages: tuple[str, ...], on_disk: set[tuple[str, str]],
                      diags: Diagnostics) -> dict[str, dict[str, Article]]:
    """Group article versions by slug; check that translations agree on date and sources.

    on_disk: (slug, lang) of every article file found, so that a version that
    failed to parse (already reported) is not also called a missing translation.
    """
    by_slug: dict[str, dict[str, Article]] = {}
    for article in articles:
        by_slug.setdefault(article.slug, {})[article.lang] = article
    for slug in sorted(by_slug):
        versions = by_slug[slug]
        first = next(versions[lang] for lang in languages if lang in versions)
        for lang in languages:
            if lang not in versions:
                if (slug, lang) in on_disk:
                    continue
                diags.warning(first.path, 1, 1, f"missing translation: no '{lang}' version of article '{slug}' "
                              f"(write articles/{slug}.{lang}.md); its {lang} page shows the "
                              f"{first.lang} text for now")
                continue
            other = versions[lang]
            if other is first:
                continue
            if other.date != first.date:
                diags.error(other.path, 1, 1, f"date {other.date.iso} differs from the {first.lang} version's "
                            f"date {first.date.iso}: translations share one date")
            if set(other.sources) != set(first.sources):
                diags.error(other.path, 1, 1, f"sources [{', '.join(other.sources)}] differ from the "
                            f"{first.lang} version's [{', '.join(first.sources)}]: translations cite the same sources")
    return by_slug


def resolve_references(site: Site, parsed: Parsed, failed_sheets: set[str], article_slugs_on_disk: set[str],
                       diags: Diagnostics) -> None:
    """Report every reference to an id that is not defined; fill the Site's reverse index (site.referrers)."""
    known, site.referrers = index(site)
    known.setdefault("article", set()).update(article_slugs_on_disk)  # one that failed to parse is reported
    for ref in parsed.references:
        # When the file that defines this kind of id failed to load, references into it are not reported again.
        defining = DEFINED_BY[ref.kind]
        if ref.target in known.get(ref.kind, ()) or defining.name in failed_sheets:
            continue
        diags.error(ref.loc.path, ref.loc.line, ref.loc.col, f"unknown {ref.kind} '{ref.target}' "
                    f"(not defined in {defining.where})")


def check_navigation(site: Site, failed_sheets: set[str], diags: Diagnostics) -> None:
    """Every page named in navigation must exist."""
    for name, where in zip(site.config.navigation, site.config.navigation_locs):
        kind = PAGE_KINDS[name]
        if not kind.present(site) and kind.sheet not in failed_sheets:
            why = f"there is no data/{kind.sheet}.yaml" if kind.sheet else "this site has no such page"
            diags.error(where.path, where.line, where.col, f"navigation names '{name}' but {why}")


def list_pages(site: Site) -> list[Page]:
    """Every output page, in a fixed order: the page kinds' (pages.PAGE_KINDS), the per-language ones
    language by language."""
    kinds = [kind for kind in PAGE_KINDS.values() if kind.present(site)]
    first = next((i for i, kind in enumerate(kinds) if kind.per_language), len(kinds))
    last = max((i for i, kind in enumerate(kinds) if kind.per_language), default=first - 1)

    def of(kind, lang):
        if kind.items is None:
            return [Page(kind.name, lang)]
        return [Page(kind.name, lang, slug) for slug in kind.items(site)]

    pages = [page for kind in kinds[:first] for page in of(kind, None)]
    for lang in site.language_codes:
        pages += [page for kind in kinds[first:last + 1] for page in of(kind, lang if kind.per_language else None)]
    pages += [page for kind in kinds[last + 1:] for page in of(kind, None)]
    return pages


def _claimant(site: Site, page: Page) -> tuple[str, Path, int]:
    """What a page is, in words, and the file and line it comes from (for messages about collisions)."""
    kind = PAGE_KINDS[page.kind]
    what = f"the {page.kind} page" + (f" '{page.slug}'" if page.slug else "") + (
        f" in language '{page.lang}'" if page.lang else "")
    if kind.source is not None:
        try:
            source = kind.source(site, page.slug)
        except (KeyError, AttributeError, TypeError):  # a page list made by hand (tests)
            source = site.config.path
        path, line = source if isinstance(source, tuple) else (source, 1)
        return what, path, line
    if page.lang in site.language_codes:  # a page of the language: its folder comes from the language's code
        where = site.config.language_locs[site.language_codes.index(page.lang)]
        return what, where.path, where.line
    return what, site.config.path, 1


def check_collisions(site: Site, diags: Diagnostics) -> None:
    """No two outputs may claim one path, nor a file a path that is another's folder: the pages and the
    copied files (static/..., media/...). Each message names both sources, with their lines.

    Paths are compared case-folded: on macOS and Windows `CNAME` and a folder
    `cname/` are the same name. (Pages are placed by one rule from unique
    slugs and language codes, so this guards the rule, language codes and the
    copied files.)
    """
    # case-folded output path -> (path, what claims it): a page, or a copied file's source. What a claim is,
    # in words and with its file and line, is worked out only for a collision (the claims are thousands).
    claims: dict[str, tuple[str, Page | Path]] = {}

    def described(claimant: Page | Path, rel: str) -> tuple[str, Path, int]:
        return _claimant(site, claimant) if isinstance(claimant, Page) else (f"the file {rel}", claimant, 1)

    def claim(rel: str, claimant: Page | Path) -> None:
        first = claims.get(rel.casefold())
        if first is None:
            claims[rel.casefold()] = (rel, claimant)
        else:
            what, path, line = described(claimant, rel)
            other, other_path, other_line = described(first[1], first[0])
            diags.error(path, line, 1, f"{what} and {other} ({display_path(other_path)}:{other_line}) are both "
                        f"written to {rel}: rename one of them")

    for page in site.pages:
        claim(page.output_path, page)
    for rel, (_, source) in sorted(site.copied().items()):
        claim(rel, source)
    # A file where another output needs a folder: `cname/index.html` against `CNAME`.
    reported: set[str] = set()
    for key, (rel, claimant) in sorted(claims.items()):
        parts = key.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in claims and folder not in reported:
                reported.add(folder)
                other_rel, other_claimant = claims[folder]
                other, other_path, other_line = described(other_claimant, other_rel)
                what, path, line = described(claimant, rel)
                diags.error(other_path, other_line, 1, f"{other} is written to {other_rel}, where {what} "
                            f"({display_path(path)}:{line}) needs a folder of that name: rename one of them")


def warn(site: Site, parsed: Parsed, diags: Diagnostics) -> None:
    """Each content kind's warnings about the linked site: content nothing uses, placeholder text left in."""
    for kind in KINDS:
        if kind.warn is not None:
            kind.warn(site, parsed, diags)
