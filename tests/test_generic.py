"""The generator is general: a second, unrelated feature (tests/fixtures/tidewater, with no strings.yaml of
its own) builds with the same code, shows every page kind and every UI string the templates use, and
nothing of the shipped feature (content/) reaches its pages, the templates' own strings or the static files.

The shipped feature's names and phrases are read from content/ (its own UI strings, its title and
description, its platforms and its ranking), plus a few fixed core names, so the list cannot drift."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, PROJECT

TIDEWATER = FIXTURES / "tidewater"
SHIPPED = PROJECT / "content"
TEMPLATES = PROJECT / "templates"
PLACEHOLDER = re.compile(r"\{\w+\}|%d")
# Names of the shipped feature that are worth checking even if content/ stopped spelling them out.
CORE = ("中原科技城", "Zhongyuan", "Zhengzhou", "郑州", "河南", "Henan", "嵩山", "Songshan", "创新平台",
        "科技城", "Science and Technology City", "Science City", "赛迪", "CCID")
# A UI string shown only for an article missing its translation, which is a warning; test_build covers it.
SHOWN_ONLY_WITH_A_WARNING = {"untranslated_notice"}


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _values(pair: dict) -> list[str]:
    return [value for value in pair.values() if isinstance(value, str)]


def _fragments(value: str) -> list[str]:
    """The literal parts of a UI string between its placeholders ('第{rank}位' -> ['第', '位'])."""
    return [part for part in (_normal(p) for p in PLACEHOLDER.split(value)) if part.strip()]


def _normal(text: str) -> str:
    """Entities decoded and every run of white space one space: a phrase wrapped in the source still matches."""
    return re.sub(r"\s+", " ", html.unescape(text))


def shipped_phrases() -> list[str]:
    """What names or describes the shipped feature: CORE, the values of content/strings.yaml that differ
    from templates/strings.yaml (their literal parts), site.yaml's title and description, and the names
    of its platforms and its ranking (title, subject, publisher)."""
    phrases = set(CORE)
    generic = _yaml(TEMPLATES / "strings.yaml")
    for key, pair in (_yaml(SHIPPED / "strings.yaml") or {}).items():
        for lang, value in pair.items():
            if value != generic.get(key, {}).get(lang):
                phrases.update(part.strip() for part in _fragments(value) if len(part.strip()) > 1)
    site = _yaml(SHIPPED / "site.yaml")
    phrases.update(_values(site["title"]) + _values(site["description"]))
    platforms = _yaml(SHIPPED / "data/platforms.yaml")
    for platform in platforms["platforms"]:
        phrases.update(_values(platform["name"]))
    ranking = _yaml(SHIPPED / "data/ranking.yaml")
    for key in ("title", "subject", "publisher"):
        phrases.update(_values(ranking[key]))
    return sorted(phrases)


def _found(text: str, phrases: list[str]) -> list[str]:
    folded = _normal(text).casefold()
    return [phrase for phrase in phrases if _normal(phrase).casefold() in folded]


def _text(path: Path) -> str:
    """A file's text; JSON with its \\u escapes decoded, so escaped Chinese is seen too."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".json", ".webmanifest"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.fixture(scope="module")
def tidewater(tmp_path_factory):
    """The Tidewater fixture built strictly with the CLI: (exit status, stderr, output folder)."""
    import contextlib
    import io

    from featuresite.cli import main
    out = tmp_path_factory.mktemp("tidewater") / "site"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["build", "--strict", "--content", str(TIDEWATER), "--out", str(out)])
    return code, err.getvalue(), out


def test_the_phrase_list_is_read_from_the_shipped_content():
    phrases = shipped_phrases()
    assert "Innovation platforms" in phrases and "嵩山实验室" in phrases and "Songshan Laboratory" in phrases
    assert "Platforms" not in phrases  # content/strings.yaml repeats the generic English word; not a phrase


def test_tidewater_has_no_strings_of_its_own():
    assert not (TIDEWATER / "strings.yaml").exists()


def test_tidewater_builds_strictly_without_a_warning(tidewater):
    code, err, _ = tidewater
    assert code == 0, err
    assert [line for line in err.splitlines() if ": warning: " in line or ": error: " in line] == []


def test_tidewater_has_every_page_kind():
    from featuresite.errors import Diagnostics
    from featuresite.pages import PAGE_KINDS
    from featuresite.pipeline import Options, load_site
    diags = Diagnostics()
    site = load_site(Options(content_dir=TIDEWATER), diags)
    assert site is not None and not diags.errors and not diags.warnings
    assert {page.kind for page in site.pages} == set(PAGE_KINDS)


def test_no_output_file_of_tidewater_names_the_shipped_feature(tidewater):
    code, err, out = tidewater
    assert code == 0, err
    phrases = shipped_phrases()
    # The search index's binary files (gzipped records and words, WebAssembly) are read by test_search.py
    # (test_the_second_features_index_holds_nothing_of_the_shipped_one).
    files = sorted(p for p in out.rglob("*") if p.is_file()
                   and not (p.relative_to(out).parts[0] == "pagefind" and p.suffix not in (".js", ".json")))
    assert len(files) > 30
    leaks = [f"{path.relative_to(out)}: {phrase}" for path in files for phrase in _found(_text(path), phrases)]
    assert leaks == []


def test_templates_and_static_files_do_not_name_the_shipped_feature():
    phrases = shipped_phrases()
    paths = sorted(p for folder in (TEMPLATES, PROJECT / "static") for p in folder.rglob("*")
                   if p.is_file() and p.suffix in (".html", ".xml", ".txt", ".yaml", ".css", ".svg", ".js"))
    assert TEMPLATES / "strings.yaml" in paths
    leaks = [f"{path.relative_to(PROJECT)}: {phrase}" for path in paths
             for phrase in _found(path.read_text(encoding="utf-8"), phrases)]
    assert leaks == []


def test_no_python_module_names_the_shipped_feature():
    phrases = shipped_phrases()
    leaks = [f"{path.relative_to(PROJECT)}: {phrase}" for path in sorted((PROJECT / "featuresite").rglob("*.py"))
             for phrase in _found(path.read_text(encoding="utf-8"), phrases)]
    assert leaks == []


def _used_keys(strings: dict) -> set[str]:
    """The UI strings the templates and the generator ask for: by name (t('tags'), strings["figure_unit"])
    or by a prefix and a name (t('nav_' ~ name), strings[f"figure_{approx}"])."""
    templates = "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.iterdir())
                          if p.is_file() and p.name != "strings.yaml")
    python = "\n".join(p.read_text(encoding="utf-8") for p in sorted((PROJECT / "featuresite").rglob("*.py")))
    named = set(re.findall(r"""\bt\(\s*['"](\w+)['"]""", templates)
                + re.findall(r"""strings\[['"](\w+)['"]\]""", python))
    prefixes = tuple(re.findall(r"""\bt\(\s*['"](\w+_)['"] ~""", templates)
                     + re.findall(r"""strings\[f['"](\w+_)\{""", python))
    assert named and prefixes
    return {key for key in strings if key in named or key.startswith(prefixes)}


def test_tidewater_shows_every_ui_string_in_its_generic_wording(tidewater):
    code, err, out = tidewater
    assert code == 0, err
    strings = _yaml(TEMPLATES / "strings.yaml")
    used = _used_keys(strings) - SHOWN_ONLY_WITH_A_WARNING
    assert {"nav_platforms", "platforms_title", "footer_note", "figure_over", "rank_of"} <= used
    shared = "".join(_normal(_text(p)) for p in sorted(out.iterdir()) if p.is_file())  # landing, 404
    missing = []
    for lang in ("zh", "en"):
        pages = shared + "".join(_normal(_text(p)) for p in sorted((out / lang).rglob("*")) if p.is_file())
        missing += [f"{key} ({lang}): {part!r}" for key in sorted(used)
                    for part in _fragments(strings[key][lang]) if part not in pages]
    assert missing == []
