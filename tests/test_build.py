"""Fixture sites built into tmp_path and checked as output."""
import json
import re
import shutil

import feedparser
import pytest
from lxml import etree

from conftest import FIXTURES, PROJECT
from sitecheck import broken_links, reachable_from, read_page, url_to_file

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
LANGS = {"zh": "zh-CN", "en": "en"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bilingual fixture built at a domain root and under /feature/."""
    from featuresite.cli import main
    outputs = {}
    for base in ("https://example.org/", "https://example.org/feature/"):
        out = tmp_path_factory.mktemp("site") / "site"
        assert main(["build", "--content", str(FIXTURES / "bilingual"), "--out", str(out), "--base-url", base]) == 0
        outputs[base] = out
    return outputs


@pytest.fixture(scope="module")
def site(built):
    return built["https://example.org/"]


PAGES = ["{l}/index.html", "{l}/articles/harbour-opens/index.html", "{l}/articles/ranking-climb/index.html",
         "{l}/articles/zh-only-note/index.html", "{l}/timeline/index.html", "{l}/ranking/index.html",
         "{l}/platforms/index.html", "{l}/platforms/tidal-lab/index.html", "{l}/sources/index.html",
         "{l}/glossary/index.html",
         "{l}/feed.xml"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_type_exists_in_both_languages(site, lang):
    for pattern in PAGES:
        assert (site / pattern.format(l=lang)).is_file(), pattern.format(l=lang)
    for name in ("index.html", "404.html", "robots.txt", ".nojekyll", "sitemap.xml"):
        assert (site / name).is_file(), name


def test_html_lang_on_every_page(site):
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        lang = read_page(path).lang
        expected = LANGS[rel.split("/")[0]] if "/" in rel else "zh-CN"
        assert lang == expected, rel


@pytest.mark.parametrize("base", ["https://example.org/", "https://example.org/feature/"])
def test_every_link_asset_anchor_and_alternate_resolves(built, base):
    out = built[base]
    assert broken_links(out, base) == []


def test_links_carry_the_base_path(built):
    out = built["https://example.org/feature/"]
    html = (out / "en/timeline/index.html").read_text()
    hrefs = re.findall(r'(?:href|src)="([^"]+)"', html)
    internal = [h for h in hrefs if not h.startswith(("http", "#"))]
    assert internal and all(h.startswith("/feature/") for h in internal)
    assert '<link rel="canonical" href="https://example.org/feature/en/timeline/">' in html
    assert "https://example.org/feature/sitemap.xml" in (out / "robots.txt").read_text()


@pytest.mark.parametrize("base", ["https://example.org/", "https://example.org/feature/"])
def test_sitemap_lists_every_html_page_once_with_alternates(built, base):
    out = built[base]
    tree = etree.parse(str(out / "sitemap.xml"))
    urls = tree.findall("s:url", SITEMAP_NS)
    locs = [u.findtext("s:loc", namespaces=SITEMAP_NS) for u in urls]
    assert len(locs) == len(set(locs))
    files = {url_to_file(loc, base, out) for loc in locs}
    html_pages = {p for p in out.rglob("*.html") if p.name != "404.html"}
    assert files == html_pages
    for url in urls:
        loc = url.findtext("s:loc", namespaces=SITEMAP_NS)
        alternates = {a.get("hreflang"): a.get("href") for a in url.findall("x:link", SITEMAP_NS)}
        if loc == base:
            continue  # the bilingual landing page
        assert set(alternates) == {"zh-CN", "en", "x-default"}, loc
        assert loc in alternates.values()
        for href in alternates.values():
            assert url_to_file(href, base, out).is_file()


def test_crawler_from_the_landing_page_reaches_every_page(site):
    reached = reachable_from(site / "index.html", site, "https://example.org/")
    assert reached == {p for p in site.rglob("*.html") if p.name != "404.html"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feeds_parse_as_atom(site, lang):
    feed = feedparser.parse((site / lang / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id and feed.feed.title and feed.feed.updated
    slugs = {"harbour-opens", "ranking-climb"} | ({"zh-only-note"} if lang == "zh" else set())
    assert {e.link.rstrip("/").rsplit("/", 1)[1] for e in feed.entries} == slugs
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.link.startswith("https://example.org/")


def test_same_content_builds_byte_identical(tmp_path, run_cli):
    for name in ("a", "b"):
        assert run_cli(["build", "--content", FIXTURES / "bilingual", "--out", tmp_path / name]).code == 0
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert files_a == files_b and len(files_a) > 30


def test_html_in_yaml_is_text_not_markup(site):
    for lang in ("zh", "en"):
        html = (site / lang / "timeline/index.html").read_text()
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in html
        assert "<b>bold</b>" not in html


def test_figures_in_prose_follow_each_language(site):
    zh = (site / "zh/articles/harbour-opens/index.html").read_text()
    en = (site / "en/articles/harbour-opens/index.html").read_text()
    assert '<data class="figure" value="11787000000">117.87亿克朗</data>' in zh
    assert '<data class="figure" value="11787000000">11.787 billion crowns</data>' in en
    assert "{{" not in zh and "{{" not in en


def test_article_metadata_and_json_ld(site):
    html = (site / "en/articles/harbour-opens/index.html").read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "NewsArticle"
    assert data["inLanguage"] == "en" and data["datePublished"] == "2024-05-28"
    assert data["dateModified"] == "2024-06-10"
    for needle in ('<meta name="description"', '<meta property="og:title"', 'hreflang="x-default"',
                   '<link rel="canonical" href="https://example.org/en/articles/harbour-opens/">',
                   '<time datetime="2024-05-28">'):
        assert needle in html, needle


def test_timeline_is_an_ordered_list_by_year(site):
    html = (site / "en/timeline/index.html").read_text()
    years = re.findall(r'<h2 id="year-(\d{4})"', html)
    assert years == sorted(years) and len(years) >= 3
    dates = re.findall(r'<li class="event" id="[^"]+">\s*<p class="event-meta"><time datetime="([\d-]+)"', html)
    assert dates == sorted(dates) and len(dates) == 7
    assert '<time datetime="2019">' in html and '<time datetime="2022-09">' in html


def test_ranking_chart_and_table(site):
    html = (site / "en/ranking/index.html").read_text()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<title" in svg and "<desc" in svg
    ys = [float(y) for y in re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', svg)]
    ranks = [int(r) for r in re.findall(r"<tr><th scope=\"row\">\d+</th><td>No\. (\d+)</td>", html)]
    assert ranks == [41, 27, 12]
    # Rank 1 is at the top: a better (smaller) rank is drawn higher (smaller y).
    assert sorted(ys, reverse=True) == ys


def test_untranslated_article_falls_back_with_a_notice(site):
    html = (site / "en/articles/zh-only-note/index.html").read_text()
    assert '<article class="story" lang="zh-CN">' in html
    assert '<p class="notice" lang="en">This story has not been translated' in html


def test_strict_turns_the_missing_translation_into_an_error(run_cli):
    result = run_cli(["check", "--content", FIXTURES / "bilingual", "--strict"])
    assert result.code == 1
    assert any(m.endswith("zh-only-note.zh.md:1:1: error: missing translation: no 'en' version of article "
                          "'zh-only-note' (write articles/zh-only-note.en.md); its en page shows the zh text "
                          "for now") for m in result.messages)
    assert run_cli(["check", "--content", FIXTURES / "bilingual"]).code == 0


def test_minimal_site_has_only_the_pages_it_has_data_for(tmp_path, run_cli):
    out = tmp_path / "out"
    assert run_cli(["build", "--content", FIXTURES / "minimal", "--out", out]).code == 0
    assert (out / "zh/articles/hello/index.html").is_file()
    assert not (out / "zh/timeline").exists()
    assert broken_links(out, "https://example.org/") == []


def test_nothing_about_the_default_feature_lives_in_code_or_templates():
    words = re.compile(r"郑州|中原|河南|Zhengzhou|Zhongyuan|Henan", re.I)
    for folder in ("featuresite", "templates", "static"):
        for path in (PROJECT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".html", ".xml", ".txt", ".css", ".yaml", ".js"):
                assert not words.search(path.read_text(encoding="utf-8")), path


def test_the_shipped_content_builds_strictly(tmp_path, run_cli):
    result = run_cli(["build", "--strict", "--content", PROJECT / "content", "--out", tmp_path / "out"])
    assert result.code == 0, result.err
    assert broken_links(tmp_path / "out", "http://localhost:8000/") == []


def test_check_writes_nothing(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "minimal", tmp_path / "content")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_cli(["check"], cwd=tmp_path)
    assert result.code == 0 and result.out.startswith("checked content: ")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_default_command_builds_content_into_site(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "minimal", tmp_path / "content")
    assert run_cli([], cwd=tmp_path).code == 0
    assert (tmp_path / "site/zh/index.html").is_file() and (tmp_path / "site/.nojekyll").is_file()
    assert run_cli(["--strict"], cwd=tmp_path).code == 0  # options alone also mean `build`


def test_glossary_shows_each_name_in_every_language_marked_with_its_language(site):
    html = (site / "en/glossary/index.html").read_text()
    assert '<th scope="row" lang="zh-CN">潮汐动力学实验室</th>' in html
    assert '<td lang="en">Tidal Dynamics Laboratory</td>' in html
    assert "&lt;i&gt;Greyrock&lt;/i&gt;" in html and "<i>Greyrock</i>" not in html


def test_get_the_data_csv_and_json(site):
    import csv
    rows = list(csv.DictReader((site / "data/ranking.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["edition"], r["rank"], r["of"]) for r in rows] == [("2022", "41", ""), ("2023", "27", ""),
                                                                  ("2024", "12", "150")]
    data = json.loads((site / "data/ranking.json").read_text(encoding="utf-8"))
    assert [e["rank"] for e in data["editions"]] == [41, 27, 12] and set(data["title"]) == {"zh", "en"}
    assert set(data["sources"]) == {e["source"] for e in data["editions"]} | {data["editions"][0]["source"]} | \
        {m["source"] for m in data["method"]}
    html = (site / "en/ranking/index.html").read_text()
    assert 'href="/data/ranking.csv" download' in html and 'href="/data/ranking.json" download' in html


def test_manifest_favicon_and_social_card_metadata(site, tmp_path, run_cli):
    manifest = json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["start_url"] == "/zh/" and manifest["lang"] == "zh-CN" and manifest["icons"]
    html = (site / "en/timeline/index.html").read_text()
    for needle in ('<link rel="manifest" href="/manifest.webmanifest">', 'rel="icon"',
                   '<meta name="twitter:card" content="summary">', '<meta name="twitter:title"'):
        assert needle in html, needle
    assert "og:image" not in html  # the fixture has no content/media/share.png
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "c")
    (tmp_path / "c/media").mkdir()
    shutil.copy(PROJECT / "content/media/share.png", tmp_path / "c/media/share.png")
    assert run_cli(["build", "--content", tmp_path / "c", "--out", tmp_path / "o"]).code == 0
    html = (tmp_path / "o/en/index.html").read_text()
    assert '<meta property="og:image" content="https://example.org/media/share.png">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (tmp_path / "o/media/share.png").read_bytes() == (PROJECT / "content/media/share.png").read_bytes()


def test_an_exception_in_a_helper_is_an_internal_error(copy_fixture, run_cli, tmp_path, monkeypatch):
    """A bug (here: a helper templates call raises) is not a content error: one line, exit 70, and the
    traceback only with --debug."""
    from featuresite import render

    def broken(*args, **kwargs):
        raise RuntimeError("helper broke")

    monkeypatch.setattr(render, "format_date", broken)  # what time_tag, called by templates, uses
    content = copy_fixture("bilingual")
    result = run_cli(["build", "--content", content, "--out", tmp_path / "site"])
    assert result.code == 70, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("build.py: internal error: RuntimeError: helper broke")
    assert "--debug" in lines[0] and "Traceback" not in result.err
    assert not (tmp_path / "site").exists()  # nothing written
    debug = run_cli(["build", "--debug", "--content", content, "--out", tmp_path / "site"])
    assert debug.code == 70 and "Traceback" in debug.err and 'raise RuntimeError("helper broke")' in debug.err
    assert run_cli(["check", "--content", content]).code == 70


def test_an_internal_error_in_a_render_worker_is_reported_the_same(copy_fixture, monkeypatch):
    from featuresite import batch, render
    from featuresite.errors import Diagnostics, InternalError
    from featuresite.pipeline import Options, load_site

    def broken(*args, **kwargs):
        raise RuntimeError("helper broke")

    monkeypatch.setattr(render, "format_date", broken)
    site = load_site(Options(copy_fixture("bilingual")), Diagnostics())
    with pytest.raises(InternalError) as caught:
        batch.render_pages(site, site.pages, Diagnostics(), workers=2, parallel_from=0)
    assert caught.value.message.startswith("RuntimeError: helper broke (while rendering ")
    assert 'raise RuntimeError("helper broke")' in caught.value.details


def test_a_template_mistake_is_still_located_in_the_template(copy_fixture, run_cli, tmp_path):
    content = copy_fixture("bilingual")
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    (templates / "robots.txt").write_text("{{ 1 / 0 }}\n", encoding="utf-8")
    from featuresite import pipeline
    from featuresite.errors import ContentErrors, Diagnostics
    options = pipeline.Options(content, templates_dir=templates)
    diags = Diagnostics()
    with pytest.raises(ContentErrors):
        pipeline.check(options, diags)
    assert [d.format().split(": ", 1)[1] for d in diags.errors] == [
        "error: template error: division by zero (while rendering robots.txt)"]
    assert diags.errors[0].path.name == "robots.txt" and diags.errors[0].line == 1
