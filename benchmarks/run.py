#!/usr/bin/env python3
"""This project's build against Pelican's, side by side, on the same synthetic articles.

    pip install -e '.[bench]'
    python benchmarks/run.py [--sizes 100 1000 5000] [--runs 5] [--workdir DIR] [--against REV] [--no-pelican]

For each size N (article pairs, benchmarks/make_corpus.py) and each generator,
the two taking turns run by run: a clean build (output and caches removed first), a no-change rebuild, and a
rebuild after one article changed (clean builds start from a settled
file system: Generator.settle); the median of --runs runs after one
warm-up; wall time, CPU time (user + system) and peak RSS of the build
process (and its worker processes). Prints a table and writes
benchmarks/results.md, with the issue's targets checked against the figures.

--against REV adds this project as it was at a git revision (checked out
into the work folder with `git worktree`), built side by side with the
current code on the same corpus, taking turns with it: how a change moved the
figures, measured in one run. --no-pelican leaves Pelican out.

Both generators build in one work folder (default: a new folder in the
system's temporary folder; --workdir puts it elsewhere). Creating files costs
very different amounts in different places on some machines, so results.md
also records what creating 2,000 folders with an 11 KB file each cost there.
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
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


@dataclass
class Run:
    """One measured build."""

    wall: float
    """Seconds of wall time."""
    cpu: float
    """Seconds of user + system CPU time of the build process and its children."""
    rss_mb: float
    """Peak resident memory of the largest process, MiB."""


BUILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The environment builds run in: Python may keep compiled modules (__pycache__), as it does for an installed
package, so that a build is measured, not compiling the generator's source (which would weigh on the
generator with more modules). The warm-up run and Generator.settle write them."""


def measure(command: list[str], cwd: Path) -> Run:
    """Run a command to completion and measure it (os.wait4 gives this child's own resource use)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=BUILD_ENV)
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
    imports: str
    """Python modules its build imports: loaded once before a clean build, so they are read from memory."""
    project: Path = PROJECT
    """Where its Python modules are imported from (a checkout of an older revision has its own)."""

    def clean(self) -> None:
        for name in self.outputs:
            shutil.rmtree(self.folder / name, ignore_errors=True)

    def settle(self) -> None:
        """Before a clean build: flush the file system and, where allowed, drop the page cache, then read the
        corpus and load the generator's modules again.

        On some disks (this machine's ext4 among them) creating files right
        after deleting many costs more system time the more delete-and-create
        rounds went before, up to 20 times more, until the page cache is
        dropped. Each clean build then starts from the same state, whatever
        the runs before it did.
        """
        os.sync()
        if DROP_CACHES.exists() and os.access(DROP_CACHES, os.W_OK):
            DROP_CACHES.write_text("1")
        for path in (self.folder / "content").rglob("*"):
            if path.is_file():
                path.read_bytes()
        subprocess.run([sys.executable, "-c", f"import {self.imports}"], check=True, cwd=self.folder,
                       env={**BUILD_ENV, "PYTHONPATH": str(self.project)})

    def touch_article(self, run: int) -> None:
        path = self.folder / self.article
        path.write_text(path.read_text(encoding="utf-8") + f"\nA change, run {run}.\n", encoding="utf-8")


def bench(generators: list[Generator], mode: str, runs: int) -> dict[str, list[Run]]:
    """Warm-up plus runs of one mode for each generator, taking turns run by run, so that a change in the
    machine's speed during the series falls on both alike; the warm-up is not counted."""
    results: dict[str, list[Run]] = {generator.name: [] for generator in generators}
    for index in range(runs + 1):
        for generator in generators:
            if mode == "clean":
                generator.clean()
                generator.settle()
            elif mode == "one article changed":
                generator.touch_article(index)
            result = measure(generator.command, generator.folder)
            if index:
                results[generator.name].append(result)
    return results


FEATURESITE_IMPORTS = ("featuresite.cli, featuresite.pipeline, featuresite.render, featuresite.parse, "
                       "featuresite.link, featuresite.cache, featuresite.prose, jinja2, markdown, yaml, "
                       "babel.numbers, babel.dates")
"""What a build of this project imports (loaded before a clean build)."""


def generators(root: Path, pairs: int, against: list[tuple[str, Path]] = (), pelican: bool = True,
               search: bool = True) -> list[Generator]:
    """This project, its older revisions (name, checkout) and Pelican, each with its own copy of the same
    corpus under root. search=False: this project's copy says `search: false` (the older revisions' copies
    are left as they are: a revision from before search would reject the key, and makes no index)."""
    ours = root / "featuresite"
    write_corpus(pairs, ours / "content")
    found = [Generator("featuresite", ours, [sys.executable, str(PROJECT / "build.py"), "build", "--content",
                                             "content", "--out", "site"], ("site", ".featuresite-cache"),
                       "content/articles/story-00001.en.md", FEATURESITE_IMPORTS)]
    for name, checkout in against:
        folder = root / f"featuresite-{name}"
        shutil.copytree(ours / "content", folder / "content")
        # Run from the checkout: its build.py imports its own featuresite package (sys.path[0]).
        found.append(Generator(f"featuresite@{name}", folder, [sys.executable, str(checkout / "build.py"), "build",
                                                              "--content", "content", "--out", "site"],
                               ("site", ".featuresite-cache"), "content/articles/story-00001.en.md",
                               FEATURESITE_IMPORTS, checkout))
    if not search:
        with open(ours / "content" / "site.yaml", "a", encoding="utf-8") as site_yaml:
            site_yaml.write("search: false\n")
    if pelican:
        folder = root / "pelican"
        write_pelican(ours / "content", folder)
        found.append(Generator("Pelican", folder, [sys.executable, "-m", "pelican", "-q", "-s", "pelicanconf.py", "-o",
                                                   "output", "content"], ("output", "cache"), "content/story-00001.en.md",
                               "pelican, pelican.readers, pelican.generators, pelican.writers, pelican.plugins.signals, "
                               "pelican.cache, feedgenerator, jinja2, markdown, docutils"))
    return found


def file_creation_cost(folder: Path, count: int = 2000) -> float:
    """Seconds to create `count` folders with an 11 KB file each under folder (then removed)."""
    probe = folder / "probe"
    probe.mkdir()
    data = b"x" * 11000
    started = time.perf_counter()
    for index in range(count):
        (probe / str(index)).mkdir()
        (probe / str(index) / "index.html").write_bytes(data)
    seconds = time.perf_counter() - started
    shutil.rmtree(probe)
    return seconds


def check_targets(table: dict[tuple[int, str, str], Run]) -> list[str]:
    """The issue's targets, each with its figures and whether it holds."""
    lines = []

    def line(holds: bool, text: str) -> None:
        lines.append(f"- {'**met**' if holds else '**not met**'}: {text}")

    if all((1000, g, m) in table for g in ("featuresite", "Pelican") for m in MODES):
        ours = {m: table[(1000, "featuresite", m)] for m in MODES}
        theirs = {m: table[(1000, "Pelican", m)] for m in MODES}
        ratio = ours["clean"].wall / theirs["clean"].wall
        line(ratio <= 1 / 3, f"N=1,000 clean build at most 1/3 of Pelican's: {ours['clean'].wall:.2f} s vs "
                             f"{theirs['clean'].wall:.2f} s = {ratio:.2f}")
        ratio = ours["no change"].wall / ours["clean"].wall
        line(ratio <= 1 / 10, f"N=1,000 no-change rebuild at most 1/10 of our clean build: "
                              f"{ours['no change'].wall:.2f} s vs {ours['clean'].wall:.2f} s = {ratio:.3f}")
        one = ours["one article changed"].wall
        line(one < 0.5, f"N=1,000 one-article rebuild under 0.5 s: {one:.2f} s")
        rss, their_rss = max(r.rss_mb for r in ours.values()), min(r.rss_mb for r in theirs.values())
        line(rss <= their_rss, f"N=1,000 peak RSS at most Pelican's: {rss:.0f} MiB (our largest, any build) vs "
                               f"{their_rss:.0f} MiB (Pelican's smallest)")
    for (pairs, name, mode), theirs in sorted(table.items()):
        ours = table.get((pairs, "featuresite", mode))
        if name.startswith("featuresite@") and ours is not None:
            line(round(ours.wall, 2) <= round(theirs.wall, 2), f"N={pairs:,} {mode}: no slower than {name}: {ours.wall:.2f} s vs "
                                           f"{theirs.wall:.2f} s (CPU {ours.cpu:.2f} s vs {theirs.cpu:.2f} s; peak RSS "
                                           f"{ours.rss_mb:.0f} MiB vs {theirs.rss_mb:.0f} MiB)")
    if (1000, "featuresite", "clean") in table and (5000, "featuresite", "clean") in table:
        small, large = table[(1000, "featuresite", "clean")].wall / 2000, table[(5000, "featuresite", "clean")].wall / 10000
        line(large <= small, f"cost per page at N=5,000 no worse than at N=1,000: {large * 1000:.2f} ms vs "
                             f"{small * 1000:.2f} ms per page")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, help="build in a new folder under this one (default: the system's "
                                                         "temporary folder)")
    parser.add_argument("--against", metavar="REV", action="append", default=[],
                        help="also build this project as it was at a git revision, side by side (repeatable)")
    parser.add_argument("--no-pelican", action="store_true", help="leave Pelican out")
    parser.add_argument("--no-search", action="store_true",
                        help="build this project without its search index (site.yaml: search: false), to compare "
                             "with revisions from before search")
    parser.add_argument("--results", type=Path, default=HERE / "results.md",
                        help="where to write the table (default: benchmarks/results.md)")
    args = parser.parse_args()
    if not args.no_pelican:
        import pelican  # noqa: F401  (fail early, with a clear message, without the bench extra)
    from importlib.metadata import version
    rows, table = [], {}
    header = ("| N pairs | pages | generator | build | wall (median) | CPU | peak RSS | ms per page |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as work:
        against = []
        for rev in args.against:
            name = subprocess.run(["git", "rev-parse", "--short", rev], cwd=PROJECT, check=True, capture_output=True,
                                  text=True).stdout.strip()
            checkout = Path(work) / f"checkout-{name}"
            subprocess.run(["git", "worktree", "add", "--detach", str(checkout), rev], cwd=PROJECT, check=True,
                           capture_output=True)
            against.append((name, checkout))
        creation = file_creation_cost(Path(work))
        print(f"creating 2,000 folders with an 11 KB file each: {creation:.2f} s in {work}")
        print(header)
        for pairs in args.sizes:
            root = Path(work) / f"n{pairs}"
            both = generators(root, pairs, against, not args.no_pelican, not args.no_search)
            measured = {mode: bench(both, mode, args.runs) for mode in MODES}
            for generator in both:
                for mode in MODES:
                    results = measured[mode][generator.name]
                    run = Run(statistics.median(r.wall for r in results), statistics.median(r.cpu for r in results),
                              max(r.rss_mb for r in results))
                    table[(pairs, generator.name, mode)] = run
                    pages = 2 * pairs
                    row = (f"| {pairs:,} | {pages:,} | {generator.name} | {mode} | {run.wall:.2f} s | {run.cpu:.2f} s | "
                           f"{run.rss_mb:.0f} MiB | {run.wall / pages * 1000:.2f} |")
                    rows.append(row)
                    print(row, flush=True)
            shutil.rmtree(root)
        for _, checkout in against:
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=PROJECT, check=True)
    where = f"--workdir {args.workdir}" if args.workdir else "the system's temporary folder"
    pelican_version = "" if args.no_pelican else f"Pelican {version('pelican')}; "
    against_text = "".join(f" --against {rev}" for rev in args.against)
    text = [
        "# Build benchmarks", "",
        f"`python benchmarks/run.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}"
        f"{f' --workdir {args.workdir}' if args.workdir else ''}"
        f"{against_text}{' --no-pelican' if args.no_pelican else ''}{' --no-search' if args.no_search else ''}`: "
        f"median of {args.runs} runs after a warm-up; "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; "
        f"{pelican_version}built in "
        f"{where}, where creating 2,000 folders with an 11 KB file each took {creation:.2f} s. Before each "
        f"clean build (both generators) the file system was flushed"
        f"{', the page cache dropped' if os.access(DROP_CACHES, os.W_OK) else ''}, and the corpus and the "
        "generator's modules read again (see Generator.settle). Python kept compiled modules (BUILD_ENV), "
        "as for an installed package. Pages = article "
        "pages (both languages); each generator also writes its index, feed and other pages. CPU includes "
        "worker processes; peak RSS is the largest process's."
        + (" This project built its copy with `search: false` (no search index), as the older revisions make "
           "none." if args.no_search else ""), "",
        header, *rows, "", "## Targets (issue: Speed)", "", *check_targets(table), ""]
    args.results.write_text("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
