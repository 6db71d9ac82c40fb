"""Reproducible output: the same content gives the same bytes, search index included, whatever the hash
seed, the time zone, the locale, the folder the content sits in, and the order the file system lists files
in."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT

ENVIRONMENTS = [
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C", "LANG": "C"},
    {"PYTHONHASHSEED": "4242", "TZ": "Asia/Shanghai", "LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"},
    {"PYTHONHASHSEED": "random", "TZ": "America/Los_Angeles", "LC_ALL": "en_US.UTF-8", "LANG": "en_US.UTF-8"},
]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_bytes_under_any_hash_seed_time_zone_and_locale(tmp_path):
    trees = []
    for number, env in enumerate(ENVIRONMENTS):
        out = tmp_path / f"site-{number}"
        proc = subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--content",
                               str(FIXTURES / "bilingual"), "--out", str(out)],
                              env={**os.environ, **env}, capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        trees.append(_tree(out))
    assert len(trees[0]) > 30
    index = [name for name in trees[0] if name.startswith("pagefind/")]  # the search index is compared too
    assert "pagefind/pagefind-entry.json" in index and len(index) > 20
    for other in trees[1:]:
        assert other.keys() == trees[0].keys()
        assert [name for name in trees[0] if other[name] != trees[0][name]] == []


def _copy_in_order(source: Path, target: Path, order: list[Path]) -> None:
    """Copy a folder creating its files in the given order (file systems that list in creation
    order then list them differently)."""
    for path in order:
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


@pytest.fixture
def shuffled_listing(monkeypatch):
    """Make every directory listing come back in a random order."""
    rng = random.Random(7)
    real_scandir, real_iterdir, real_listdir = os.scandir, Path.iterdir, os.listdir

    class Shuffled:
        def __init__(self, path="."):
            entries = list(real_scandir(path))
            rng.shuffle(entries)
            self.entries = iter(entries)

        def __iter__(self):
            return self

        def __next__(self):
            return next(self.entries)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def close(self):
            pass

    def iterdir(self):
        entries = list(real_iterdir(self))
        rng.shuffle(entries)
        return iter(entries)

    def listdir(path="."):
        names = real_listdir(path)
        rng.shuffle(names)
        return names

    monkeypatch.setattr(os, "scandir", Shuffled)
    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(os, "listdir", listdir)


def test_same_bytes_whatever_order_the_files_are_listed_in(tmp_path, shuffled_listing):
    from featuresite.cli import main
    source = FIXTURES / "bilingual"
    files = sorted(p for p in source.rglob("*") if p.is_file())
    _copy_in_order(source, tmp_path / "a" / "content", files)
    _copy_in_order(source, tmp_path / "b" / "elsewhere", list(reversed(files)))
    for name, content in (("a", tmp_path / "a/content"), ("b", tmp_path / "b/elsewhere")):
        assert main(["build", "--content", str(content), "--out", str(tmp_path / f"site-{name}")]) == 0
    tree = _tree(tmp_path / "site-a")
    assert tree == _tree(tmp_path / "site-b")
    assert len([name for name in tree if name.startswith("pagefind/fragment/")]) > 20  # the index too
