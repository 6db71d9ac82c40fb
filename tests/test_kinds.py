"""The content kinds (featuresite/kinds/): the registry, the rules every kind keeps, the Site's view of them,
and docs/content.md's key tables, written from the declarations."""
from __future__ import annotations

import dataclasses
import shutil
import typing

import pytest

from conftest import FIXTURES, PROJECT
from featuresite.declared import Items, Nested, field_docs, fields_of
from featuresite.fingerprints import placed
from featuresite.errors import Diagnostics
from featuresite.kinds import DEFINED_BY, KINDS, SHEETS
from featuresite.kinds import docs as kind_docs
from featuresite.model import Category, Language, Page, SiteConfig
from featuresite.pipeline import Options, load_site


def _classes() -> list[type]:
    """Every dataclass the kinds declare, roots first."""
    found: list[type] = []

    def visit(cls: type) -> None:
        if cls in found:
            return
        found.append(cls)
        for f in fields_of(cls):
            shape = f.shape.item if isinstance(f.shape, Items) else f.shape
            if isinstance(shape, Nested):
                visit(shape.cls)
    for kind in KINDS:
        visit(kind.root)
    return found


def test_docs_key_tables_are_what_the_declarations_say():
    text = kind_docs.DOC.read_text(encoding="utf-8")
    assert kind_docs.write_tables(text) == text, "run: python -m featuresite.kinds.docs"
    assert {m["name"] for m in kind_docs.TABLE_RE.finditer(text)} == {kind.name for kind in KINDS}


def test_docs_check_fails_on_a_stale_table(tmp_path, monkeypatch):
    stale = tmp_path / "content.md"
    stale.write_text(kind_docs.DOC.read_text(encoding="utf-8").replace("| Headline. |", "| headline |"),
                     encoding="utf-8")
    monkeypatch.setattr(kind_docs, "DOC", stale)
    assert kind_docs.main(["--check"]) == 1
    assert kind_docs.main([]) == 0
    assert kind_docs.main(["--check"]) == 0
    assert "| Headline. |" in stale.read_text(encoding="utf-8")


def test_every_declared_field_has_a_docstring():
    missing = [f"{cls.__name__}.{f.name}" for cls in _classes() for f in fields_of(cls)
               if not field_docs(cls).get(f.name)]
    assert missing == []


def test_content_objects_are_frozen_with_deterministic_reprs():
    # deps.py fingerprints values by repr, and the Site is only read once built: no sets, nothing mutable
    # but the text pairs (dicts, whose order is the file's).
    for cls in _classes():
        assert cls.__dataclass_params__.frozen, cls
        for name, hint in typing.get_type_hints(cls).items():
            assert "set[" not in str(hint) and "list[" not in str(hint), (cls, name, hint)


def test_objects_with_a_place_come_from_one_file():
    # A rebuild skips what a file that did not change gave (depgraph.evaluate, by fingerprints.placed): an
    # object with a `loc` (or an article's `path`) must be read from that one file, and its records only from it.
    site = load_site(Options(content_dir=FIXTURES / "bilingual"), Diagnostics())
    for event in site.timeline.events:
        assert placed(event)[0] == str(FIXTURES / "bilingual/data/timeline.yaml")
    for source in site.sources.values():
        assert placed(source)[0] == str(FIXTURES / "bilingual/data/sources.yaml")
    article = site.article_version("harbour-opens", "zh")
    assert placed(article) == (str(article.path), str(article.path))


def test_read_whole_types_keep_their_decorator():
    for cls in (SiteConfig, Language, Category, Page):
        assert getattr(cls, "__read_whole__", False), cls


def test_every_reference_names_a_kind_some_kind_defines():
    refs = {getattr(f.shape.item if isinstance(f.shape, Items) else f.shape, "ref", None)
            for cls in _classes() for f in fields_of(cls)}
    assert refs - {None} <= set(DEFINED_BY)
    assert {kind: DEFINED_BY[kind].name for kind in sorted(refs - {None})} == {
        "article": "articles", "event category": "timeline", "platform": "platforms",
        "platform category": "platforms", "source": "sources"}


def test_sheets_are_site_attributes(tmp_path):
    content = tmp_path / "c"
    shutil.copytree(FIXTURES / "minimal", content)
    site = load_site(Options(content_dir=content), Diagnostics())
    assert set(site.sheets) == set(SHEETS)
    assert site.timeline is None and getattr(site, "ranking") is None and site.glossary is None
    assert site.figures == {} and list(site.sources) == ["example-note"]
    with pytest.raises(AttributeError):
        site.no_such_sheet  # noqa: B018
    assert not hasattr(site, "no_such_sheet")


def _old_reverse_indexes(site):
    """What link.link_back_references filled by hand before the kinds were declared (the oracle)."""
    cited: dict = {source: [] for source in site.sources}
    by_platform: dict = {}
    by_article: dict = {}

    def cite(source, kind, ident):
        if (kind, ident) not in cited.setdefault(source, []):
            cited[source].append((kind, ident))

    for slug in site.article_order():
        for source in site.article_version(slug, site.language_codes[0]).sources:
            cite(source, "article", slug)
    for figure in site.figures.values():
        cite(figure.source, "figure", figure.key)
    if site.ranking:
        cite(site.ranking.source, "ranking", "")
        for edition in site.ranking.editions:
            cite(edition.source, "ranking", "")
        for note in site.ranking.method:
            cite(note.source, "ranking", "")
    if site.timeline:
        for event in site.timeline.events:
            cite(event.source, "event", event.id)
            for platform in event.platforms:
                by_platform.setdefault(platform, []).append(event)
            for article in event.articles:
                by_article.setdefault(article, []).append(event)
    if site.platforms:
        for platform in site.platforms.platforms:
            cite(platform.source, "platform", platform.slug)
            for fact in platform.facts:
                cite(fact.source, "platform", platform.slug)
    return cited, by_platform, by_article


@pytest.mark.parametrize("content", [FIXTURES / "bilingual", PROJECT / "content"], ids=["bilingual", "shipped"])
def test_reverse_indexes_come_from_the_references_in_the_old_order(content):
    site = load_site(Options(content_dir=content), Diagnostics())
    cited, by_platform, by_article = _old_reverse_indexes(site)
    assert site.cited_by == cited
    assert list(site.cited_by.items()) == list(cited.items())
    assert site.events_by_platform == by_platform
    assert site.events_by_article == by_article
    assert any(len({kind for kind, _ in uses}) > 2 for uses in site.cited_by.values())  # the order is tested


def test_the_registry():
    names = [kind.name for kind in KINDS]
    assert len(set(names)) == len(names) and names[0] == "articles"
    assert [kind.name for kind in KINDS if kind.required] == ["sources"]
    for kind in KINDS:
        assert dataclasses.is_dataclass(kind.root)


def test_the_generator_version_covers_the_kinds(monkeypatch):
    from pathlib import Path

    from featuresite import cache
    read: list[Path] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or read_bytes(self))
    cache.generator_version.__wrapped__()  # (past its lru_cache)
    assert any(path.parent.name == "kinds" for path in read)
