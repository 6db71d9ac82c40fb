"""No article body makes the Markdown stage slow: time grows in proportion to the text, on both converters.

Each input is grown four times; the work a build does with an article body
(the parse stage's check, then the conversion when the check passes) must
grow less than eight times. Only ratios are asserted, never a time.

Without the limits of prosebounds.py, each of PATHOLOGICAL grows ten to
nineteen times here, on either converter, or crashes (nested lists recurse
once per level). COMMON is markup in bulk: some of it grows that way on
older releases (Python-Markdown 3.5 scans a paragraph again after every
match), and all of it must stay in proportion here, the check included.
"""
from __future__ import annotations

import time

import pytest

from conftest import FIXTURES, overlay
from featuresite import parse, prose, prosebounds
from featuresite.prose import ProseConverter, ProseTooLong, prose_problems
from languages import EN, STRINGS

# name: (how to write an input of about n characters, n for the smaller size)
PATHOLOGICAL = {
    "unclosed [": (lambda n: "[" * n, 2000),
    "unclosed [ in words": (lambda n: "[a " * (n // 3), 2000),
    "unclosed ![": (lambda n: "![" * (n // 2), 2000),
    "nested [ ]": (lambda n: "[" * (n // 2) + "]" * (n // 2), 2000),
    "nested links": (lambda n: "[" * (n // 6) + "a" + "](b)" * (n // 6), 2000),
    "unclosed ](": (lambda n: "[a](" * (n // 4), 2000),
    "unclosed link titles": (lambda n: '[a](b"c) ' * (n // 9), 2000),
    "unclosed [^": (lambda n: "[^" * (n // 2), 2000),
    "unclosed ][": (lambda n: "[a][" * (n // 4), 2000),
    "same footnote again and again": (lambda n: "a[^1] " * (n // 6) + "\n\n[^1]: note", 2000),
    "many link definitions, URL on the next line": (
        lambda n: "".join(f"[a{i}]:\n  /x\n" for i in range(n // 12)), 2000),
    "headings without blank lines": (lambda n: "# a\n" * (n // 4), 8000),
    "attribute list braces in a heading": (lambda n: "# a" + " {" * (n // 2), 4000),
    "attribute list braces in a table cell": (lambda n: "a | b\n--|--\nx" + " {" * (n // 2) + "|y", 2000),
    "unclosed <a": (lambda n: "<a " * (n // 3), 2000),
    "unclosed <a over lines": (lambda n: "<a\n" * (n // 3), 2000),
    "unclosed autolinks": (lambda n: "<http://a " * (n // 10), 4000),
    "unclosed attribute quotes": (lambda n: "<a b='" * (n // 6), 4000),
    "unclosed comments": (lambda n: "<!--" * (n // 4), 4000),
    "unclosed CDATA": (lambda n: "<![CDATA[" * (n // 9), 2000),
    "nested lists on one line": (lambda n: "- " * (n // 2) + "a", 2000),
    "nested numbered lists on one line": (lambda n: "1. " * (n // 3) + "a", 2000),
    "{{ and a run of spaces": (lambda n: "{{" + " " * n + "x", 8000),
}
COMMON = {
    "unclosed `": (lambda n: "`a " * (n // 3), 2000),
    "code spans": (lambda n: "`a` " * (n // 4), 2000),
    "longer code spans": (lambda n: "``a`` `b` " * (n // 10), 2000),
    "emphasis": (lambda n: "*a* " * (n // 4), 2000),
    "unclosed _": (lambda n: "_a " * (n // 3), 2000),
    "escapes": (lambda n: "\\* " * (n // 3), 2000),
    "many link definitions": (lambda n: "".join(f"[a{i}]: /x\n" for i in range(n // 10)), 2000),
    "many footnotes": (lambda n: "".join(f"[^{i}]" for i in range(n // 7)) + "\n\n"
                       + "".join(f"[^{i}]: a\n" for i in range(n // 7)), 2000),
    "nested quotes": (lambda n: "> " * (n // 2) + "a", 2000),
    "one long line": (lambda n: "words " * (n // 6), 2000),
    "a long table": (lambda n: "| a | b |\n|---|---|\n" + "| c | d |\n" * (n // 10), 2000),
}

_MIN_SECONDS = 0.015
"""Each measurement repeats the work until the smaller input has taken at least this long."""


def _build_work(converter: ProseConverter, body: str) -> None:
    """What a build does with an article body: the parse stage's check, then the conversion if it passed."""
    if not prose_problems(body, body):
        converter.convert(body, EN)


def _seconds(converter: ProseConverter, body: str, repeat: int) -> float:
    """The least CPU time of a few runs of `repeat` builds of the body."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            _build_work(converter, body)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("quick", [True, False], ids=["fastmarkdown", "stock"])
@pytest.mark.parametrize("name", [*PATHOLOGICAL, *COMMON])
def test_time_grows_in_proportion_to_the_text(name, quick):
    write, n = PATHOLOGICAL.get(name) or COMMON[name]
    converter = ProseConverter({}, STRINGS, quick=quick)
    small, large = write(n), write(4 * n)
    _build_work(converter, small)  # set the converter up
    once = _seconds(converter, small, 1)
    repeat = max(1, int(_MIN_SECONDS / max(once, 1e-6)) + 1)
    # Another process on the machine only ever makes a run slower, and may do so to either size: a ratio
    # is confirmed only when three measurements in a row give it (growth with the square of the text
    # gives it every time).
    ratios = []
    for _ in range(3):
        ratios.append(_seconds(converter, large, repeat) / _seconds(converter, small, repeat))
        if ratios[-1] < 8:
            break
    assert min(ratios) < 8, f"{name}: 4x the text took {', '.join(f'{r:.1f}' for r in ratios)}x the time"


# --- what is reported, and where --------------------------------------------------------------

BRACKETS_OPEN = ("more than 8 brackets left open in one paragraph ('[' without ']', or '](' without ')'): "
                 "write \\[ or \\( for a bracket that is text")
BRACKETS_DEEP = "brackets nested more than 8 deep: write \\[ or \\( for a bracket that is text"


@pytest.mark.parametrize("body, expected", [
    ("x " + "[" * 16000, [(1, 11, BRACKETS_OPEN)]),
    ("ok [a] [b](c)\n\n" + "[a](" * 12, [(3, 36, BRACKETS_OPEN)]),
    ("[" * 12 + "]" * 12, [(1, 9, BRACKETS_DEEP)]),
    ("Title\n\n- " + "- " * 40 + "a",
     [(3, 1, "lists and quotes nested more than 32 deep (counting markers and every four columns of "
             "indentation)")]),
    ("<a " * 40, [(1, 97, "more than 32 '<' open a tag, comment or declaration that is never closed: "
                          "write &lt; for a '<' that is text")]),
    ("a[^1] " * 101 + "\n\n[^1]: note", [(1, 602, "more than 100 references to one footnote [^1]")]),
    ("intro\n\n" + "`a` " * 600, [(3, 1, "paragraph too long for the markup in it (2400 characters, 1200 pieces "
                                        "of markup: ` * _ [ < & \\ {, headings, rules): put blank lines between "
                                        "its parts")]),
])
def test_past_a_limit_is_reported_where_it_is_written(body, expected):
    assert prose_problems(body, body) == expected


def test_escaped_brackets_and_code_are_within_the_limits():
    escaped = "A list [sic " + "\\[ " * 40 + "and more."
    assert prose_problems(escaped, escaped) == []  # what the message asks for
    text = "Index: `a[0]`, `b[1][2]`, `f(x)` and `[text](url)`. " * 20
    assert prose_problems(text, text) == []


def test_dense_prose_is_within_the_limits():
    sentence = ("The **[platform](platform:songshan-lab)** reported *281,000* people in `2024` "
                "([source](https://example.org/report \"Report\"), &amp; {{talent}}). ")
    paragraph = sentence * 20  # about 3,000 characters, 20 links with titles, 60 pieces of emphasis
    body = "\n\n".join([paragraph] * 10 + ["- item [x](y)\n" * 100, "| a | b |\n|---|---|\n" + "| c | d |\n" * 300])
    assert prose_problems(body, body) == []


def test_the_converter_refuses_what_is_past_the_limits():
    converter = ProseConverter({}, STRINGS)
    with pytest.raises(ProseTooLong) as raised:
        converter.convert("x " + "[" * 200_000, EN)  # unguarded, this would take hours
    assert (raised.value.line, raised.value.col, raised.value.message) == (1, 11, BRACKETS_OPEN)
    with pytest.raises(ProseTooLong):
        converter.convert("- " * 2000 + "a", EN)  # unguarded: RecursionError
    assert converter.convert("[a](b) [c]", EN) == '<p><a href="b">a</a> [c]</p>'  # and it still works


def test_the_html_scan_is_not_run_on_unclosed_markup():
    text = "<a " * 100_000  # the scan would take minutes
    start = time.process_time()
    assert [message for _, _, message in prose.unsafe_html(text)] == [prosebounds.UNCLOSED_MARKUP_MESSAGE]
    assert time.process_time() - start < 60  # a hang guard, not a measurement


# --- through the command line -----------------------------------------------------------------

_PARSE_CHECKS_BOUNDS = "prose_problems" in vars(parse)


@pytest.mark.xfail(not _PARSE_CHECKS_BOUNDS, strict=True,
                   reason="parse.py does not call prose.prose_problems yet (the converter refuses the body: exit 70)")
def test_check_reports_the_limit_at_its_line(tmp_path, run_cli):
    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    article = site / "articles" / "hello.en.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nSee " + "[" * 16000 + "\n", encoding="utf-8")
    result = run_cli(["check", "--content", "."], cwd=site)
    assert result.code == 1, result.err
    assert [m for m in result.messages if ": error: " in m] == [
        f"articles/hello.en.md:10:13: error: {BRACKETS_OPEN}"]


def test_the_documented_limits_are_the_limits():
    """docs/content.md's table of limits says what prosebounds.py and rawhtml.py enforce."""
    from conftest import PROJECT
    from featuresite import prosebounds, rawhtml
    docs = (PROJECT / "docs" / "content.md").read_text(encoding="utf-8")
    table = docs[docs.index("### Limits"):docs.index("### Raw HTML")]
    values = [cell.strip() for row in table.splitlines() if row.startswith("| ") and "---" not in row
              for cell in row.strip("|").split("|")[1:]][1:]
    assert values == [f"{prosebounds.UNCLOSED_BRACKETS}", f"{prosebounds.BRACKET_DEPTH}",
                      f"{prosebounds.MARKUP_BUDGET:,}", f"{prosebounds.NESTING_DEPTH} levels",
                      f"{rawhtml.UNCLOSED_MARKUP_LIMIT}",
                      f"{prosebounds.FOOTNOTE_REFERENCES:,}; {prosebounds.REFERENCES_TO_ONE_FOOTNOTE}"]
