"""The shipped site is the same, byte for byte, on the oldest and the newest Python-Markdown pyproject.toml allows.

Each release is installed on its own (`pip install --target`, into the pytest
cache: once per release) and put first on PYTHONPATH for a `python build.py
build` subprocess; every file it writes is compared with a build by the
installed release. The oldest is the floor of pyproject.toml's range, the
newest is what pip resolves for the range now. Without the package registry
this is skipped locally and fails in CI.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import PROJECT

BASE_URL = "https://example.org/feature/"


def _requirement() -> str:
    """pyproject.toml's requirement on Python-Markdown, e.g. 'markdown>=3.5'."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [dep for dep in project["dependencies"] if re.match(r"markdown\s*(?:[<>=!~;\[]|$)", dep, re.I)]
    assert len(found) == 1, project["dependencies"]
    return found[0]


def _same_version(a: str, b: str) -> bool:
    """'3.5' and '3.5.0' are one release."""
    def key(version: str) -> list[str]:
        parts = version.split(".")
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        return parts
    return key(a) == key(b)


def _no_registry(reason: str):
    """Skip on a machine without the package registry, but fail in CI, which has it."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must reach the package registry: {reason}")
    pytest.skip(f"the package registry is out of reach: {reason}")


def _pip(*args: str) -> str:
    """`python -m pip ARGS`'s standard output (skip or fail as _no_registry when it fails)."""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        _no_registry(f"pip {args[0]} took over 300 s")
    if done.returncode != 0:
        _no_registry(f"pip {' '.join(args)}: {done.stderr.strip()[-800:]}")
    return done.stdout


def _newest(requirement: str) -> str:
    """The release pip picks for the requirement now (without installing anything)."""
    report = json.loads(_pip("install", "--dry-run", "--no-deps", "--ignore-installed", "--quiet",
                             "--report", "-", requirement))
    return report["install"][0]["metadata"]["version"]


def _installed(version: str, root: Path) -> Path:
    """A folder holding exactly this Python-Markdown release, installed on the first call."""
    target = root / version
    if (target / "markdown" / "__init__.py").is_file():
        return target
    partial = root / f"{version}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    _pip("install", "--no-deps", "--quiet", "--target", str(partial), f"markdown=={version}")
    try:
        partial.rename(target)  # whole or not at all: an interrupted install leaves only a .partial folder
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _build(out: Path, pythonpath: Path | None = None) -> str:
    """Build content/ into out (with pythonpath first on the path); returns 'version path tested' of the
    Python-Markdown the build imports."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    # The same interpreter, folder and path as the build: what this imports, the build imports.
    probe = subprocess.run(
        [sys.executable, "-c", "import markdown; from featuresite import fastmarkdown; "
         "print(markdown.__version__, markdown.__file__, fastmarkdown.tested())"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    build = subprocess.run(
        [sys.executable, "build.py", "build", "--no-cache", "--content", "content", "--out", str(out),
         "--base-url", BASE_URL], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    return probe.stdout.strip()


def _files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def releases(request, tmp_path_factory) -> Path:
    """Where releases are installed: the pytest cache (kept between runs), else a temporary folder."""
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("markdown-releases") if cache is not None else tmp_path_factory.mktemp("markdown-releases")


@pytest.fixture(scope="module")
def installed_build(tmp_path_factory) -> dict[str, bytes]:
    """content/ built by the installed Python-Markdown."""
    out = tmp_path_factory.mktemp("installed-markdown") / "site"
    _build(out)
    return _files(out)


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_shipped_site_is_byte_identical_on_the_allowed_releases(which, releases, request, tmp_path):
    requirement = _requirement()
    if which == "oldest":
        floor = re.search(r">=\s*([0-9][0-9.]*)", requirement)
        assert floor, f"{requirement!r} names no oldest release"
        version = floor.group(1)
    else:
        version = _newest(requirement)
    target = _installed(version, releases)
    used = _build(tmp_path / "site", target)
    imported, path, _ = used.split(" ")
    assert _same_version(imported, version) and Path(path).is_relative_to(target), used
    built = _files(tmp_path / "site")
    installed_build = request.getfixturevalue("installed_build")  # only once pip has not skipped the test
    assert sorted(built) == sorted(installed_build)
    different = [name for name in sorted(built) if built[name] != installed_build[name]]
    assert not different, f"Python-Markdown {used} writes {len(different)} files differently: {different[:10]}"
