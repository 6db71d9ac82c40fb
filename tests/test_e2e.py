"""The shipped site as readers' browsers see it: built for /feature/, served on 127.0.0.1, opened in Chromium.

Checks every page: no console error or failed request, no sideways scrolling at
320, 375 and 1280 px, zero axe-core WCAG 2.1 A/AA violations, a language switcher
that leads to the same page in the other language and back; the W3C Nu checker
on every page; a crawl from the landing page; feeds and the sitemap schema.
Screenshots land in tests/artifacts/screenshots/ for people to look at.
"""
import re
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from browser import sideways_scroll, visit
from checkers import axe_violations, built_and_served, require_tools, sitemap_errors, vnu_errors
from sitecheck import broken_links, reachable_from, url_to_file

PREFIX = "/feature/"
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, output folder): content/ built strictly for http://127.0.0.1:PORT/feature/ and served there."""
    out = tmp_path_factory.mktemp("e2e") / "site"
    with built_and_served(out, PREFIX) as base:
        yield base, out


def html_pages(out: Path) -> list[str]:
    """URL paths (relative to the base) of every HTML page."""
    paths = []
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        paths.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return paths


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_every_page_loads_cleanly_without_sideways_scroll(site, browser, width):
    base, out = site
    failures = []
    for rel in html_pages(out):
        page, problems = visit(browser, base + rel, width)
        overflow = sideways_scroll(page)
        if overflow > 0:
            problems.append(f"scrolls sideways by {overflow}px")
        failures += [f"{rel} @{width}px: {p}" for p in problems]
        page.close()
    assert failures == []


def test_axe_finds_no_wcag_violations_on_any_page(site, browser):
    require_tools()
    base, out = site
    failures = []
    for rel in html_pages(out):
        page, _ = visit(browser, base + rel, 1280)
        failures += [f"{rel}: {v}" for v in axe_violations(page)]
        page.close()
    assert failures == []


def test_language_switcher_leads_to_the_same_page_and_back(site, browser):
    base, out = site
    langs = ("zh", "en")
    switched = {}
    for rel in html_pages(out):
        lang = rel.split("/", 1)[0]
        if lang not in langs:
            continue
        other = langs[1 - langs.index(lang)]
        html = (out / (rel + "index.html" if rel.endswith("/") or rel == "" else rel)).read_text()
        nav = re.search(r'<nav class="language-switch".*?</nav>', html, re.S).group(0)
        href = re.search(rf'href="([^"]+)"[^>]*hreflang="{"zh-CN" if other == "zh" else "en"}"', nav).group(1)
        switched[rel] = href
        assert href == PREFIX + other + rel[len(lang):], rel
    for rel, href in switched.items():  # ... and back
        assert switched[href[len(PREFIX):]] == PREFIX + rel, rel
    # Clicking it in the browser really goes there and back.
    for rel in ("zh/", "en/ranking/", "zh/timeline/", "en/articles/ranking-rise/"):
        page, _ = visit(browser, base + rel, 375)
        page.click('nav.language-switch a[rel="alternate"]')
        page.wait_for_load_state()
        there = page.url
        page.click('nav.language-switch a[rel="alternate"]')
        page.wait_for_load_state()
        assert there != base + rel and page.url == base + rel
        page.close()


def test_nu_html_checker_finds_no_errors(site):
    require_tools()
    _, out = site
    assert vnu_errors(out) == []


def test_crawl_from_the_landing_page_reaches_every_sitemap_page_without_broken_links(site):
    base, out = site
    assert broken_links(out, base) == []
    reached = reachable_from(out / "index.html", out, base)
    listed = {url_to_file(loc.text, base, out)
              for loc in etree.parse(str(out / "sitemap.xml")).findall("s:url/s:loc", SITEMAP_NS)}
    assert listed and listed <= reached


def test_sitemap_validates_against_the_sitemaps_org_schema(site):
    require_tools()
    _, out = site
    assert sitemap_errors(out / "sitemap.xml") == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feeds_carry_id_title_updated_and_links(site, lang):
    base, out = site
    feed = feedparser.parse((out / lang / "feed.xml").read_bytes())
    assert not feed.bozo and feed.version == "atom10"
    assert feed.feed.id == f"{base}{lang}/" and feed.feed.title and feed.feed.updated
    assert {link.rel for link in feed.feed.links} == {"self", "alternate"}
    assert len(feed.entries) >= 2
    for entry in feed.entries:
        assert entry.id.startswith(base) and entry.title and entry.updated and entry.link.startswith(base)


def test_screenshots_for_people_to_look_at(site, browser):
    base, _ = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"home": "{lang}/", "timeline": "{lang}/timeline/", "ranking": "{lang}/ranking/",
             "platform": "{lang}/platforms/songshan-lab/"}
    for lang in ("zh", "en"):
        for name, pattern in pages.items():
            for width in (375, 1280):
                page, problems = visit(browser, base + pattern.format(lang=lang), width)
                target = SCREENSHOTS / f"{name}-{lang}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                page.close()
                assert problems == [] and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
