"""A Markdown link, image or attribute list that would run script is a located error, however it is spelled.

Browsers read a URL's scheme in any case, with character references
decoded and tabs, newlines and leading spaces skipped; Python-Markdown keeps
all of these in the URL it writes. Each spelling must fail `check` at the
place it is written (exit 1), not vanish silently in the renderer's final
strip, which stays as a second line of defence.
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES, overlay
from featuresite import prose
from featuresite.prose import ProseConverter, strip_unsafe_html, unsafe_html
from languages import EN, STRINGS

FRONT_MATTER = """---
title: Hello
summary: A very short test article.
date: 2025-01-01
byline: Test editor
sources: [example-note]
---
Intro.

"""
LINE = 10
"""Where the body after the front matter and the intro puts what a case writes."""


def _link(scheme: str) -> str:
    return f"{scheme}: link target: links may not run script; use an http(s) or relative URL"


JAVASCRIPT = _link("javascript")

# What is written from LINE on: (line, column) and message of each error, in order.
SPELLINGS = {
    "plain": ("[x](javascript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "mixed case": ("[x](JaVaScRiPt:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "decimal character reference": ("[x](&#106;avascript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "hex character reference": ("[x](&#x6A;avascript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "reference without a semicolon": ("[x](&#106avascript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "named reference for the colon": ("[x](javascript&colon;alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "tab inside": ("[x](java\tscript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "tab as a reference": ("[x](java&#9;script:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "newline inside": ("[x](java\nscript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "leading spaces": ("[x](   javascript:alert(1))", [(LINE, 8, JAVASCRIPT)]),
    "leading newline": ("[x](\n  javascript:alert(1))", [(LINE + 1, 3, JAVASCRIPT)]),
    "leading encoded space": ("[x](&#32;javascript:alert(1))", [(LINE, 5, JAVASCRIPT)]),
    "angle brackets and spaces": ("[x](< java script:alert(1) >)", [(LINE, 7, JAVASCRIPT)]),
    "with a title": ('[x](javascript:alert(1) "title")', [(LINE, 5, JAVASCRIPT)]),
    "image": ("![x](JAVASCRIPT:alert(1))", [(LINE, 6, JAVASCRIPT)]),
    "vbscript": ("[x](VBScript:MsgBox(1))", [(LINE, 5, _link("vbscript"))]),
    "data, not an image": ("[x](data:text/html;base64,PHNjcmlwdD4=)", [(LINE, 5, _link("data"))]),
    "data in an image, not an image type": ("![x](data:text/html,x)", [(LINE, 6, _link("data"))]),
    "reference definition": ("[x][r]\n\n[r]: JaVa&#x53;cript:alert(1)", [(LINE + 2, 6, JAVASCRIPT)]),
    "reference definition, URL on the next line": ("[x][r]\n\n[r]:\n    java\tscript:alert(1)",
                                                   [(LINE + 3, 5, JAVASCRIPT)]),
    "reference definition in a quote": ("> [x][r]\n>\n> [r]: javascript:alert(1)", [(LINE + 2, 8, JAVASCRIPT)]),
    "reference definition in a list item": ("- [x][r]\n\n    [r]: <javascript:alert(1)>",
                                            [(LINE + 2, 11, JAVASCRIPT)]),
    "attribute list on a link": ('[x](https://example.org/){: href="javascript:alert(1)"}',
                                 [(LINE, 29, "javascript: URL in href= in an attribute list: links may not run "
                                             "script; use an http(s) or relative URL")]),
    "attribute list on an image": ("![x](a.png){: src='java&#x09;script:x'}",
                                   [(LINE, 15, "javascript: URL in src= in an attribute list: links may not run "
                                               "script; use an http(s) or relative URL")]),
    "event handler in an attribute list": ('## Heading {: ONCLICK="alert(1)"}',
                                           [(LINE, 15, "event-handler attribute 'onclick' in an attribute list: "
                                                       "articles may not run script")]),
}


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_check_reports_the_link_where_it_is_written(name, tmp_path, run_cli):
    written, expected = SPELLINGS[name]
    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    (site / "articles" / "hello.en.md").write_text(FRONT_MATTER + written + "\n", encoding="utf-8")
    result = run_cli(["check", "--content", "."], cwd=site)
    assert result.code == 1, result.err
    assert [m for m in result.messages if ": error: " in m] == [
        f"articles/hello.en.md:{line}:{col}: error: {message}" for line, col, message in expected]


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_the_final_strip_still_takes_it_out(name, monkeypatch):
    # The second line of defence: given the body without the parse stage, the renderer publishes no script.
    written, _ = SPELLINGS[name]
    published = [ProseConverter({}, STRINGS, quick=quick).convert(written, EN) for quick in (True, False)]
    monkeypatch.setattr(prose, "strip_unsafe_html", lambda html: html)
    unstripped = ProseConverter({}, STRINGS, quick=False).convert(written, EN)
    assert published == [strip_unsafe_html(unstripped)] * 2
    assert strip_unsafe_html(published[0]) == published[0]


@pytest.mark.parametrize("written", [
    "[x](javascript%3Aalert(1))",  # percent-escapes in a scheme: no scheme at all, so a relative link
    "[x](%6Aavascript:alert(1))",
    "[x](java\\script:alert(1))",  # a backslash is no scheme character either
    "[JavaScript: the language](https://example.org/javascript:)",
    "Footnote[^1].\n\n[^1]: JavaScript: the language.",  # a footnote definition holds text, not a URL
    "![chart](data:image/png;base64,iVBORw0KGgo=)",
    "# JavaScript {: #javascript .language}",
    "Set {once} and for all.",  # braces in prose are no attribute list
])
def test_safe_spellings_are_not_reported(written):
    assert unsafe_html(written) == []
