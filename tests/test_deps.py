"""Recorded dependencies (featuresite/deps.py): pages are re-rendered exactly when something they read changed.

Units for the recording views, then fixture sites: the maintainer's scenario
(a template that starts showing more), a figure's note on the shipped site,
and a property test of random edits after which the incremental build and
the live preview equal a full build.
"""
from __future__ import annotations

import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, PROJECT

from featuresite.depgraph import DepGraph, evaluate
from featuresite.deps import Recorder, track, unwrap
from featuresite.errors import Diagnostics
from featuresite.pipeline import Options, build, render_site


@dataclass(frozen=True)
class Item:
    name: str
    tags: tuple[str, ...]
    pair: dict

    def shout(self, suffix: str) -> str:
        return self.name.upper() + suffix


@dataclass
class Root:
    items: dict
    order: list


def _root() -> Root:
    items = {"a": Item("alpha", ("x", "y"), {"zh": "甲", "en": "A"}), "b": Item("beta", (), {"zh": "乙", "en": "B"})}
    return Root(items, ["b", "a"])


def test_a_view_gives_the_same_values_and_records_each_read():
    recorder = Recorder()
    view = track(_root(), recorder)
    assert view.items["a"].name == "alpha"
    assert view.items["a"].pair["zh"] == "甲"
    assert [item.name for item in view.items.values()] == ["alpha", "beta"]
    assert view.items["b"].shout("!") == "BETA!"
    assert "x" in view.items["a"].tags
    assert len(view.order) == 2 and view.order[0] == "b"
    assert view.items.get("zzz") is None
    reads = recorder.reads
    assert ("items", ("[", "a"), "name") in reads
    assert ("items", ("[", "a"), "pair", ("[", "zh")) in reads
    assert ("items", "#") in reads  # values() depends on which keys there are
    assert ("items", ("[", "b"), ("(", "shout", ("!",), ())) in reads
    assert ("items", ("[", "a"), "tags", "=") in reads  # `in` reads the whole tuple
    assert ("order", "#") in reads and ("order", ("[", 0)) in reads
    assert ("items", ("[", "zzz")) in reads  # a miss is a read too: the key may appear later
    assert ("items", ("[", "a"), "pair", ("[", "en")) not in reads  # what was not read is not recorded


def test_going_through_plain_data_is_one_read_and_through_objects_one_per_item():
    pairs = Root({}, [("a", "b"), ("c", "d")])
    recorder = Recorder()
    assert [pair for pair in track(pairs, recorder).order] == [("a", "b"), ("c", "d")]
    assert list(recorder.reads) == [("order", "=")]  # not one read per item and part
    graph = DepGraph()
    graph.add("page", recorder.reads)
    assert graph.stale(Root({}, [("a", "b"), ("c", "d")]), ["page"]) == set()
    assert graph.stale(Root({}, [("a", "b"), ("c", "e")]), ["page"]) == {"page"}  # a part of an item changed
    recorder = Recorder()
    assert [item.name for item in track(Root({}, list(_root().items.values())), recorder).order] == ["alpha", "beta"]
    assert set(recorder.reads) == {("order", "#"), ("order", ("[", 0), "name"), ("order", ("[", 1), "name")}


def test_unwrap_records_the_whole_value():
    recorder = Recorder()
    view = track(_root(), recorder)
    assert unwrap(view.items["a"]) == _root().items["a"]
    assert ("items", ("[", "a"), "=") in recorder.reads
    assert unwrap("plain") == "plain"


def test_evaluate_finds_exactly_the_paths_whose_value_changed():
    recorder = Recorder()
    view = track(_root(), recorder)
    view.items["a"].name, view.items["a"].pair["en"], view.items["b"].shout("?"), len(view.order)
    view.items.get("c")
    graph = DepGraph()
    graph.add("page-a", {path: value for path, value in recorder.reads.items() if ("[", "a") in path})
    graph.add("page-b", {path: value for path, value in recorder.reads.items() if ("[", "b") in path})
    graph.add("page-c", {path: value for path, value in recorder.reads.items() if ("[", "c") in path})
    graph.add("page-order", {("order", "#"): recorder.reads[("order", "#")]})
    assert evaluate(graph.trie, _root()) == graph.values
    changed = _root()
    changed.items["a"] = Item("alpha", ("x",), {"zh": "甲", "en": "A2"})  # a read pair changed, tags unread
    changed.items["c"] = Item("gamma", (), {})  # a key that was looked up and missing now exists
    pages = ["page-a", "page-b", "page-c", "page-order", "page-new"]
    assert graph.stale(changed, pages) == {"page-a", "page-c", "page-new"}
    del changed.items["b"]  # a method called on a vanished item
    assert "page-b" in graph.stale(changed, pages)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


class Project:
    """A content folder and a templates folder in a temporary folder, built with and without the cache."""

    def __init__(self, root: Path, content: Path):
        self.root = root
        self.content = root / "content"
        self.templates = root / "templates"
        shutil.copytree(content, self.content)
        shutil.copytree(PROJECT / "templates", self.templates)
        self.options = Options(self.content, templates_dir=self.templates, base_url="https://example.org/f/")

    def build(self) -> int:
        """An incremental build into root/site; how many files it wrote."""
        diags = Diagnostics()
        report = build(self.options, self.root / "site", diags)
        assert not diags.errors, diags.errors
        return report.written

    def full(self) -> dict[str, bytes]:
        """What a build without any cache writes."""
        fresh = self.root / "fresh"
        build(self.options, fresh, Diagnostics(), use_cache=False)
        tree = _tree(fresh)
        shutil.rmtree(fresh)
        return tree

    def site(self) -> dict[str, bytes]:
        return _tree(self.root / "site")


PLATFORM_LINE = ("{% set events = site.events_by_platform.get(platform.slug, []) %}",
                 "{% set events = site.events_by_platform.get(platform.slug, []) %}\n"
                 "{% for e in events %}{% for a in e.articles %}<p class=\"also\">"
                 "{{ site.article_version(a, lang.code).title }}</p>{% endfor %}{% endfor %}")


def test_a_template_that_starts_showing_an_article_title_is_followed(tmp_path):
    # The maintainer's steps: one line in platform.html shows the titles of the articles its events name;
    # build; change such an article's title; build again.
    project = Project(tmp_path, PROJECT / "content")
    _edit(project.templates / "platform.html", *PLATFORM_LINE)
    project.build()
    article = project.content / "articles" / "platforms-and-policy.en.md"
    text = article.read_text(encoding="utf-8")
    quote = '"' if text.startswith('---\ntitle: "') else ""
    _edit(article, f"title: {quote}", f"title: {quote}Revised ")
    written = project.build()
    site = project.site()
    showing = [rel for rel, data in site.items() if rel.startswith("en/platforms/")
               and b'<p class="also">Revised ' in data]
    assert len(showing) >= 2  # the platform pages that show the title were rendered again
    assert site == project.full()
    assert written < len(site)  # and not everything was


def test_a_figure_note_rerenders_only_the_pages_that_show_it(tmp_path):
    project = Project(tmp_path, PROJECT / "content")
    project.build()
    before = project.site()
    figures = project.content / "data" / "figures.yaml"
    text = figures.read_text(encoding="utf-8")
    match = re.search(r"\n    note:\n      zh: (.*)\n", text)
    _edit(figures, match.group(0), match.group(0).replace("zh: ", "zh: 修订：", 1))
    stamps = {p: p.stat().st_ino for p in (tmp_path / "site").rglob("*") if p.is_file()}
    written = project.build()
    after = project.site()
    assert after == project.full()
    differ = {rel for rel in after if after[rel] != before.get(rel)}
    rewritten = {p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*")
                 if p.is_file() and stamps.get(p) != p.stat().st_ino} - {".featuresite"}
    assert differ and rewritten == differ
    assert written == len(differ)


def _insert(path: Path, anchor: str, words: str) -> None:
    """Insert words (and a space) right after the first occurrence of anchor, which stays: edits repeat."""
    _edit(path, anchor, f"{anchor}{words} ")


def _redate(project: Project, words: str) -> None:
    # Translations share their date, so both versions move (and the article moves in every list).
    for path in (project.content / "articles").glob("ranking-climb.*.md"):
        text = re.sub(r"(?m)^date: .*$", f"date: 20{10 + len(words)}-0{1 + ord(words[0]) % 9}-15",
                      path.read_text(encoding="utf-8"))
        path.write_text(re.sub(r"(?m)^updated: .*\n", "", text), encoding="utf-8")


def _toggle_translation(project: Project, words: str) -> None:
    # The English version of an article goes (its page then shows the Chinese text), or comes back.
    path, aside = project.content / "articles/ranking-climb.en.md", project.root / "ranking-climb.en.md"
    if path.exists():
        path.replace(aside)
    else:
        aside.replace(path)


def _reorder_figures(project: Project, words: str) -> None:
    # The first figure moves to the end: every figure is written somewhere else, and the order changes.
    path = project.content / "data/figures.yaml"
    head, *entries = path.read_text(encoding="utf-8").split("\n  - ")
    path.write_text("\n  - ".join([head, *entries[1:], entries[0].rstrip("\n")]) + "\n", encoding="utf-8")


def _add_platform_line(project: Project, words: str) -> None:
    if 'class="also"' not in (project.templates / "platform.html").read_text(encoding="utf-8"):
        _edit(project.templates / "platform.html", *PLATFORM_LINE)


EDITS = {
    # article files
    "article title": lambda p, w: _insert(p.content / "articles/harbour-opens.en.md", "title: ", w),
    "article body": lambda p, w: (p.content / "articles/ranking-climb.zh.md").open("a", encoding="utf-8").write(
        f"\n新的一段{w}。\n"),
    "article date": _redate,
    "new article": lambda p, w: shutil.copyfile(p.content / "articles/zh-only-note.zh.md",
                                                p.content / f"articles/note-{len(w)}-{ord(w[0])}.zh.md"),
    "article removed": lambda p, w: [path.unlink() for path in (p.content / "articles").glob("note-*.zh.md")],
    "translation toggled": _toggle_translation,
    # fact-sheet entries
    "figure note": lambda p, w: _insert(p.content / "data/figures.yaml", "en: Includes council", w),
    "figures reordered": _reorder_figures,
    "figure value": lambda p, w: (p.content / "data/figures.yaml").write_text(re.sub(
        r"(key: research-vessels\n    value: )\d+", rf"\g<1>{14 + 3 * len(w) + ord(w[0]) % 5}",
        (p.content / "data/figures.yaml").read_text(encoding="utf-8")), encoding="utf-8"),
    "platform name": lambda p, w: _insert(p.content / "data/platforms.yaml", "en: Tidal Dynamics Laboratory", w),
    "event title": lambda p, w: _insert(p.content / "data/timeline.yaml", "en: Ground is broken", w),
    "source title": lambda p, w: _insert(p.content / "data/sources.yaml", '"Tidewater Town Council:', w),
    "glossary note": lambda p, w: _insert(p.content / "data/glossary.yaml", "en: The fictional", w),
    "site title": lambda p, w: _insert(p.content / "site.yaml", "en: Tidewater", w),
    # templates and their strings
    "template line": _add_platform_line,
    "base template": lambda p, w: _edit(p.templates / "base.html", "</body>", f"<!-- {w} --></body>"),
    "ui string": lambda p, w: _insert(p.templates / "strings.yaml", "nav_home: {zh: 首页, en: Home", w),
}
"""Edits a property test draws from: each can be applied again and again."""

WORDS = st.text(alphabet="abxyz港湾新", min_size=1, max_size=6).map(lambda s: s.strip() or "z")


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(sorted(EDITS)), WORDS), min_size=1, max_size=4))
def test_after_random_edits_builds_and_the_preview_equal_a_full_build(edits):
    from featuresite.serve import Preview
    with tempfile.TemporaryDirectory() as folder:
        project = Project(Path(folder), FIXTURES / "bilingual")
        project.build()
        preview = Preview(Options(project.content, templates_dir=project.templates,
                                  base_url="http://127.0.0.1:8000/"))
        preview.changes()
        preview.build_all()
        for name, words in edits:
            EDITS[name](project, words)
            project.build()
            assert project.site() == project.full(), name
            preview.rebuild(preview.changes())
            assert preview.problems == [], name
            full = render_site(preview.options, Diagnostics())[1].files
            assert preview.files == full, name


def test_a_graph_survives_the_build_cache_as_marshal_or_pickle():
    from featuresite.schema import PartialDate
    graph = DepGraph()
    graph.add("a.html", {("items", ("[", "a"), "name"): "alpha", ("order", "#"): "\x012"})
    graph.add("b.html", {("items", ("[", "a"), "name"): "alpha", ("items", ("[", "b"), "name"): "beta"})
    for extra, tag in ((None, b"M"), (PartialDate(2025, 5), b"P")):
        if extra is not None:  # a path holding an object marshal cannot write: pickle instead
            graph.add("c.html", {("dates", ("(", "on", (extra,), ()), "title"): "x"})
        data = graph.dumps()
        assert data[:1] == tag
        again = DepGraph.loads(data)
        assert (again.paths, again.values, again.reads) == (graph.paths, graph.values, graph.reads)
    with pytest.raises(ValueError):
        DepGraph.loads(b"junk")


_STEPS = st.sampled_from(["title", "body", "#", "=", ("[", 0), ("[", "zh"), ("(", "article_version", ("a", "zh"), ())])
_READS = st.dictionaries(st.lists(_STEPS, min_size=1, max_size=4).map(tuple), st.sampled_from(["1", "2", "x"]),
                         max_size=8)


@given(st.lists(_READS, min_size=1, max_size=6), st.data())
@settings(max_examples=200, deadline=None)
def test_merged_graphs_are_the_graph_of_all_pages(pages, data):
    """Pages added to two graphs (a parent's and a render worker's) and merged give the graph of all of them
    added to one: each page read the same paths, with the same values, and no path has two indices. So
    does a worker's graph as it arrives (pickled), kept unmerged, saved and loaded by the next build."""
    values: dict[tuple, str] = {}
    pages = [{path: values.setdefault(path, value) for path, value in reads.items()} for reads in pages]
    whole, mine, theirs = DepGraph(), DepGraph(), DepGraph()
    for number, reads in enumerate(pages):
        whole.add(f"p{number}", reads)
        (theirs if data.draw(st.booleans()) else mine).add(f"p{number}", reads)
    arrived = DepGraph.loads(mine.dumps())
    arrived.merge(pickle.loads(pickle.dumps(theirs)))
    saved = arrived.dumps()
    assert saved[:1] == b"S"  # the worker's part kept unmerged
    mine.merge(theirs)

    def read(graph: DepGraph) -> dict[str, set]:
        path_of = {index: path for path, index in graph.paths.items()}
        assert len(path_of) == len(graph.values)  # every index is one path's
        return {page: {(path_of[i], graph.values[i]) for i in indices} for page, indices in graph.reads.items()}
    assert read(mine) == read(whole) == read(DepGraph.loads(saved)) == read(arrived)
