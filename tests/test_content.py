"""The shipped feature (content/): complete, sourced, written afresh, and equal in both languages."""
import re
from pathlib import Path

import pytest

from conftest import PROJECT
from pagetext import text_pieces

SOURCES = PROJECT.parent / "shared" / "sources"
ALLOW_LIST = Path(__file__).parent / "copy_allowlist.txt"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
RUN = 20


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """content/ built strictly into a temporary folder."""
    from featuresite.cli import main
    out = tmp_path_factory.mktemp("shipped") / "site"
    assert main(["build", "--strict", "--content", str(PROJECT / "content"), "--out", str(out)]) == 0
    return out


def _allowed() -> list[str]:
    lines = ALLOW_LIST.read_text(encoding="utf-8").splitlines()
    return sorted((line.strip() for line in lines if line.strip() and not line.startswith("#")), key=len,
                  reverse=True)


def test_no_run_of_20_chinese_characters_is_copied_from_the_sources(shipped):
    """Han characters only are compared: punctuation, digits and spaces are dropped on both sides first,
    so re-punctuating a copied sentence does not hide it."""
    if not SOURCES.is_dir():
        pytest.skip("../shared/sources is absent")
    source = "".join(NOT_HAN.sub("", p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.txt")))
    grams = {source[i:i + RUN] for i in range(len(source) - RUN + 1)}
    allowed = _allowed()
    copied = []
    for page in sorted(shipped.rglob("*.html")):
        for _, text in text_pieces(page.read_text(encoding="utf-8")):
            segments = [text]
            for name in allowed:  # an allowed name or title is taken out and breaks the run
                segments = [part for segment in segments for part in segment.split(name)]
            for segment in segments:
                run = NOT_HAN.sub("", segment)
                copied += [f"{page.relative_to(shipped)}: {run[i:i + RUN]}"
                           for i in range(len(run) - RUN + 1) if run[i:i + RUN] in grams]
    assert copied == []


def test_the_allow_list_holds_only_names_and_titles():
    for entry in _allowed():
        assert len(entry) <= 60 and not re.search(r"[，。；！？]", entry), entry


def test_english_pages_show_chinese_only_inside_lang_zh_elements(shipped):
    leaks = []
    for page in sorted((shipped / "en").rglob("*.html")):
        for lang, text in text_pieces(page.read_text(encoding="utf-8")):
            if not lang.startswith("zh") and HAN.search(text):
                leaks.append(f"{page.relative_to(shipped)}: {text.strip()[:60]!r}")
    assert leaks == []


def test_every_page_exists_in_both_languages(shipped):
    zh = {p.relative_to(shipped / "zh") for p in (shipped / "zh").rglob("*") if p.is_file()}
    en = {p.relative_to(shipped / "en") for p in (shipped / "en").rglob("*") if p.is_file()}
    assert zh == en and len(zh) > 20


def test_glossary_names_are_used_consistently(shipped):
    """Where a Chinese page names a glossary term, its English twin uses the glossary's English form."""
    import yaml
    terms = yaml.safe_load((PROJECT / "content/data/glossary.yaml").read_text(encoding="utf-8"))["terms"]
    missing = []
    for zh_page in sorted((shipped / "zh").rglob("*.html")):
        en_page = shipped / "en" / zh_page.relative_to(shipped / "zh")
        zh_text = " ".join(t for _, t in text_pieces(zh_page.read_text(encoding="utf-8")))
        en_text = " ".join(t for _, t in text_pieces(en_page.read_text(encoding="utf-8")))
        if "glossary" in zh_page.parts:
            continue
        for term in terms:
            name = term["name"]
            if name["zh"] in zh_text and name["en"] not in en_text:
                missing.append(f"{en_page.relative_to(shipped)}: {name['en']!r}")
    assert missing == []
