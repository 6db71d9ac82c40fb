"""Links in article prose: the `kind:` and `media:` forms, and the check that every link leads somewhere.

Each broken link is a located error at the line and column where the editor
wrote it; the output is untouched when one is found. The ids that anchors
must name are read from the rendered pages, so an anchor that a rebuild
removes from another page is found even though the linking page is not
rendered again.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from featuresite.hrefs import ids_in, locate_links

ARTICLE = "articles/harbour-opens.en.md"


def _add(content: Path, text: str, name: str = ARTICLE) -> int:
    """Append a paragraph to an article; the line it starts on."""
    path = content / name
    before = path.read_text(encoding="utf-8")
    path.write_text(before.rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")
    return before.rstrip("\n").count("\n") + 3


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_link_forms_become_urls_under_the_base_path(copy_fixture, run_cli, tmp_path):
    content = copy_fixture("bilingual")
    (content / "media").mkdir()
    (content / "media" / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    _add(content, "See [the lab](platform:tidal-lab), [the approval](timeline:#council-approves-campus), "
                  "[the climb](article:ranking-climb), [its opening](#opening-day), [the map](media:map.svg), "
                  "![a map](media:map.svg), [the sources](sources:) and [the town](https://example.org/town).")
    result = run_cli(["build", "--content", content, "--out", tmp_path / "site", "--base-url",
                      "https://example.org/repo/"])
    assert result.code == 0, result.err
    html = (tmp_path / "site" / "en" / "articles" / "harbour-opens" / "index.html").read_text(encoding="utf-8")
    for href in ('href="/repo/en/platforms/tidal-lab/"', 'href="/repo/en/timeline/#council-approves-campus"',
                 'href="/repo/en/articles/ranking-climb/"', 'href="#opening-day"', 'href="/repo/media/map.svg"',
                 'src="/repo/media/map.svg"', 'href="/repo/en/sources/"', 'href="https://example.org/town"'):
        assert href in html, href
    assert "platform:" not in html and "media:map" not in html


BROKEN = [
    ("[a lab](platform:no-such-lab)", "the link 'platform:no-such-lab' leads nowhere: the site has no platform "
                                      "'no-such-lab'"),
    ("[a story](article:no-such-story)", "the link 'article:no-such-story' leads nowhere: the site has no "
                                         "article 'no-such-story'"),
    ("[a file](media:missing.pdf)", "the link 'media:missing.pdf' leads nowhere: content/media/ has no file "
                                    "missing.pdf"),
    ("[a typo](platfrom:tidal-lab)", "the link 'platfrom:tidal-lab' has no known form: did you mean "
                                     "platform:? (write a web address, media:<file>, or one of "),
    ("[no slug](platform:)", "the link 'platform:' should read platform:<slug>"),
    ("[an anchor](#no-such-heading)", "the link '#no-such-heading' names an anchor #no-such-heading that "
                                      "en/articles/harbour-opens/index.html does not have"),
    ("[an event](timeline:#no-such-event)", "the link 'timeline:#no-such-event' names an anchor #no-such-event "
                                            "that en/timeline/index.html does not have"),
    ("[a page](../../nowhere/)", "the link '../../nowhere/' leads nowhere: the site has no en/nowhere/index.html"),
    ("![a map](/media/map.svg)", "the link '/media/map.svg' starts at the domain's root, so it breaks when the "
                                 "site is published below a path: write media:map.svg for a file of "
                                 "content/media/"),
]


@pytest.mark.parametrize("markdown, message", BROKEN, ids=[m for m, _ in BROKEN])
def test_a_link_that_leads_nowhere_is_a_located_error(copy_fixture, run_cli, tmp_path, markdown, message):
    content = copy_fixture("bilingual")
    out = tmp_path / "site"
    assert run_cli(["build", "--content", content, "--out", out]).code == 0
    before = _tree(out)
    line = _add(content, f"Words first, then {markdown} and more words.")
    result = run_cli(["build", "--content", content, "--out", out])
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    col = len("Words first, then ") + markdown.index("](") + 3
    prefix = f"{content / ARTICLE}:{line}:{col}: error: "
    assert [m for m in result.messages if m.startswith(prefix)] and \
        any(m.startswith(prefix + message) for m in result.messages), result.err
    assert _tree(out) == before  # the old site, untouched


def test_every_broken_link_is_reported_in_one_run(copy_fixture, run_cli, tmp_path):
    content = copy_fixture("bilingual")
    _add(content, "[one](platform:nope-1) and [two](article:nope-2)")
    _add(content, "[three](#nope-3)", "articles/harbour-opens.zh.md")
    result = run_cli(["check", "--content", content])
    assert result.code == 1
    assert len([m for m in result.messages if ": error: the link" in m]) == 3, result.err


def test_a_malformed_web_address_is_a_warning(copy_fixture, run_cli, tmp_path):
    content = copy_fixture("bilingual")
    line = _add(content, "Read [the report](https:/example.org/report).")
    result = run_cli(["build", "--content", content, "--out", tmp_path / "site"])
    assert result.code == 0
    assert f"{content / ARTICLE}:{line}:19: warning: the link 'https:/example.org/report' is not a " \
           f"well-formed web address" in result.messages
    assert run_cli(["build", "--strict", "--content", content, "--out", tmp_path / "site"]).code == 1


def test_an_anchor_removed_from_another_page_is_found_by_an_incremental_build(copy_fixture, run_cli, tmp_path):
    """The linking page is not rendered again (nothing it reads changed), yet its link is checked."""
    content = copy_fixture("bilingual")
    out = tmp_path / "site"
    line = _add(content, "As [the opening](article:harbour-opens#opening-day) showed.",
                "articles/ranking-climb.en.md")
    assert run_cli(["build", "--content", content, "--out", out]).code == 0
    before = _tree(out)
    article = content / ARTICLE
    article.write_text(article.read_text(encoding="utf-8").replace("{#opening-day}", "{#the-opening}"),
                       encoding="utf-8")
    result = run_cli(["build", "--content", content, "--out", out])
    assert result.code == 1
    assert f"{content / 'articles/ranking-climb.en.md'}:{line}:{len('As [the opening](') + 1}: error: the link " \
           f"'article:harbour-opens#opening-day' names an anchor #opening-day that " \
           f"en/articles/harbour-opens/index.html does not have" in result.messages, result.err
    assert _tree(out) == before
    article.write_text(article.read_text(encoding="utf-8").replace("{#the-opening}", "{#opening-day}"),
                       encoding="utf-8")
    assert run_cli(["build", "--content", content, "--out", out]).code == 0


def test_the_shipped_site_links_only_where_pages_exist(run_cli, tmp_path):
    """The shipped articles' links are checked like any other (a build that passes has none broken)."""
    from conftest import PROJECT
    result = run_cli(["check", "--content", PROJECT / "content"])
    assert result.code == 0, result.err


def test_links_are_located_where_they_are_written():
    body = "One [a](x:1) line.\nTwo [b](x:2) and [c](x:1).\n"
    found = [("x:1", "/1", ""), ("x:2", "/2", ""), ("x:1", "/1", "")]
    assert [(line, col) for _, _, _, line, col in locate_links(found, body, 10)] == [(10, 9), (11, 9), (11, 22)]


def test_ids_are_read_from_the_html():
    assert ids_in(b'<h2 id="a">x</h2><li class="e" id=\'b\'><p data-id="c">') == {"a", "b"}
