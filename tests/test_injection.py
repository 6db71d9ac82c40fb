"""Script injection: every string an editor writes in YAML stays text on every page, feed and sitemap.

The bilingual fixture is copied with an attack appended to every text an
editor writes in YAML (titles, summaries, names, labels, bylines, tags, UI
strings, the language names and lang codes), then built next to a clean
copy. Each output page must have exactly the elements and scripts of its
clean twin, no event-handler attribute, JSON-LD that parses and gives the
title back, and feeds and the sitemap must parse as XML.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from lxml import etree

from conftest import FIXTURES, PROJECT

ATTACK = ('</script><script>alert(1)</script>"><img src=x onerror=alert(1)>'
          "'><svg onload=alert(1)>]]><!-- & &amp; {{ 7*7 }} {n}")
"""Appended to every text: ends a script, an attribute, a CDATA section; starts a comment; Jinja syntax."""

TEXT_KEYS = {"zh", "en", "title", "summary", "byline", "credit", "name", "html_lang"}
"""Keys whose plain-text values an editor writes (a text pair's languages, front matter, language names)."""
LIST_KEYS = {"tags"}
"""Keys whose list items are plain text."""


def _targets(node: yaml.Node, key: str | None = None):
    """The scalar nodes of editor-written text below node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            yield from _targets(value, key_node.value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if key in LIST_KEYS and isinstance(item, yaml.ScalarNode):
                yield item
            else:
                yield from _targets(item, None)
    elif isinstance(node, yaml.ScalarNode) and key in TEXT_KEYS:
        yield node


def _inject_yaml(text: str) -> str:
    """The YAML text with ATTACK appended to every editor-written string, written as a JSON (= YAML) string."""
    nodes = sorted(_targets(yaml.compose(text, Loader=yaml.SafeLoader)), key=lambda n: n.start_mark.index)
    for node in reversed(nodes):
        start, end = node.start_mark.index, node.end_mark.index
        text = text[:start] + json.dumps(node.value + " " + ATTACK, ensure_ascii=False) + text[end:]
    return text


def _inject(content: Path) -> None:
    for path in sorted(content.rglob("*.yaml")):
        path.write_text(_inject_yaml(path.read_text(encoding="utf-8")), encoding="utf-8")
    for path in sorted(content.rglob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        path.write_text(f"---\n{_inject_yaml(front)}---\n{body}", encoding="utf-8")
    # Every UI string too, overridden by the feature.
    ui = yaml.safe_load((PROJECT / "templates/strings.yaml").read_text(encoding="utf-8"))
    (content / "strings.yaml").write_text(json.dumps(
        {key: {lang: value + " " + ATTACK for lang, value in pair.items()} for key, pair in ui.items()},
        ensure_ascii=False, indent=1), encoding="utf-8")


class _Structure(HTMLParser):
    """Elements, scripts, event-handler attributes and visible text of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: Counter[str] = Counter()
        self.scripts: list[tuple[tuple, str]] = []  # (attributes, content)
        self.handlers: list[str] = []
        self.text: list[str] = []
        self._script: tuple | None = None

    def handle_starttag(self, tag, attrs):
        self.elements[tag] += 1
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self._script = tuple(sorted(attrs))
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, content = self.scripts[-1]
            self.scripts[-1] = (attrs, content + data)
        else:
            self.text.append(data)


def _structure(path: Path) -> _Structure:
    parser = _Structure()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(clean output, injected output, injected content)."""
    from featuresite.cli import main
    root = tmp_path_factory.mktemp("injection")
    shutil.copytree(FIXTURES / "bilingual", root / "clean")
    shutil.copytree(FIXTURES / "bilingual", root / "injected")
    _inject(root / "injected")
    for name in ("clean", "injected"):
        assert main(["build", "--content", str(root / name), "--out", str(root / f"{name}-site")]) == 0, name
    return root / "clean-site", root / "injected-site", root / "injected"


def _outputs(site: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in suffixes)


def test_the_attack_reaches_every_page_as_text(sites):
    _, injected, _ = sites
    pages = _outputs(injected, ".html")
    assert len(pages) > 20
    for page in pages:
        assert "<script>alert(1)</script>" in "".join(_structure(page).text), page


def test_no_page_gains_an_element_a_script_or_an_event_handler(sites):
    clean, injected, _ = sites
    for page in _outputs(injected, ".html"):
        rel = page.relative_to(injected)
        got, want = _structure(page), _structure(clean / rel)
        assert got.handlers == [], rel
        assert got.elements == want.elements, rel
        assert [attrs for attrs, _ in got.scripts] == [attrs for attrs, _ in want.scripts], rel
        for attrs, content in got.scripts:
            if ("type", "application/ld+json") in attrs:
                json.loads(content)  # still one JSON document: the title did not end the script


def test_json_ld_gives_the_title_back(sites):
    _, injected, content = sites
    checked = 0
    for page in injected.glob("*/articles/*/index.html"):
        lang, _, slug = page.relative_to(injected).parts[:3]
        source = content / "articles" / f"{slug}.{lang}.md"
        if not source.is_file():
            continue  # an untranslated article's page shows the other language
        title = yaml.safe_load(source.read_text(encoding="utf-8").split("---\n")[1])["title"]
        scripts = [c for attrs, c in _structure(page).scripts if ("type", "application/ld+json") in attrs]
        assert scripts, page
        data = json.loads(scripts[0])
        assert data["headline"] == title and ATTACK in data["headline"]
        assert "</script" not in scripts[0] and "<" not in scripts[0]
        checked += 1
    assert checked >= 4


def test_feeds_and_sitemap_parse_and_keep_the_text(sites):
    _, injected, _ = sites
    atom = "{http://www.w3.org/2005/Atom}"
    for lang in ("zh", "en"):
        feed = etree.parse(str(injected / lang / "feed.xml"))
        titles = [e.text for e in feed.iter(f"{atom}title")]
        assert titles and all(ATTACK in t for t in titles), lang
        assert not list(feed.iter("script", "{http://www.w3.org/1999/xhtml}script"))
    sitemap = etree.parse(str(injected / "sitemap.xml"))
    hreflangs = [e.get("hreflang") for e in sitemap.iter("{http://www.w3.org/1999/xhtml}link")]
    assert any(ATTACK in h for h in hreflangs)  # html_lang, an editor's string, is escaped there too
    for other in _outputs(injected, ".xml", ".svg"):
        etree.parse(str(other))
    for data in _outputs(injected, ".json", ".webmanifest"):
        json.loads(data.read_text(encoding="utf-8"))
