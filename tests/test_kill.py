"""A build killed midway (SIGKILL, Ctrl-C, SIGTERM; while rendering or while writing) leaves the
previous site byte for byte as it was, and the next build cleans up after it.

Signals go to the build's process group, as a terminal's Ctrl-C or a cancelled CI job sends
them: a large site renders in worker processes, and they are part of the build.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import random
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


def _build(content: Path, out: Path, base_url: str | None) -> subprocess.Popen:
    """`build.py build` in a process group of its own (base_url None: site.yaml's)."""
    return subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "build", "--content", str(content),
                             "--out", str(out)] + (["--base-url", base_url] if base_url else []),
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
    times = []
    # Built twice, the second time timed: a first build in a fresh process pays for cold file caches, and
    # a time taken from it let a kill meant for rendering land after a warm build had finished.
    for _ in range(2):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out.parent / ".featuresite-cache", ignore_errors=True)
        started = time.monotonic()
        with _reaped(_build(corpus, out, "https://example.org/")) as first:
            while not _staging(out) and first.poll() is None:
                time.sleep(0.001)
            times.append(time.monotonic() - started)
            assert first.wait(timeout=300) == 0
    return out, min(times)


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


# --- incremental builds ------------------------------------------------------------------------

KILLS = 9
"""Incremental builds killed, one after another, in one test: a third each at a random instant of the
whole build, at a random instant of its write phase, and the instant the output starts to change."""


@pytest.fixture(scope="module")
def edit(corpus, tmp_path_factory):
    """A copy of the corpus whose one article's title can be switched between two versions, and the
    site of each version built without the cache: the references."""
    root = tmp_path_factory.mktemp("incremental")
    content = root / "content"
    shutil.copytree(corpus, content)
    article = sorted((content / "articles").glob("*.en.md"))[PAIRS // 2]
    old = article.read_text(encoding="utf-8")
    new = old.replace("\ntitle: ", "\ntitle: Revised ", 1)  # its page, the lists, the feed: many files
    assert new != old
    references = {}
    for name, text in (("old", old), ("new", new)):
        article.write_text(text, encoding="utf-8")
        out = root / f"reference-{name}"
        subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--no-cache", "--content",
                        str(content), "--out", str(out)], check=True, capture_output=True)
        references[name] = _tree(out)
    article.write_text(old, encoding="utf-8")
    return content, article, {"old": old, "new": new}, references


def _run(content: Path, out: Path) -> str:
    """A whole (cached) build; its summary line."""
    with _reaped(_build(content, out, None)) as proc:
        out_text, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out_text


def test_incremental_build_killed_at_a_random_instant_leaves_the_old_or_the_new_site(edit, tmp_path):
    content, article, texts, references = edit
    out = tmp_path / "site"
    _run(content, out)
    assert _tree(out) == references["old"]
    differ = {rel for rel in references["new"] if references["new"][rel] != references["old"].get(rel)}

    # Once unkilled: it writes only the files that change, and says so; its duration sets the instants.
    article.write_text(texts["new"], encoding="utf-8")
    started = time.monotonic()
    with _reaped(_build(content, out, None)) as proc:
        while not _staging(out) and proc.poll() is None:
            time.sleep(0.001)
        writing = time.monotonic()
        summary, err = proc.communicate(timeout=300)
    ended = time.monotonic()
    assert proc.returncode == 0, err
    assert f"rebuilt {len(differ)} of {len(references['new']) - 1} files" in summary  # - 1: the marker
    assert _tree(out) == references["new"]

    seed = random.randrange(2 ** 32)
    rng = random.Random(seed)
    outcomes = []
    for trial in range(KILLS):
        article.write_text(texts["old"], encoding="utf-8")
        _run(content, out)
        assert _tree(out) == references["old"]
        # The files the edit changes, as they are now: the first sign of the output changing.
        watched = [(str(out / rel), os.stat(out / rel).st_ino) for rel in sorted(differ) if (out / rel).exists()]
        article.write_text(texts["new"], encoding="utf-8")
        with _reaped(_build(content, out, None)) as proc:
            if trial % 3 == 0:  # at any instant of the build
                time.sleep(rng.uniform(0, ended - started))
            elif trial % 3 == 1:  # while it writes: from when its staging folder appears to when it ends
                while not _staging(out) and proc.poll() is None:
                    time.sleep(0.001)
                time.sleep(rng.uniform(0, ended - writing))
            else:  # the instant a file of the output is seen to change, while others may be about to
                while not _changed(watched) and proc.poll() is None:
                    pass
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=60)
        outcomes.append(proc.returncode)
        tree = _tree(out)
        which = next((name for name, reference in references.items() if tree == reference), None)
        assert which, (f"kill {trial} (seed {seed}) left a mix: of the files the edit changes, "
                       f"{sorted(rel for rel in differ if tree.get(rel) == references['new'][rel])} are new, "
                       f"{sorted(rel for rel in differ if tree.get(rel) != references['new'][rel])} are not")

        assert "files" in _run(content, out)  # the next build recovers, and finishes the edit
        assert _tree(out) == references["new"], f"seed {seed}, kill {trial}"
        assert sorted(p.name for p in tmp_path.iterdir()) == [".featuresite-cache", ".site.lock", "site"]
    assert -signal.SIGKILL in outcomes  # some kills landed while the build was running


def _changed(watched: list[tuple[str, int]]) -> bool:
    """True once any of these files is no longer the file it was (another inode, or none)."""
    for path, inode in watched:
        try:
            if os.stat(path).st_ino != inode:
                return True
        except FileNotFoundError:
            return True
    return False
