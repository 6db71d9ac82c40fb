"""Site search (featuresite/search.py, templates/search.html, static/search.js).

In Chromium, on the shipped site built for a base path and served under it: Chinese queries find Chinese
pages only and English queries English pages only; a platform's name finds its page first; each timeline
event is a result of its own, with its anchor; the type filters narrow the results; without JavaScript
the page says that search needs it, offers pages to browse, and passes axe and the Nu checker. Then the
index itself: what it holds and leaves out, the same bytes from every build, the languages indexed again
only when a searchable page of theirs changed, the live preview, and the second feature's index.
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from browser import free_port, visit
from checkers import axe_violations, built_and_served, require_tools, vnu_errors
from conftest import FIXTURES, PROJECT

PREFIX = "/repo/"
TYPES = {"article", "platform", "event", "term", "figure"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, output folder): content/ built strictly for http://127.0.0.1:PORT/repo/ and served there."""
    out = tmp_path_factory.mktemp("search") / "site"
    with built_and_served(out, PREFIX) as base:
        yield base, out


def _search(browser, base: str, lang: str, query: str, width: int = 375):
    """Open /{lang}/search/, type the query; (page, results as (kind, title, href), problems)."""
    page, problems = visit(browser, f"{base}{lang}/search/", width)
    page.fill("#search-input", query)
    _wait_for_results(page, query)
    return page, _results(page), problems


def _wait_for_results(page, query: str) -> None:
    page.wait_for_function("q => document.querySelector('[data-search-status]').textContent.includes(q)",
                           arg=query, timeout=15000)


def _results(page) -> list[tuple[str, str, str]]:
    return page.eval_on_selector_all(".search-result", """items => items.map(item => [
        item.querySelector('.search-kind').textContent, item.querySelector('h2 a').textContent,
        item.querySelector('h2 a').getAttribute('href')])""")


def _platforms() -> list[dict]:
    return yaml.safe_load((PROJECT / "content/data/platforms.yaml").read_text(encoding="utf-8"))["platforms"]


@pytest.mark.parametrize("lang, query, expected", [
    ("zh", "人才", ["zh/platforms/talent-pilot-zone/", "zh/articles/ranking-rise/",
                  "zh/articles/platforms-and-policy/", "zh/timeline/#jinshui-talent-housing"]),
    ("zh", "嵩山", ["zh/platforms/songshan-lab/", "zh/articles/ranking-rise/", "zh/articles/platforms-and-policy/"]),
    ("en", "talent", ["en/platforms/talent-pilot-zone/", "en/articles/ranking-rise/",
                      "en/articles/platforms-and-policy/", "en/timeline/#jinshui-talent-housing"]),
    ("en", "Songshan", ["en/platforms/songshan-lab/", "en/articles/ranking-rise/",
                        "en/articles/platforms-and-policy/"]),
])
def test_a_query_finds_the_pages_of_its_language_and_no_other(site, browser, lang, query, expected):
    base, _ = site
    page, results, problems = _search(browser, base, lang, query)
    hrefs = [href for _, _, href in results]
    assert problems == []
    assert [PREFIX + rel for rel in expected if PREFIX + rel not in hrefs] == []
    assert [href for href in hrefs if not href.startswith(f"{PREFIX}{lang}/")] == []
    assert query in page.inner_text("[data-search-status]")
    assert page.eval_on_selector_all(".search-excerpt mark", "marks => marks.map(m => m.textContent)")
    page.close()


def test_english_words_are_stemmed(site, browser):
    base, _ = site
    # "laboratories" is written on the platform pages only in the plural; the singular finds them too.
    page, results, _ = _search(browser, base, "en", "laboratory")
    marked = page.eval_on_selector_all(".search-excerpt mark", "marks => marks.map(m => m.textContent)")
    assert any(word.lower().startswith("laboratories") for word in marked), marked
    page.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_platform_name_finds_its_platform_page_first(site, browser, lang):
    base, _ = site
    page, problems = visit(browser, f"{base}{lang}/search/", 1280)
    wrong = []
    for platform in _platforms():
        name = platform["name"][lang]
        page.fill("#search-input", name)
        page.press("#search-input", "Enter")
        _wait_for_results(page, name)
        first = _results(page)[0][2]
        if first != f"{PREFIX}{lang}/platforms/{platform['slug']}/":
            wrong.append(f"{name}: {first}")
    assert wrong == [] and problems == []
    page.close()


def test_each_event_is_a_result_of_its_own_with_its_anchor(site, browser):
    base, out = site
    events = yaml.safe_load((PROJECT / "content/data/timeline.yaml").read_text(encoding="utf-8"))["events"]
    event = next(e for e in events if e["id"] == "jinshui-talent-housing")
    page, results, _ = _search(browser, base, "en", event["title"]["en"])
    found = [r for r in results if r[2] == f"{PREFIX}en/timeline/#{event['id']}"]
    assert found and found[0][0] == "Event" and found[0][1] == event["title"]["en"]
    timeline = (out / "en/timeline/index.html").read_text(encoding="utf-8")
    assert f'id="{event["id"]}"' in timeline
    page.click(f"a[href='{PREFIX}en/timeline/#{event['id']}']")
    page.wait_for_url(f"**/en/timeline/#{event['id']}")
    assert page.evaluate("document.querySelector(':target').id") == event["id"]
    page.close()


def test_the_type_filters_narrow_the_results_and_count_them(site, browser):
    base, _ = site
    page, results, problems = _search(browser, base, "en", "talent", width=1280)
    kinds = {kind for kind, _, _ in results}
    assert {"Platform", "Story", "Event"} <= kinds
    label = page.locator(".search-facets label", has=page.locator("input[value='event']"))
    count = int(re.search(r"\((\d+)\)", label.inner_text()).group(1))
    label.click()
    page.wait_for_function("() => [...document.querySelectorAll('.search-kind')].every(k => k.textContent === 'Event')")
    _wait_for_results(page, "talent")
    narrowed = _results(page)
    assert len(narrowed) == count >= 1 and {kind for kind, _, _ in narrowed} == {"Event"}
    assert "type=event" in page.url
    label.click()
    page.wait_for_function("n => document.querySelectorAll('.search-result').length > n", arg=count)
    assert problems == []
    page.close()


def test_the_query_is_in_the_address_so_a_result_list_can_be_linked(site, browser):
    base, _ = site
    page, problems = visit(browser, f"{base}zh/search/?q=%E5%B5%A9%E5%B1%B1", 375)  # ?q=嵩山
    _wait_for_results(page, "嵩山")
    assert _results(page)[0][2] == f"{PREFIX}zh/platforms/songshan-lab/" and problems == []
    assert page.input_value("#search-input") == "嵩山"
    page.close()


def test_results_pass_axe_and_show_more_on_request(site, browser):
    require_tools()
    base, _ = site
    page, results, problems = _search(browser, base, "zh", "科技", width=1280)
    assert len(results) == 10 and page.is_visible("[data-search-more]")
    page.click("[data-search-more]")
    page.wait_for_function("document.querySelectorAll('.search-result').length > 10")
    assert page.evaluate("document.activeElement.closest('.search-result') !== null")  # focus moved to the new ones
    assert axe_violations(page) == [] and problems == []
    page.close()


def test_without_javascript_the_page_says_so_and_offers_pages_to_browse(site, browser):
    base, _ = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}en/search/")
    assert page.is_visible("[data-search-nojs]") and not page.is_visible("form")
    assert "needs JavaScript" in page.inner_text("[data-search-nojs]")
    assert page.eval_on_selector_all(".search-browse a", "links => links.map(a => a.getAttribute('href'))") == [
        f"{PREFIX}en/platforms/", f"{PREFIX}en/timeline/", f"{PREFIX}en/glossary/"]
    context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_javascript_the_search_page_passes_axe(site, browser, lang):
    require_tools()
    base, _ = site
    # axe runs as a script, so here the page's own script is what is switched off: it is the only one.
    page = browser.new_page()
    page.route("**/static/search.js*", lambda route: route.abort())
    page.goto(f"{base}{lang}/search/")
    assert page.is_visible("[data-search-nojs]") and not page.is_visible("form")
    assert axe_violations(page) == []
    page.close()


def test_the_search_pages_pass_the_nu_checker(site, tmp_path):
    require_tools()
    _, out = site
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
        shutil.copyfile(out / lang / "search/index.html", tmp_path / lang / "index.html")
    assert vnu_errors(tmp_path) == []


def test_only_the_search_page_loads_javascript_and_it_loads_no_index_before_a_query(site, browser):
    base, out = site
    scripts = {}
    for path in sorted(out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        found = re.findall(r"<script\b(?![^>]*application/(?:ld\+)?json)[^>]*>", html)
        if found:
            scripts[path.relative_to(out).as_posix()] = found
        else:
            assert "pagefind/" not in html, path  # (data-pagefind-body marks text; it loads nothing)
    assert set(scripts) == {"zh/search/index.html", "en/search/index.html"}
    assert all(len(tags) == 1 and 'type="module"' in tags[0] and "static/search.js" in tags[0]
               for tags in scripts.values())
    page, problems = visit(browser, f"{base}en/search/", 375)
    requested = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)")
    assert [url for url in requested if "/pagefind/" in url] == [] and problems == []
    page.close()


def test_a_typical_query_loads_the_library_its_index_chunk_and_a_few_fragments(site, browser):
    base, _ = site
    page, problems = visit(browser, f"{base}zh/search/", 375)
    loaded = []
    page.on("response", lambda response: loaded.append((response.url, len(response.body())))
            if "/pagefind/" in response.url else None)
    page.fill("#search-input", "人才")
    _wait_for_results(page, "人才")
    names = [re.sub(r"\?.*", "", url.rsplit("/pagefind/", 1)[1]) for url, _ in loaded]
    assert "pagefind.js" in names and "wasm.unknown.pagefind" in names and "wasm.en.pagefind" not in names
    assert [name for name in names if "ui" in name or "highlight" in name] == []  # Pagefind's own interfaces
    assert all(name.startswith(("pagefind", "wasm.", "index/zh-cn_", "filter/zh-cn_", "fragment/zh-cn_"))
               for name in names), names
    assert sum(size for _, size in loaded) < 250_000 and problems == []
    page.close()


# --- the index itself ------------------------------------------------------------------------------------

def _fragments(out: Path) -> list[dict]:
    """Every page record of a built site's index (its fragments, gzipped JSON after a signature)."""
    return [json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
            for path in sorted((out / "pagefind/fragment").iterdir())]


def test_the_index_holds_the_marked_text_with_its_type_and_leaves_the_furniture_out(site):
    _, out = site
    fragments = _fragments(out)
    strings = {**yaml.safe_load((PROJECT / "templates/strings.yaml").read_text(encoding="utf-8")),
               **yaml.safe_load((PROJECT / "content/strings.yaml").read_text(encoding="utf-8"))}
    furniture = [strings[key][lang] for key in ("skip_to_content", "footer_note", "feed", "all_platforms")
                 for lang in ("zh", "en")]
    by_type: dict[str, list[str]] = {}
    for fragment in fragments:
        (kind,) = fragment["filters"]["type"]
        by_type.setdefault(kind, []).append(fragment["url"])
        text = fragment["content"].replace("\u200b", "")
        assert [words for words in furniture if words in text] == [], fragment["url"]
        assert not re.search(r"Source \d|来源\d", text), fragment["url"]  # the source marks
    assert set(by_type) == TYPES
    platforms = len(_platforms())
    assert len(by_type["platform"]) == 2 * platforms and len(by_type["article"]) == 4
    assert sorted(by_type["event"]) == ["/en/timeline/", "/zh/timeline/"]
    assert sorted(by_type["term"]) == ["/en/glossary/", "/zh/glossary/"]
    assert sorted(by_type["figure"]) == ["/en/", "/zh/"]
    timeline = next(f for f in fragments if f["url"] == "/en/timeline/")
    events = yaml.safe_load((PROJECT / "content/data/timeline.yaml").read_text(encoding="utf-8"))["events"]
    anchors = {a["id"] for a in timeline["anchors"]}
    assert {e["id"] for e in events} | {e["id"] + "--title" for e in events} == anchors


def test_an_untranslated_article_is_not_indexed_in_the_language_it_is_missing_from(tmp_path):
    from featuresite.cli import main
    assert main(["build", "--content", str(FIXTURES / "bilingual"), "--out", str(tmp_path / "site")]) == 0
    urls = {f["url"] for f in _fragments(tmp_path / "site")}
    assert "/zh/articles/zh-only-note/" in urls and "/en/articles/zh-only-note/" not in urls
    entry = json.loads((tmp_path / "site/pagefind/pagefind-entry.json").read_bytes())
    assert sorted(entry["languages"]) == ["en", "zh-cn"]


def test_the_index_is_the_same_whatever_order_the_pages_come_in_and_however_often_it_is_made(site):
    from featuresite.search import index_pages
    _, out = site
    pages = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}
    first = index_pages(pages)
    again = index_pages(dict(reversed(list(pages.items()))))
    assert first == again
    assert {rel: (out / rel).read_bytes() for rel in first} == first  # what the build wrote
    assert not [rel for rel in (out / "pagefind").rglob("*") if rel.is_file()
                and rel.relative_to(out).as_posix() not in first]


def test_the_reordered_index_files_read_back_as_pagefind_wrote_them():
    from featuresite.search import _cbor_dump, _cbor_load
    value = ["1.5.2", [["en_abc", 12], ["en_def", 0]], [], [["type", "en_123"]], [], -3, {"k": True, "n": None},
             "汉字", b"\x00\x01", 2 ** 40]
    assert _cbor_load(_cbor_dump(value)) == value
    assert _cbor_dump(23) == b"\x17" and _cbor_dump(24) == b"\x18\x18" and _cbor_dump(256) == b"\x19\x01\x00"


class _Project:
    """The bilingual fixture in a folder of its own, built with the cache into site/."""

    def __init__(self, root: Path):
        self.content = root / "content"
        self.out = root / "site"
        shutil.copytree(FIXTURES / "bilingual", self.content)

    def build(self) -> None:
        from featuresite.cli import main
        assert main(["build", "--content", str(self.content), "--out", str(self.out)]) == 0

    def index(self) -> dict[str, tuple[int, bytes]]:
        """Each index file: (inode, bytes)."""
        return {p.relative_to(self.out).as_posix(): (p.stat().st_ino, p.read_bytes())
                for p in sorted((self.out / "pagefind").rglob("*")) if p.is_file()}

    def full(self, folder: Path) -> dict[str, bytes]:
        """The index a build without the cache writes."""
        from featuresite.cli import main
        assert main(["build", "--no-cache", "--content", str(self.content), "--out", str(folder)]) == 0
        return {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted((folder / "pagefind").rglob("*")) if p.is_file()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_incremental_build_indexes_again_only_the_languages_whose_searchable_pages_changed(tmp_path,
                                                                                            monkeypatch):
    from featuresite import search
    project = _Project(tmp_path)
    project.build()
    runs = []
    real = search._bundle
    monkeypatch.setattr(search, "_bundle", lambda pages: runs.append(sorted(pages)) or real(pages))

    # A page no one can search changes (the ranking page): the index stays as it was, file for file.
    before = project.index()
    _edit(project.content / "data/ranking.yaml", "report their own data", "report their own numbers")
    project.build()
    assert runs == [] and project.index() == before

    # A Chinese article changes: the Chinese index is made again, the English one stays as it was.
    heading = "## 开园当天 {#opening-day}\n\n"
    _edit(project.content / "articles/harbour-opens.zh.md", heading, heading + "新的段落：潮汐观测站的来访者。\n\n")
    project.build()
    assert len(runs) == 1 and all(rel.startswith("zh/") for rel in runs[0])
    after = project.index()
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert "pagefind/pagefind-entry.json" in changed
    assert any(rel.startswith("pagefind/fragment/zh-cn_") for rel in changed)
    assert not [rel for rel in changed if "/en_" in rel or ".en_" in rel or "wasm" in rel or rel.endswith(".js")]
    assert {rel: data for rel, (_, data) in after.items()} == project.full(tmp_path / "fresh")
    assert any("来访者" in f["content"].replace("\u200b", "") for f in _fragments(project.out))


def test_the_preview_serves_the_index_of_the_pages_it_holds_and_makes_it_again_after_an_edit(tmp_path):
    from featuresite.errors import Diagnostics
    from featuresite.pipeline import Options, render_site
    from featuresite.search import index_pages
    from featuresite.serve import Preview
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "content")
    preview = Preview(Options(tmp_path / "content", base_url="http://127.0.0.1:8000/"))
    preview.changes()
    preview.build_all()
    status, kind, body = preview.response("/pagefind/pagefind-entry.json")
    assert status == "200 OK" and kind == "application/json" and b'"zh-cn"' in body
    assert preview.response("/pagefind/pagefind.js")[0] == "200 OK"
    first = preview.index
    preview.rebuild(preview.changes())  # nothing changed: the index stays
    preview.response("/pagefind/pagefind-entry.json")
    assert preview.index is first
    _edit(tmp_path / "content/articles/harbour-opens.en.md", "## Opening day", "## Opening day for stargazers")
    preview.rebuild(preview.changes())
    assert preview.stale == {"en"} and preview.index is first  # made again when next asked for
    entry = preview.response("/pagefind/pagefind-entry.json")[2]
    assert entry != body and preview.index == index_pages(render_site(preview.options, Diagnostics())[1].files)
    assert {rel for rel in first if first[rel] != preview.index.get(rel)} <= {  # the Chinese index as it was
        rel for rel in first if "zh-cn" not in rel}
    assert any("stargazers" in json.loads(gzip.decompress(data)[12:])["content"]
               for rel, data in preview.index.items() if "fragment/en_" in rel)


def test_serve_answers_a_search_in_the_browser(tmp_path, browser):
    from browser import start, wait_for_http
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "content")
    port = free_port()
    server = start(["serve", "--content", "content", "--port", str(port)], cwd=tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/en/search/")
        page, problems = visit(browser, f"http://127.0.0.1:{port}/en/search/?q=observatory", 375)
        _wait_for_results(page, "observatory")
        assert _results(page)[0][2].startswith("/en/") and problems == []
        page.close()
    finally:
        server.terminate()
        server.wait(10)


def test_a_build_without_pagefind_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    import pagefind.service
    from featuresite.cli import main
    monkeypatch.setattr(pagefind.service, "get_executable", lambda: None)
    assert main(["build", "--content", str(FIXTURES / "bilingual"), "--out", str(tmp_path / "site")]) == 2
    assert "pip install 'pagefind[extended]'" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_the_second_features_index_holds_nothing_of_the_shipped_one(tmp_path):
    from featuresite.cli import main
    from featuresite.search import _cbor_load
    from test_generic import TIDEWATER, _found, shipped_phrases
    assert main(["build", "--content", str(TIDEWATER), "--out", str(tmp_path / "site")]) == 0
    texts = [json.dumps(fragment, ensure_ascii=False) for fragment in _fragments(tmp_path / "site")]
    for chunk in sorted((tmp_path / "site/pagefind/index").iterdir()):  # every word of the index
        texts.append(json.dumps(_cbor_load(gzip.decompress(chunk.read_bytes())[len(b"pagefind_dcd"):]),
                                ensure_ascii=False, default=lambda raw: raw.decode("utf-8", "replace")))
    assert len(texts) > 20
    phrases = shipped_phrases()
    assert [phrase for text in texts for phrase in _found(text, phrases)] == []


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_site_can_go_without_search_and_back_and_each_build_equals_a_full_one(tmp_path):
    from featuresite.serve import Preview
    from featuresite.pipeline import Options
    project = _Project(tmp_path)
    project.build()
    site_yaml = project.content / "site.yaml"
    with_search = site_yaml.read_text(encoding="utf-8")
    assert "search:" not in with_search  # the default: search
    site_yaml.write_text(with_search + "search: false\n", encoding="utf-8")
    project.build()  # incremental: the index and the search pages go, and the header link on every page
    without = _tree(project.out)
    assert not [rel for rel in without if rel.startswith("pagefind/") or "/search/" in rel]
    pages = [rel for rel in without if rel.endswith(".html")]
    assert len(pages) > 10 and not [rel for rel in pages if b"search-link" in without[rel] or b"/search/" in without[rel]]
    assert b"/search/" not in without["sitemap.xml"]
    full = tmp_path / "full"
    from featuresite.cli import main
    assert main(["build", "--no-cache", "--content", str(project.content), "--out", str(full)]) == 0
    assert _tree(full) == without
    # The live preview serves no index either.
    preview = Preview(Options(project.content, base_url="http://127.0.0.1:8000/"))
    preview.build_all()
    assert preview.response("/pagefind/pagefind-entry.json")[0] == "404 Not Found"
    assert preview.response("/en/search/")[0] == "404 Not Found"
    # Back on: the whole index again, as a full build makes it.
    site_yaml.write_text(with_search, encoding="utf-8")
    project.build()
    again = _tree(project.out)
    assert "pagefind/pagefind-entry.json" in again and "en/search/index.html" in again
    shutil.rmtree(full)
    assert main(["build", "--no-cache", "--content", str(project.content), "--out", str(full)]) == 0
    assert _tree(full) == again


def test_search_must_be_true_or_false(tmp_path, capsys):
    from featuresite.cli import main
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "content")
    site_yaml = tmp_path / "content/site.yaml"
    lines = site_yaml.read_text(encoding="utf-8").count("\n")
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "search: sometimes\n", encoding="utf-8")
    assert main(["check", "--content", str(tmp_path / "content")]) == 1
    assert f"content/site.yaml:{lines + 1}:9: error:" in capsys.readouterr().err.replace(str(tmp_path) + "/", "")
