"""Page weight and self-containment: every HTML page plus the CSS and JS it loads stays under 60 KB
(images aside), and nothing is fetched from another host. The search page counts as it stands before its
first query (its script loads the search index only then)."""
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT

BUDGET = 60 * 1024
ASSET_RE = re.compile(r'<(?:link|script|img|source)\b[^>]*?\b(?:href|src)="([^"]+)"[^>]*>')


@pytest.fixture(scope="module", params=["content", "bilingual"])
def built(request, tmp_path_factory):
    from featuresite.cli import main
    content = PROJECT / "content" if request.param == "content" else FIXTURES / "bilingual"
    out = tmp_path_factory.mktemp("budget") / "site"
    assert main(["build", "--content", str(content), "--out", str(out),
                 "--base-url", "https://example.org/feature/"]) == 0
    return out


def _local(url: str, out: Path) -> Path:
    path = url.split("?", 1)[0].removeprefix("https://example.org").removeprefix("/feature/")
    return out / path


def _weight(page: Path, out: Path) -> tuple[int, list[str]]:
    """An HTML page's bytes plus those of the CSS and scripts it loads; and those files."""
    html = page.read_text(encoding="utf-8")
    weight, loaded = len(html.encode("utf-8")), []
    for tag, url in ((m.group(0), m.group(1)) for m in ASSET_RE.finditer(html)):
        if 'rel="stylesheet"' in tag or tag.startswith("<script"):
            weight += _local(url, out).stat().st_size
            loaded.append(url.split("?", 1)[0].rsplit("/", 1)[-1])
    return weight, loaded


def test_every_page_with_its_css_and_js_is_under_60_kb(built):
    over = []
    for page in built.rglob("*.html"):
        weight, _ = _weight(page, built)
        if weight >= BUDGET:
            over.append(f"{page.relative_to(built)}: {weight} bytes")
    assert over == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_search_page_is_measured_with_its_script(built, lang):
    weight, loaded = _weight(built / lang / "search/index.html", built)
    assert loaded == ["style.css", "search.js"] and weight < BUDGET


def test_no_asset_comes_from_another_host(built):
    foreign = []
    for page in built.rglob("*.html"):
        for tag, url in ((m.group(0), m.group(1)) for m in ASSET_RE.finditer(page.read_text(encoding="utf-8"))):
            if 'rel="canonical"' in tag or 'rel="alternate"' in tag:
                continue  # addresses of this site's pages, not requests
            if not (url.startswith("/feature/") or url.startswith("https://example.org/feature/")):
                foreign.append(f"{page.relative_to(built)}: {url}")
    assert foreign == []
