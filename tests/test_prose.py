"""Article Markdown: figure citations, CJK line joining, tables, footnotes, heading ids."""
import re
import xml.etree.ElementTree as etree

import markdown
import pytest
from markdown.extensions import toc
from markdown.extensions.attr_list import AttrListTreeprocessor

from conftest import PROJECT
from featuresite import fastmarkdown, prose
from featuresite.errors import Diagnostics, Loc
from featuresite.model import Figure
from featuresite.pipeline import Options, load_site
from featuresite.prose import render_markdown
from languages import EN, STRINGS, ZH

FIGURES = {"talent": Figure(key="talent", value=281000, unit={"zh": "人", "en": "people"},
                            label={"zh": "人才", "en": "Talent"}, note=None, as_of=None, approx="exact",
                            featured=True, source="s", loc=Loc("f", 1, 1))}


def test_figure_citation_in_each_language():
    assert '<data class="figure" value="281000">28.1万人</data>' in render_markdown(
        "人才总量达{{talent}}。", FIGURES, ZH, STRINGS)
    assert '<data class="figure" value="281000">281,000 people</data>' in render_markdown(
        "A pool of {{ talent }}.", FIGURES, EN, STRINGS)


def test_citation_in_code_is_left_alone():
    html = render_markdown("Write `{{talent}}` to cite.", FIGURES, EN, STRINGS)
    assert "<code>{{talent}}</code>" in html


def test_soft_break_between_chinese_characters_adds_no_space():
    html = render_markdown("中原科技城在全国\n排名第十五。\nEnglish words\nstay apart.", FIGURES, ZH, STRINGS)
    assert "中原科技城在全国排名第十五。" in html
    assert "English words\nstay apart." in html
    # A break between Chinese and Latin text is kept (the browser shows a space there).
    assert "第十五。\nEnglish" in html


def test_tables_footnotes_and_heading_ids():
    text = "## 评价方法\n\n## Method {#how}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: The source.\n"
    html = render_markdown(text, FIGURES, EN, STRINGS)
    assert '<h2 id="评价方法">评价方法</h2>' in html
    assert '<h2 id="how">Method</h2>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote-ref"' in html and 'title="Back to footnote 1"' in html


# --- the speed-ups give the stock output --------------------------------------------------------

SAMPLES = [
    "Plain prose, nothing to do.\nA second line.",
    "`code {{talent}}` and ``double `tick` code`` and \\*escaped\\* and \\`tick.",
    "A footnote[^1] and {{talent}} again.\n\n[^1]: The note, with *emphasis*.",
    "[link](https://example.org/a_b) ![image](pic.png \"title\") [ref][r] [short] ![short img]\n\n"
    "[r]: https://example.org/r\n[short]: /s\n[short img]: /i.png",
    "<https://example.org/auto> <someone@example.org> line  \nbreak <b>bold</b> &amp; &copy; &#169; R&D",
    "*em* **strong** ***both*** _under_ __double__ snake_case_name 2*3*4 a * b",
    "中原科技城在全国\n排名第十五。**加粗**与*强调*，{{talent}}。",
    "## Heading *with* `code` & more {#custom-id}\n\n## Heading *with* `code` & more\n\n"
    "### 第二节 标题\n\n### Footnoted[^n]\n\n#### <span>html</span> head\n\n[^n]: note",
    "| a | b |\n| --- | --- |\n| *x* | [y](/y) |\n\nNo | table | here\nat all",
    "Para {: .lead }\n\n[x](jav&#97;script:alert(1)) <b onmouseover=\"x\">b</b>\n\n"
    "Attr\n{: onclick=\"alert(1)\" }\n\n<script>alert(1)</script>\n\n<!-- note -->",
    "> quote with **bold**\n>\n> - list *item*\n\n1. one\n2. two `code`\n\n    indented code <b>",
]


MORE_SAMPLES = [
    # Each block rule, with and without what fastmarkdown.BLOCK_NEEDS says it needs.
    "# One\n\nTwo #hash\n\nSetext\n======\n\nAnother\n---\n\nNo = setext - here\n\n"
    "***\n\n- - -\n\n_ _ _\n\n- item - with dash\n\n> quote\n\na > b\n\n"
    "[def]: /x \"t\"\n\nNot a [def] :here]: but text\n\n| x |\n|---|\n| y |\n\na | b\n\n"
    "Say[^f].\n\n[^f]: Foot *note*.\n    Indented more.\n",
    # Inline needs: each pattern's trigger present without a match, and two-space line breaks.
    "Stars * and _ unders _ and ` lone tick, [brackets] & <angles>, \\ and {braces}.\n"
    "break  \nnext  \n  \nend",
    # attr_list: lists in headings, blocks, inline elements; braces that are not lists; citations around.
    "## Head {#h .c}\n\nPara\n{: .p }\n\n*em*{: .e } and {{talent}}{: .after }\n\n- item\n{: .li }\n\n"
    "{{talent}} {not a list\n\n`{: .code }` stays\n\n\\{: .escaped }\n\n&#123;: .entity }\n\n"
    "| h {: .th } |\n|---|\n| d {: .td } |",
    "Only {{talent}} and {{ talent }} cite: no other brace.",
    # Escapes in text, tails and attributes; entities; boolean and valueless attributes; nested lists.
    "\\*a\\* [l\\_x](/a\\_b \"t\\*\") **b**\\_c <input disabled> <details open=\"open\">x</details>\n\n"
    "1. a\n    - b\n        - c *d*\n\n>> deep > quote",
    "",
    "   \n\n\n",
]


# The speed-ups are tested on the installed release whether or not it is one they are used on
# (quick=True forces them): a release that passes may be added to fastmarkdown.TESTED_RELEASES.

@pytest.mark.parametrize("lang", [EN, ZH], ids=["en", "zh"])
def test_speed_ups_give_the_stock_output(lang):
    """fastmarkdown's speed-ups on and off: the same HTML, sample by sample."""
    quick = prose.ProseConverter(FIGURES, STRINGS, quick=True)
    stock = prose.ProseConverter(FIGURES, STRINGS, quick=False)
    for text in SAMPLES + MORE_SAMPLES:
        assert quick.convert(text, lang) == stock.convert(text, lang), text
    assert type(quick._instances[lang].treeprocessors["inline"]) is fastmarkdown.QuickInline
    assert type(stock._instances[lang].treeprocessors["inline"]) is markdown.treeprocessors.InlineProcessor


@pytest.mark.skipif(fastmarkdown.BOOLEAN_ATTRIBUTES is None, reason="the quick serializer mirrors 3.11.3 on")
def test_quick_serializer_gives_the_stock_output_or_leaves_it_to_stock():
    md = markdown.Markdown(extensions=["attr_list"])
    for text in SAMPLES + MORE_SAMPLES:
        root = md.parser.parseDocument(md.preprocessors["normalize_whitespace"].run(text.split("\n"))).getroot()
        assert fastmarkdown.serialize_html(root) == markdown.serializers.to_html_string(root)
    comment = etree.Element("div")
    comment.append(etree.Comment(" note "))
    assert fastmarkdown.serialize_html(comment) == "<div><!-- note --></div>"
    deep = top = etree.Element("div")
    for _ in range(5000):
        deep = etree.SubElement(deep, "div")
    assert fastmarkdown.serialize_html(top) == "<div>" * 5001 + "</div>" * 5001


def test_quick_inline_stage_is_in_use(monkeypatch):
    """Python-Markdown still calls the method it overrides (a rename upstream would silently slow it down)."""
    calls = []
    stock = fastmarkdown.QuickInline._InlineProcessor__handleInline
    monkeypatch.setattr(fastmarkdown.QuickInline, "_InlineProcessor__handleInline",
                        lambda self, data, i=0: calls.append(data) or stock(self, data, i))
    placed = []
    stock_placing = fastmarkdown.QuickInline._InlineProcessor__processPlaceholders
    monkeypatch.setattr(fastmarkdown.QuickInline, "_InlineProcessor__processPlaceholders",
                        lambda self, data, *more: placed.append(data) or stock_placing(self, data, *more))
    prose.ProseConverter(FIGURES, STRINGS, quick=True).convert("Plain text, and *emphasis*.", EN)
    assert calls and placed
    md = prose._new_markdown(lambda key, language: prose.cite_figure(FIGURES[key], language, STRINGS),
                             lambda url: (url, ""), EN, STRINGS)
    assert len(md.inlinePatterns) == len([n for n in fastmarkdown.INLINE_NEEDS if n in md.inlinePatterns])
    assert all(name in md.parser.blockprocessors for name in fastmarkdown.BLOCK_NEEDS)


def test_html_scan_is_skipped_only_when_it_could_find_nothing(monkeypatch):
    skipped = []
    for text in SAMPLES:
        converter = prose.ProseConverter(FIGURES, STRINGS, quick=True)
        html = converter.convert(text, EN)
        if not converter._instances[EN].treeprocessors["html-scan-needed"].needed:
            skipped.append(text)
            assert prose.strip_unsafe_html(html) == html
    assert SAMPLES[0] in skipped and SAMPLES[-2] not in skipped  # plain prose; raw HTML and attributes
    monkeypatch.setattr(prose._HtmlScanNeeded, "run", lambda self, root: None)  # `needed` stays True
    always = [prose.ProseConverter(FIGURES, STRINGS, quick=True).convert(text, EN) for text in SAMPLES]
    monkeypatch.undo()
    assert [prose.ProseConverter(FIGURES, STRINGS, quick=True).convert(text, EN) for text in SAMPLES] == always
    assert not re.search("<[^>]*onclick", always[-2]) and "<script" not in always[-2]


def test_attributes_without_a_value_are_judged_too():
    """From Python-Markdown 3.11.3 on, attr_list gives `{: name }` the value None (before, the name)."""
    for quick in (True, False):
        converter = prose.ProseConverter(FIGURES, STRINGS, quick=quick)
        assert converter.convert("Valueless\n{: foo }", EN) == "<p foo>Valueless</p>"
        assert converter.convert("Handler\n{: onclick }", EN) == "<p>Handler</p>"


@pytest.mark.skipif(markdown.__version_info__ < (3, 11, 3), reason="featuresite.headings has toc 3.11.3's rules")
def test_heading_ids_are_the_toc_extension_ids():
    text = SAMPLES[7] + "\n\n## Plain\n\n## Plain\n\n## R&amp;D > all\n\n## \n\n## a <b title=\"x>y\">z</b>\n"
    for quick in (True, False):
        html = prose.ProseConverter(FIGURES, STRINGS, quick=quick).convert(text, EN)
        ids = re.findall(r'<h\d id="([^"]*)"', html)
        stock = markdown.Markdown(extensions=["footnotes", "attr_list", toc.TocExtension(
            slugify=toc.slugify_unicode)], output_format="html")
        assert ids == re.findall(r'<h\d id="([^"]*)"', stock.convert(text))
        assert "custom-id" in ids and "plain_1" in ids


def test_one_converter_gives_what_fresh_ones_give():
    """Reusing a Markdown instance (reset between articles) leaks nothing from one article into the next."""
    converter = prose.ProseConverter(FIGURES, STRINGS)
    for text in SAMPLES + SAMPLES[::-1]:
        assert converter.convert(text, EN) == render_markdown(text, FIGURES, EN, STRINGS)


# --- the speed-ups only on a release they are tested on ------------------------------------------

def test_installed_release_gets_the_speed_ups():
    """Not a failure when it does not (stock runs, slower, the same HTML), but worth knowing."""
    if not fastmarkdown.tested():
        pytest.skip(f"Python-Markdown {fastmarkdown.release()} is not in fastmarkdown.TESTED_RELEASES, so "
                    "stock runs: if this file passes on it, add it there")
    assert prose.ProseConverter(FIGURES, STRINGS).quick


def test_an_untested_release_runs_stock_with_the_same_html(monkeypatch):
    """On a release not in TESTED_RELEASES nothing of fastmarkdown is used, and the shipped articles and the
    samples come out as they do with the speed-ups."""
    diags = Diagnostics()
    site = load_site(Options(content_dir=PROJECT / "content"), diags)
    assert site is not None, diags.items
    languages = {language.code: language for language in site.config.languages}
    texts = [("site", a.body, languages[a.lang]) for versions in site.articles.values() for a in versions.values()]
    texts += [("samples", text, lang) for text in SAMPLES + MORE_SAMPLES for lang in (EN, ZH)]

    def convert_all(quick: bool | None) -> list[str]:
        converters = {"site": prose.ProseConverter(site.figures, site.strings, quick),
                      "samples": prose.ProseConverter(FIGURES, STRINGS, quick)}
        return [converters[which].convert(body, lang) for which, body, lang in texts]

    quick = convert_all(True)
    monkeypatch.setattr(fastmarkdown, "release", lambda: "3.99")  # a release the speed-ups never saw
    assert not fastmarkdown.tested()
    converter = prose.ProseConverter(FIGURES, STRINGS)
    assert not converter.quick
    converter.convert("## A *heading*\n\nText {{talent}}.", EN)
    md = converter._instances[EN]
    assert type(md.treeprocessors["inline"]) is markdown.treeprocessors.InlineProcessor
    assert type(md.treeprocessors["attr_list"]) is AttrListTreeprocessor
    assert md.serializer is markdown.serializers.to_html_string and "html-scan-needed" not in md.treeprocessors
    assert not md.treeprocessors["heading-ids"].quick
    assert convert_all(None) == quick
