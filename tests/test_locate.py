"""The one URL rule, as a table of cases."""
import pytest

from featuresite.model import Page, locate

CASES = [
    # kind, lang, slug, URL path, output file
    ("landing", None, None, "", "index.html"),
    ("home", "zh", None, "zh/", "zh/index.html"),
    ("home", "en", None, "en/", "en/index.html"),
    ("article", "zh", "ranking-rise", "zh/articles/ranking-rise/", "zh/articles/ranking-rise/index.html"),
    ("article", "en", "a", "en/articles/a/", "en/articles/a/index.html"),
    ("timeline", "en", None, "en/timeline/", "en/timeline/index.html"),
    ("ranking", "zh", None, "zh/ranking/", "zh/ranking/index.html"),
    ("platforms", "en", None, "en/platforms/", "en/platforms/index.html"),
    ("platform", "zh", "songshan-lab", "zh/platforms/songshan-lab/", "zh/platforms/songshan-lab/index.html"),
    ("sources", "en", None, "en/sources/", "en/sources/index.html"),
    ("glossary", "zh", None, "zh/glossary/", "zh/glossary/index.html"),
    ("feed", "zh", None, "zh/feed.xml", "zh/feed.xml"),
    ("notfound", None, None, "404.html", "404.html"),
    ("sitemap", None, None, "sitemap.xml", "sitemap.xml"),
    ("robots", None, None, "robots.txt", "robots.txt"),
    ("nojekyll", None, None, ".nojekyll", ".nojekyll"),
    ("cname", None, None, "CNAME", "CNAME"),
    ("manifest", None, None, "manifest.webmanifest", "manifest.webmanifest"),
    ("ranking_csv", None, None, "data/ranking.csv", "data/ranking.csv"),
    ("ranking_json", None, None, "data/ranking.json", "data/ranking.json"),
]


@pytest.mark.parametrize("kind,lang,slug,url,out", CASES)
def test_locate(kind, lang, slug, url, out):
    assert locate(kind, lang, slug) == (url, out)
    page = Page(kind, lang, slug)
    assert (page.url_path, page.output_path) == (url, out)


@pytest.mark.parametrize("kind,lang,slug", [
    ("home", None, None),            # needs a language
    ("landing", "zh", None),         # takes none
    ("article", "zh", None),         # needs a slug
    ("timeline", "zh", "x"),         # takes none
    ("nonsense", None, None),
])
def test_locate_rejects_impossible_pages(kind, lang, slug):
    with pytest.raises(ValueError):
        locate(kind, lang, slug)


def test_every_kind_has_a_distinct_output():
    outputs = [out for _, _, _, _, out in CASES]
    assert len(outputs) == len(set(outputs))
