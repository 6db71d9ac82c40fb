"""Hostile or mistaken input in YAML and articles: located errors, never a traceback, a crash or a cascade.

(The invalid fixtures deep-nesting, control-character-article, comma-in-text-pair, cname-not-a-host,
query-in-base-url and reserved-event-id check the same cases' exact messages through `check`.)
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, PROJECT, overlay
from featuresite import yamlsrc
from featuresite.config import load_config
from featuresite.errors import Diagnostics
from featuresite.reserved import template_ids
from featuresite.schema import Context, validate
from featuresite.scalars import Text

TOO_DEEP = ("error: YAML error: lists and mappings nested more than 50 deep: content files need only a few "
            "levels (look for a stray '[', '{' or '-')")


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request, monkeypatch):
    """Run a test with each of the loaders yamlsrc.compose may choose."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsrc, "_FastLoader", None)
    elif yamlsrc._FastLoader is None:
        pytest.skip("PyYAML without libyaml")
    return request.param


def compose(text, offset=0):
    diags = Diagnostics()
    node = yamlsrc.compose(text, Path("x.yaml"), diags, line_offset=offset)
    return node, [d.format() for d in diags.items]


# --- nesting ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [51, 300, 5000, 100_000])
def test_deep_flow_nesting_is_an_error_where_it_goes_too_deep(loader, depth):
    node, errors = compose("x: " + "[" * depth + "1" + "]" * depth + "\n")
    assert node is None
    assert errors == [f"x.yaml:1:53: {TOO_DEEP}"]  # the mapping is level 1: the 50th [ is level 51


@pytest.mark.parametrize("depth", [51, 300, 100_000])
def test_deep_block_nesting_is_an_error_where_it_goes_too_deep(loader, depth):
    _, errors = compose("- " * depth + "x\n")
    assert errors == [f"x.yaml:1:101: {TOO_DEEP}"]


def test_deep_indented_nesting_is_located_in_front_matter_too(loader):
    text = "x:\n" + "\n".join(" " * (2 + 2 * level) + "-" for level in range(300)) + " 1\n"
    assert compose(text)[1] == [f"x.yaml:51:101: {TOO_DEEP}"]
    assert compose(text, offset=1)[1] == [f"x.yaml:52:101: {TOO_DEEP}"]


def test_fifty_levels_are_allowed(loader):
    node, errors = compose("[" * 50 + "1" + "]" * 50)
    assert errors == [] and node is not None


def _nested(rng, depth):
    """A random value nesting exactly `depth` lists and mappings, and its true depth."""
    if depth == 0:
        return rng.choice(["x", 1, "a b"])
    inner = _nested(rng, depth - 1)
    siblings = [rng.choice(["y", 2]) for _ in range(rng.randint(0, 2))]
    if rng.random() < 0.5:
        return siblings + [inner] + siblings
    return {**{f"k{i}": v for i, v in enumerate(siblings)}, "deep": inner}


def test_the_nesting_limit_holds_for_every_style(loader):
    """libyaml is skipped, or its tree walked, by bounds read off the text: whatever the style (block, flow,
    mixed), the limit is exactly MAX_DEPTH."""
    import random
    rng = random.Random(50)
    for trial in range(100):
        depth = rng.randint(45, 56)
        text = yaml.safe_dump(_nested(rng, depth), default_flow_style=rng.choice([False, True, None]),
                              indent=rng.choice([2, 4]), width=rng.choice([80, 10**6]))
        node, errors = compose(text)
        assert (node is None) == (depth > 50), (trial, depth, text[:200])
        assert all(TOO_DEEP in e for e in errors)


def test_an_alias_to_its_own_ancestor_does_not_loop(loader):
    node, errors = compose("a: &a [*a, 1]\n")
    assert errors == [] and node.value[0][1].value[0] is node.value[0][1]


def test_deep_nesting_in_a_real_process_exits_1_without_traceback(tmp_path):
    """libyaml composes in C recursion: 100,000 levels would crash the process (SIGSEGV) if it got them."""
    site = overlay(FIXTURES / "invalid" / "deep-nesting", tmp_path / "site")
    depth = 100_000
    (site / "data" / "sources.yaml").write_text(
        "sources:\n  - id: example-note\n    title: {zh: 示例说明, en: Example note}\n"
        f"    byline: {{zh: 测试编辑, en: {'[' * depth}x{']' * depth}}}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(PROJECT / "build.py"), "check", "--content", "."],
                          cwd=site, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[0] == f"data/sources.yaml:4:74: {TOO_DEEP}"
    assert "Traceback" not in proc.stderr


# --- control characters --------------------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"])
def test_a_control_character_in_an_article_is_an_error_at_its_place(char, tmp_path, run_cli):
    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    article = site / "articles" / "hello.en.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text + f"\nA second\tparagraph{char}.\n", encoding="utf-8")
    line = text.count("\n") + 2
    result = run_cli(["check", "--content", "."], cwd=site)
    assert result.code == 1
    assert [m for m in result.messages if ": error: " in m] == [
        f"articles/hello.en.md:{line}:19: error: control character U+{ord(char):04X} is not allowed in an "
        "article: delete it (it often comes with text pasted from another program)"]


def test_tabs_and_line_ends_are_not_control_characters(tmp_path, run_cli):
    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    article = site / "articles" / "hello.en.md"
    article.write_bytes(article.read_bytes().replace(b"\n", b"\r\n") + b"\tindented\r\nlast\rline\n")
    assert run_cli(["check", "--content", "."], cwd=site).code == 0


@pytest.mark.parametrize("escape", ["\\0", "\\x07", "\\e", "\\N"])
def test_a_control_character_written_as_an_escape_is_an_error_at_the_text(loader, escape):
    node, errors = compose(f'{{zh: 甲, en: "a{escape}b"}}\n')
    diags = Diagnostics()
    validate(node, Text(), Context(Path("x.yaml"), diags, ("zh", "en")))
    code = {"\\0": 0, "\\x07": 7, "\\e": 0x1B, "\\N": 0x85}[escape]
    assert [d.format() for d in diags.items] == [
        f"x.yaml:1:13: error: control character U+{code:04X} in text (an escape such as \\0 or \\x07 in "
        "double quotes): delete it"]


# --- commas in text pairs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("{zh: 甲, en: Hello, world}", "x.yaml:1:20: error: unknown language 'world' (allowed: zh, en) (a comma in "
     "text inside {...} ends the text: put text that holds a comma in quotes, e.g. en: \"Hello, world\")"),
    ("{zh: 甲, 乙, en: x}", "x.yaml:1:9: error: a language must be a plain word (letters, digits, _ . -) (a "
     "comma in text inside {...} ends the text: put text that holds a comma in quotes, e.g. zh: \"甲, 乙\")"),
    ("{zh: 甲, fr: x, en: y}", "x.yaml:1:9: error: unknown language 'fr' (allowed: zh, en)"),  # no comma
])
def test_a_comma_in_a_text_pair_gets_the_hint_to_quote(loader, text, expected):
    node, _ = compose(text)
    diags = Diagnostics()
    validate(node, Text(), Context(Path("x.yaml"), diags, ("zh", "en")))
    assert [d.format() for d in diags.items] == [expected]


def test_a_comma_and_colon_in_a_text_pair_is_a_syntax_error_with_the_hint(loader):
    assert compose("t: {zh: 甲, en: Note: one, two}\n")[1] == [
        "x.yaml:1:20: error: YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping) "
        "(inside {...} and [...], a comma, colon, bracket or # ends the text: put text that holds one in "
        "quotes, e.g. en: \"Hello, world\")"]


def test_an_unclosed_pair_gets_no_comma_hint(loader):
    errors = compose("t: {zh: 甲, en: x\nu: 1\n")[1]
    assert len(errors) == 1 and "comma" not in errors[0]


# --- one bad date, one error ---------------------------------------------------------------------------------

def _errors_and_warnings(result):
    return ([m for m in result.messages if ": error: " in m], [m for m in result.messages if ": warning: " in m])


UNUSED = ("nothing links to", "is not used")


def test_one_bad_event_date_is_one_error_and_no_cascade(tmp_path, run_cli):
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "bilingual", site)
    timeline = site / "data" / "timeline.yaml"
    timeline.write_text(timeline.read_text(encoding="utf-8").replace("date: 2019\n", "date: 2024-13-45\n", 1),
                        encoding="utf-8")
    errors, warnings = _errors_and_warnings(run_cli(["check", "--content", "."], cwd=site))
    assert errors == ["data/timeline.yaml:10:11: error: impossible date '2024-13-45': no such day in the calendar"]
    assert [w for w in warnings if any(u in w for u in UNUSED)] == []


def test_an_article_that_fails_to_parse_makes_no_figure_unused(tmp_path, run_cli):
    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    (site / "data" / "figures.yaml").write_text(
        "figures:\n  - key: staff\n    value: 12\n    label: {zh: 员工, en: Staff}\n    source: example-note\n",
        encoding="utf-8")
    for lang in ("en", "zh"):
        article = site / "articles" / f"hello.{lang}.md"
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("date: 2025-01-01", "date: [2025-01-01") + "{{staff}}\n",
                           encoding="utf-8")
    result = run_cli(["check", "--content", "."], cwd=site)
    errors, warnings = _errors_and_warnings(result)
    assert len(errors) == 2 and all(": YAML syntax error: " in e for e in errors)
    assert [w for w in warnings if any(u in w for u in UNUSED)] == []
    # The same figure, uncited by content that parsed, is still reported.
    for lang in ("en", "zh"):
        article = site / "articles" / f"hello.{lang}.md"
        article.write_text(article.read_text(encoding="utf-8").replace("date: [2025-01-01", "date: 2025-01-01")
                           .replace("{{staff}}\n", ""), encoding="utf-8")
    _, warnings = _errors_and_warnings(run_cli(["check", "--content", "."], cwd=site))
    assert any("figure 'staff' is not used" in w for w in warnings)


# --- base URL and custom domain ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://x.example/sub/?x=1", "https://x.example/sub/#top", "https://x.example?"])
def test_a_base_url_with_query_or_fragment_is_a_usage_error(url, tmp_path, run_cli):
    result = run_cli(["build", "--content", FIXTURES / "minimal", "--base-url", url, "--out", tmp_path / "out"])
    assert result.code == 2
    assert (f"--base-url {url!r} has a query (?...) or fragment (#...): a base URL is a folder, such as "
            "https://example.org/feature/") in result.err
    assert not (tmp_path / "out").exists()


def _site_yaml(tmp_path, **changes):
    text = (FIXTURES / "minimal" / "site.yaml").read_text(encoding="utf-8")
    for key, value in changes.items():
        text = text.replace("base_url: https://example.org/\n", "") if key == "base_url" else text
        text += f"{key}: {value}\n"
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    config = load_config(tmp_path, diags)
    return config, [d.format().replace(f"{tmp_path}/", "") for d in diags.items]


def test_a_base_url_with_a_path_is_fine(tmp_path):
    config, errors = _site_yaml(tmp_path, base_url="https://x.example/sub")
    assert errors == [] and config.base_url == "https://x.example/sub/" and config.base_path == "/sub/"


@pytest.mark.parametrize("cname", ['"news.example.org/feature"', "https://news.example.org", "news.example.org:8080",
                                   "localhost", '"news example.org"', "-news.example.org", "news.example.org.",
                                   "127.0.0.1", '"news.example.org\\n"', "../../etc/passwd"])
def test_cname_must_be_a_host_name(cname, tmp_path):
    config, errors = _site_yaml(tmp_path, cname=cname)
    assert config is None
    value = yaml.safe_load(f"v: {cname}")["v"]
    assert errors == [f"site.yaml:18:8: error: invalid host name {value!r}: write the domain alone, such as "
                      "news.example.org (letters, digits, hyphens and dots; no https://, path, port or spaces)"]


@pytest.mark.parametrize("cname", ["news.example.org", "xn--fiqs8s.example", "A.B-C.example"])
def test_a_host_name_is_written_to_cname(cname, tmp_path):
    config, errors = _site_yaml(tmp_path, cname=cname)
    assert errors == [] and config.cname == cname


# --- ids the templates use -----------------------------------------------------------------------------------

def test_reserved_ids_come_from_the_templates(tmp_path):
    (tmp_path / "a.html").write_text('<main id="main">\n<h2 id="year-{{ y }}" data-id="data" '
                                     'aria-labelledby="label">\n<li id="{{ event.id }}">'
                                     "<p id='single'>\n", encoding="utf-8")
    found = {(t.written, t.line): t for t in template_ids(tmp_path)}
    assert set(found) == {("main", 1), ("year-{{ y }}", 2), ("single", 3)}
    assert found["main", 1].takes("main") and not found["main", 1].takes("main-street")
    assert found["year-{{ y }}", 2].takes("year-2025") and not found["year-{{ y }}", 2].takes("year-")
    assert {t.written for t in template_ids(PROJECT / "templates")} >= {"main", "year-{{ year_group.grouper }}"}


def test_an_event_id_a_changed_template_uses_is_an_error(tmp_path):
    from featuresite import pipeline
    from featuresite.errors import ContentErrors

    site = overlay(FIXTURES / "minimal", tmp_path / "site")
    (site / "data" / "timeline.yaml").write_text(
        "categories:\n  - id: news\n    name: {zh: 新闻, en: News}\nevents:\n"
        "  - id: opening-day\n    date: 2025-01-01\n    category: news\n    title: {zh: 开幕, en: Opening}\n"
        "    source: example-note\n", encoding="utf-8")
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    options = pipeline.Options(content_dir=site, templates_dir=templates)
    pipeline.check(options, Diagnostics())  # no error with the shipped templates
    base = templates / "base.html"
    lines = base.read_text(encoding="utf-8").splitlines()
    lines.insert(2, '<p id="opening-day"></p>')
    base.write_text("\n".join(lines) + "\n", encoding="utf-8")
    diags = Diagnostics()
    with pytest.raises(ContentErrors):
        pipeline.check(options, diags)
    assert [d.format() for d in diags.errors] == [
        f"{site / 'data' / 'timeline.yaml'}:5:5: error: event id 'opening-day' is also an id the templates give "
        "an element (id=\"opening-day\" in template base.html, line 3): a link to #opening-day could not tell "
        "them apart; choose another id"]
