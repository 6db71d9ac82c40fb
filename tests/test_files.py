"""The one walker of input files (featuresite/files.py): one rule for what is not content, used everywhere."""
from __future__ import annotations

import shutil

from conftest import FIXTURES

from featuresite.files import files_below, ignored

NOT_CONTENT = ["hello.en.md~", ".hello.en.md.swp", "#hello.en.md#", ".DS_Store"]
"""Editor backups, swap and autosave files, and a file manager's litter."""


def test_the_rule():
    assert all(ignored(name) for name in NOT_CONTENT + [".git"])
    assert not any(ignored(name) for name in ("hello.en.md", "figures.yaml", "share.png", "a~b.md", "#1.md"))


def test_files_below_skips_what_is_not_content_and_keeps_order(tmp_path):
    for rel in ["b/2.txt", "a.txt", "b/1.txt", ".git/config", "c~", "b/.hidden/x.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert [entry.path for entry in files_below(tmp_path)] == [
        str(tmp_path / "a.txt"), str(tmp_path / "b" / "1.txt"), str(tmp_path / "b" / "2.txt")]


def test_editor_files_are_neither_errors_nor_published_nor_changes(tmp_path, run_cli):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "minimal", content)
    site = tmp_path / "site"
    assert run_cli(["build", "--content", content, "--out", site]).code == 0
    for name in NOT_CONTENT:
        for folder in ("articles", "data", "media"):
            (content / folder).mkdir(exist_ok=True)
            (content / folder / name).write_text("not: [content")
    (content / ".git").mkdir()
    (content / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    result = run_cli(["build", "--content", content, "--out", site])
    assert result.code == 0 and result.messages == [], result.err
    assert "is up to date" in result.out  # what the build does not read does not make it build again
    assert not any(name in {p.name for p in site.rglob("*")} for name in NOT_CONTENT)
    assert run_cli(["check", "--content", content]).code == 0
