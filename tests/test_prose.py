"""Article Markdown: figure citations, CJK line joining, tables, footnotes, heading ids."""
from featuresite.errors import Loc
from featuresite.model import Figure
from featuresite.prose import render_markdown
from languages import EN, STRINGS, ZH

FIGURES = {"talent": Figure("talent", 281000, {"zh": "人", "en": "people"}, {"zh": "人才", "en": "Talent"},
                            None, None, "exact", True, "s", Loc("f", 1, 1))}


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
