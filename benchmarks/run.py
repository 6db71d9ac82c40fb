#!/usr/bin/env python3
"""This project's build against Pelican's, side by side, on the same synthetic articles.

    pip install -e '.[bench]'
    python benchmarks/run.py [--sizes 100 1000 5000] [--runs 5]

For each size N (article pairs, benchmarks/make_corpus.py) and each generator:
a clean build (output and caches removed first), a no-change rebuild, and a
rebuild after one article changed; the median of --runs runs after one
warm-up; wall time, CPU time (user + system) and peak RSS of the build
process. Prints a table and writes benchmarks/results.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from make_corpus import write_corpus, write_pelican  # noqa: E402

MODES = ("clean", "no change", "one article changed")


@dataclass
class Run:
    """One measured build."""

    wall: float
    """Seconds of wall time."""
    cpu: float
    """Seconds of user + system CPU time of the build process and its children."""
    rss_mb: float
    """Peak resident memory of the largest process, MiB."""


def measure(command: list[str], cwd: Path) -> Run:
    """Run a command to completion and measure it (os.wait4 gives this child's own resource use)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed: {child.stderr.read().decode()[-2000:]}")
    child.stderr.close()
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


@dataclass
class Generator:
    """How to build one generator's copy of the corpus."""

    name: str
    """As shown in the table."""
    folder: Path
    """Where its project lives."""
    command: list[str]
    """The build command, run in folder."""
    outputs: tuple[str, ...]
    """What a clean build removes first (output and caches), relative to folder."""
    article: str
    """One article file to change, relative to folder."""

    def clean(self) -> None:
        for name in self.outputs:
            shutil.rmtree(self.folder / name, ignore_errors=True)

    def touch_article(self, run: int) -> None:
        path = self.folder / self.article
        path.write_text(path.read_text(encoding="utf-8") + f"\nA change, run {run}.\n", encoding="utf-8")


def bench(generator: Generator, mode: str, runs: int) -> list[Run]:
    """Warm-up plus runs of one mode; the warm-up is not counted."""
    results = []
    for index in range(runs + 1):
        if mode == "clean":
            generator.clean()
        elif mode == "one article changed":
            generator.touch_article(index)
        result = measure(generator.command, generator.folder)
        if index:
            results.append(result)
    return results


def generators(root: Path, pairs: int) -> list[Generator]:
    """This project and Pelican, each with its own copy of the same corpus under root."""
    ours = root / "featuresite"
    write_corpus(pairs, ours / "content")
    pelican = root / "pelican"
    write_pelican(ours / "content", pelican)
    return [
        Generator("featuresite", ours, [sys.executable, str(PROJECT / "build.py"), "build", "--content", "content",
                                        "--out", "site"], ("site", ".featuresite-cache"),
                  "content/articles/story-00001.en.md"),
        Generator("Pelican", pelican, [sys.executable, "-m", "pelican", "-q", "-s", "pelicanconf.py", "-o",
                                       "output", "content"], ("output", "cache"), "content/story-00001.en.md"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import pelican  # noqa: F401  (fail early, with a clear message, without the bench extra)
    from importlib.metadata import version
    rows = []
    header = ("| N pairs | pages | generator | build | wall (median) | CPU | peak RSS | ms per page |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(header)
    for pairs in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            for generator in generators(Path(tmp), pairs):
                for mode in MODES:
                    results = bench(generator, mode, args.runs)
                    wall = statistics.median(r.wall for r in results)
                    cpu = statistics.median(r.cpu for r in results)
                    rss = max(r.rss_mb for r in results)
                    pages = 2 * pairs
                    row = (f"| {pairs:,} | {pages:,} | {generator.name} | {mode} | {wall:.2f} s | {cpu:.2f} s | "
                           f"{rss:.0f} MiB | {wall / pages * 1000:.2f} |")
                    rows.append(row)
                    print(row, flush=True)
    text = [
        "# Build benchmarks", "",
        f"`python benchmarks/run.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}`: "
        f"median of {args.runs} runs after a warm-up; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"Pelican {version('pelican')}. Pages = article pages (both languages); each generator also writes "
        "its index, feed and other pages.", "",
        header, *rows, ""]
    (HERE / "results.md").write_text("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
