"""Editors' tools: check's warnings, status and new: their output and exit codes."""
import datetime
import shutil

import pytest

from conftest import FIXTURES, overlay

WARNINGS = sorted(p for p in (FIXTURES / "warnings").iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", WARNINGS, ids=[p.name for p in WARNINGS])
def test_check_warns_and_strict_fails(fixture, tmp_path, run_cli):
    site = overlay(fixture, tmp_path / "site-src")
    expected = (fixture / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = run_cli(["check", "--content", "."], cwd=site)
    assert result.code == 0, result.err
    assert result.messages == expected
    strict = run_cli(["check", "--content", ".", "--strict"], cwd=site)
    assert strict.code == 1
    assert strict.messages == [line.replace(": warning: ", ": error: ") for line in expected]


def test_minimal_fixture_has_no_warnings(run_cli):
    assert run_cli(["check", "--content", FIXTURES / "minimal"]).messages == []


def test_status_table(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "c")
    stale = tmp_path / "c/articles/ranking-climb.zh.md"
    stale.write_text(stale.read_text(encoding="utf-8").replace("date: 2024-11-21", "date: 2024-11-21\nupdated: 2025-01-05"),
                     encoding="utf-8")
    result = run_cli(["status", "--content", tmp_path / "c"])
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "article        zh          en          state",
        "harbour-opens  2024-06-10  2024-06-10  up to date",
        "ranking-climb  2025-01-05  2024-11-21  en older than zh",
        "zh-only-note   2025-02-05  -           missing en",
        "3 article(s), 2 need translation work",
    ]


def test_status_exit_codes(tmp_path, run_cli):
    assert run_cli(["status", "--content", tmp_path / "nowhere"]).code == 2
    broken = overlay(FIXTURES / "invalid" / "unknown-figure", tmp_path / "b")
    result = run_cli(["status", "--content", "."], cwd=broken)
    assert result.code == 1
    assert "articles/hello.en.md:9:1: error: unknown figure 'staff-count'" in result.err


def test_new_article_creates_every_language_and_checks(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "minimal", tmp_path / "c")
    result = run_cli(["new", "article", "fresh-story", "--content", "c"], cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines() == ["created c/articles/fresh-story.zh.md", "created c/articles/fresh-story.en.md"]
    text = (tmp_path / "c/articles/fresh-story.en.md").read_text()
    assert f"date: {datetime.date.today().isoformat()}" in text and "sources: [example-note]" in text
    check = run_cli(["check", "--content", "c"])
    assert check.code == 0  # the scaffold is valid content ...
    assert "c/articles/fresh-story.en.md:1:1: warning: placeholder text 'TODO' left in this article" in check.messages


def test_new_article_completes_a_translation_and_never_overwrites(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "c")
    original = (tmp_path / "c/articles/zh-only-note.zh.md").read_bytes()
    result = run_cli(["new", "article", "zh-only-note", "--content", "c"], cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines() == ["exists, left as it is: c/articles/zh-only-note.zh.md",
                                       "created c/articles/zh-only-note.en.md"]
    assert (tmp_path / "c/articles/zh-only-note.zh.md").read_bytes() == original
    # The translation shares the original's date and sources, so the pair is valid at once.
    assert "date: 2025-02-05" in (tmp_path / "c/articles/zh-only-note.en.md").read_text()
    assert run_cli(["check", "--content", "c"]).code == 0
    again = run_cli(["new", "article", "zh-only-note", "--content", "c"])
    assert again.code == 2 and "already exists in every language" in again.err


@pytest.mark.parametrize("kind,slug,sheet,line", [("platform", "new-lab", "platforms", 63),
                                                  ("event", "big-day", "timeline", 62)])
def test_new_platform_and_event_are_added_to_their_sheet(kind, slug, sheet, line, tmp_path, run_cli):
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "c")
    before = (tmp_path / f"c/data/{sheet}.yaml").read_text()
    result = run_cli(["new", kind, slug, "--content", "c"], cwd=tmp_path)
    assert result.code == 0
    assert result.out == f"added {kind} '{slug}' to c/data/{sheet}.yaml:{line}; fill in the TODO fields\n"
    after = (tmp_path / f"c/data/{sheet}.yaml").read_text()
    assert after.splitlines()[:line - 1] == before.splitlines()[:line - 1]  # nothing before it changed
    assert len(after.splitlines()) > len(before.splitlines())
    check = run_cli(["check", "--content", "c"])
    assert check.code == 0, check.err
    assert any(f"c/data/{sheet}.yaml:{line}:5: warning: placeholder text 'TODO' left in {kind} '{slug}'" == m
               for m in check.messages)
    duplicate = run_cli(["new", kind, slug, "--content", "c"])
    assert duplicate.code == 2 and "already exists" in duplicate.err


def test_new_rejects_bad_ids(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "minimal", tmp_path / "c")
    for bad in ("Upper", "a_b", "../x"):
        assert run_cli(["new", "article", bad, "--content", tmp_path / "c"]).code == 2
    assert not any((tmp_path / "c/articles").glob("*_*"))
    assert run_cli(["new", "platform", "x", "--content", tmp_path / "c"]).code == 2  # no platforms.yaml


def test_new_article_beside_a_broken_translation_is_a_located_error(tmp_path, run_cli):
    shutil.copytree(FIXTURES / "bilingual", tmp_path / "c")
    broken = tmp_path / "c/articles/zh-only-note.zh.md"
    broken.write_text("---\ntitle: " + "[" * 2000 + "\n---\nText.\n", encoding="utf-8")
    result = run_cli(["new", "article", "zh-only-note", "--content", "c"], cwd=tmp_path)
    assert result.code == 1 and "Traceback" not in result.err and "internal error" not in result.err
    assert any(m.startswith("c/articles/zh-only-note.zh.md:1:1: error: cannot read this translation's front "
                            "matter") for m in result.messages), result.err
    assert not (tmp_path / "c/articles/zh-only-note.en.md").exists()
