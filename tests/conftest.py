"""Shared helpers: fixture sites copied into tmp_path and the CLI run in-process."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from featuresite.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).parent.parent


@dataclass
class Result:
    """What one CLI run gave."""

    code: int
    out: str
    err: str

    @property
    def messages(self) -> list[str]:
        """The path:line:col lines of stderr."""
        return [line for line in self.err.splitlines() if ": error: " in line or ": warning: " in line]


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `python build.py ARGS` in-process from a given folder."""
    def run(args: list[str], cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run


@pytest.fixture
def copy_fixture(tmp_path):
    """Copy a fixture site into tmp_path/content and return that folder."""
    def copy(name: str) -> Path:
        target = tmp_path / "content"
        shutil.copytree(FIXTURES / name, target)
        return target
    return copy


def overlay(fixture: Path, target: Path) -> Path:
    """The minimal site with the fixture's files (all but expected.txt) laid over it, at target."""
    shutil.copytree(FIXTURES / "minimal", target)
    for path in sorted(fixture.rglob("*")):
        if path.is_file() and path.name != "expected.txt":
            dest = target / path.relative_to(fixture)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    return target


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium for a test module (skipped without it, except in CI)."""
    from browser import chromium
    with chromium() as launched:
        yield launched
