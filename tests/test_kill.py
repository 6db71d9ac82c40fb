"""A build killed midway (SIGKILL, Ctrl-C, SIGTERM; while rendering or while writing) leaves the
previous site byte for byte as it was, and the next build cleans up after it.

Signals go to the build's process group, as a terminal's Ctrl-C or a cancelled CI job sends
them: a large site renders in worker processes, and they are part of the build.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT

PAIRS = 200
"""Article pairs in the synthetic corpus: enough that rendering and writing each take a while, and
enough pages that rendering runs in worker processes where there are several cores."""


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(content: Path, out: Path, base_url: str) -> subprocess.Popen:
    """`build.py build` in a process group of its own."""
    return subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--content", str(content),
                             "--out", str(out), "--base-url", base_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


@contextlib.contextmanager
def _reaped(proc: subprocess.Popen):
    """Whatever happens in the block, nothing of the build's process group outlives it."""
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def _staging(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.featuresite-new-")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A synthetic content folder (benchmarks/make_corpus.py)."""
    spec = importlib.util.spec_from_file_location("make_corpus", PROJECT / "benchmarks/make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    content = tmp_path_factory.mktemp("corpus") / "content"
    make_corpus.write_corpus(PAIRS, content)
    return content


@pytest.fixture(scope="module")
def previous(corpus, tmp_path_factory):
    """The corpus built once: the site every test starts from (copied), and how many seconds
    that build took to reach its write phase."""
    out = tmp_path_factory.mktemp("previous") / "site"
    started = time.monotonic()
    with _reaped(_build(corpus, out, "https://example.org/")) as first:
        while not _staging(out) and first.poll() is None:
            time.sleep(0.001)
        to_write = time.monotonic() - started
        assert first.wait(timeout=300) == 0
    return out, to_write


@pytest.mark.parametrize("phase", ["render", "write"])
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["kill", "int", "term"])
def test_killed_build_leaves_the_previous_site_intact(corpus, previous, tmp_path, signum, phase):
    out = tmp_path / "site"
    shutil.copytree(previous[0], out)
    before = _tree(out)

    # Another base URL: every page of the second build differs from the first's.
    with _reaped(_build(corpus, out, "https://example.org/elsewhere/")) as proc:
        _wait_for(phase, proc, out, previous[1])
        os.killpg(proc.pid, signum)
        _, err = proc.communicate(timeout=60)

    assert _tree(out) == before
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        if phase == "write":
            assert _staging(out)  # left behind, recognisable by name, for the next build to remove
    else:
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert err.strip().endswith(f"build.py: interrupted; {out} holds a whole site, never part of one")
        assert not _staging(out)  # an interrupted build cleans up after itself

    if signum == signal.SIGKILL:  # the next build removes the leftovers
        with _reaped(_build(corpus, out, "https://example.org/elsewhere/")) as again:
            assert again.wait(timeout=300) == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == [".featuresite-cache", ".site.lock", "site"]
        assert "https://example.org/elsewhere/" in (out / "sitemap.xml").read_text()


def test_kill_9_of_the_build_process_alone(corpus, previous, tmp_path):
    """`kill -9 PID` reaches the main process only: its site is still safe (the workers only render)."""
    out = tmp_path / "site"
    shutil.copytree(previous[0], out)
    before = _tree(out)
    with _reaped(_build(corpus, out, "https://example.org/elsewhere/")) as proc:
        _wait_for("render", proc, out, previous[1])
        proc.kill()
        proc.wait(timeout=60)
        assert _tree(out) == before
    assert _tree(out) == before


def _wait_for(phase: str, proc: subprocess.Popen, out: Path, to_write: float) -> None:
    """Return once the build is (most likely) rendering, or once it is writing.

    to_write: how long a build of this corpus took to start writing; rendering is
    well under way at 60% of that, past the start-up and before the writing.
    """
    if phase == "render":
        time.sleep(0.6 * to_write)
        return
    deadline = time.monotonic() + 300
    while not _staging(out):
        assert proc.poll() is None, "the build ended before it was seen writing"
        assert time.monotonic() < deadline
        time.sleep(0.001)
