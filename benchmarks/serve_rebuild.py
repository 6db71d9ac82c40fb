#!/usr/bin/env python3
"""How long the live preview takes from saving an article to the finished rebuild.

    python benchmarks/serve_rebuild.py [--pairs 1000] [--runs 15]

Measures two sites: the shipped content/ and a synthetic one of --pairs
article pairs (benchmarks/make_corpus.py). For each, two figures, median of
--runs saves of one article:

- rebuild: in-process, from the save to the finished rebuild (the watcher's
  scan of every watched file + the incremental re-render), i.e. the work the
  server does once it polls;
- end to end: a real `build.py serve`, from the save until the server
  answers with the new text (adds the polling interval, the debounce wait and
  an HTTP request).
"""
from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

from make_corpus import write_corpus  # noqa: E402

from featuresite.pipeline import Options  # noqa: E402
from featuresite.serve import Preview  # noqa: E402


def _article(content: Path) -> Path:
    return sorted((content / "articles").glob("*.en.md"))[0]


def _save(path: Path, marker: str) -> None:
    """An edit of the text: a sentence added at the end."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\nEdit {marker}.\n", encoding="utf-8")


def _retitle(path: Path, marker: str) -> None:
    """An edit of the headline, which home, feeds, timeline and sources also show."""
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[index] = f"title: Retitled {marker}"
    path.write_text("\n".join(lines), encoding="utf-8")


def measure_rebuild(content: Path, runs: int, edit=_save) -> tuple[float, int, float]:
    """(median seconds from save to rebuilt, files the last rebuild rendered, first full build seconds)."""
    preview = Preview(Options(content_dir=content, base_url="http://127.0.0.1:8000/"))
    preview.changes()
    started = time.perf_counter()
    preview.build_all()
    full = time.perf_counter() - started
    assert not preview.problems, preview.problems
    article = _article(content)
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        edit(article, f"in-process {run}")
        preview.rebuild(preview.changes())
        elapsed = time.perf_counter() - started
        pages = b"".join(data for rel, data in preview.files.items() if rel.endswith(".html"))
        assert not preview.problems and f"in-process {run}".encode() in pages
        if run:  # the first run warms caches
            times.append(elapsed)
    return statistics.median(times), preview.last_rebuilt, full


def measure_end_to_end(content: Path, runs: int, port: int) -> float:
    """Median seconds from a save until a real `serve` answers with the edit."""
    article = _article(content)
    slug = article.name.split(".")[0]
    url = f"http://127.0.0.1:{port}/en/articles/{slug}/"
    server = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(content),
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        times = []
        for run in range(runs + 1):
            marker = f"served {run}"
            time.sleep(0.3)  # let the previous rebuild settle, as between an editor's saves
            started = time.perf_counter()
            _save(article, marker)
            while marker not in urllib.request.urlopen(url, timeout=5).read().decode():
                time.sleep(0.005)
            if run:
                times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shipped = Path(tmp) / "shipped"
        shutil.copytree(PROJECT / "content", shipped)
        synthetic = Path(tmp) / f"synthetic-{args.pairs}"
        write_corpus(args.pairs, synthetic)
        print("| site | articles | first full build | edit | save to rebuilt (median) | files re-rendered | "
              "save to served (median, real server) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, content in (("content/ (shipped)", shipped), (f"synthetic, {args.pairs} pairs", synthetic)):
            articles = len(list((content / "articles").glob("*.md")))
            for label, edit in (("text", _save), ("headline", _retitle)):
                rebuild, rendered, full = measure_rebuild(content, args.runs, edit)
                served = measure_end_to_end(content, args.runs, args.port) if edit is _save else None
                print(f"| {name} | {articles} | {full:.2f} s | {label} | {rebuild * 1000:.0f} ms | {rendered} | "
                      f"{f'{served * 1000:.0f} ms' if served else '-'} |", flush=True)


if __name__ == "__main__":
    main()
