#!/usr/bin/env python3
"""Lighthouse scores of the shipped site: home, an article, timeline, ranking, a platform page and search (before
and with a query), in both languages, at Lighthouse's default (mobile) setting, in Debian's Chromium, offline.

    python benchmarks/lighthouse.py

Builds content/ into a temporary folder, serves it on 127.0.0.1, runs the npm
package `lighthouse` (installed on first use into benchmarks/.lighthouse/, which
git ignores) on each page, writes benchmarks/lighthouse.md and exits 1 if any
page scores under 95 for performance or under 100 for accessibility, best
practices or SEO.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from urllib.parse import quote
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from checkers import serve_folder  # noqa: E402

from featuresite.cli import main as build_main  # noqa: E402

LIGHTHOUSE_VERSION = "13.5.0"
INSTALL = HERE / ".lighthouse"
PAGES = ["{lang}/", "{lang}/articles/ranking-rise/", "{lang}/timeline/", "{lang}/ranking/",
         "{lang}/platforms/songshan-lab/", "{lang}/search/", "{lang}/search/?q={query}"]
QUERY = {"zh": "人才", "en": "talent"}
"""What the search page is opened with, per language (Pagefind's index is loaded and searched)."""
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MINIMUM = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse() -> Path:
    """The lighthouse command, installed from the npm registry on first use."""
    command = INSTALL / "node_modules/.bin/lighthouse"
    if not command.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(INSTALL),
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)
    return command


def score(command: Path, url: str, report: Path) -> dict[str, int]:
    """Lighthouse's category scores (0-100) for one URL."""
    subprocess.run([str(command), url, f"--chrome-path={CHROMIUM}", f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
                    f"--only-categories={','.join(CATEGORIES)}", "--output=json", f"--output-path={report}",
                    "--quiet"], check=True)
    data = json.loads(report.read_text())
    return {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    command = lighthouse()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        out = Path(tmp) / "site"
        assert build_main(["build", "--strict", "--content", str(PROJECT / "content"), "--out", str(out),
                           "--base-url", base]) == 0
        rows, failing = [], []
        with serve_folder(out, "/", port):
            for lang in ("zh", "en"):
                for pattern in PAGES:
                    path = pattern.format(lang=lang, query=quote(QUERY.get(lang, "")))
                    scores = score(command, base + path, Path(tmp) / "report.json")
                    rows.append((path, scores))
                    failing += [f"{path} {name} {value}" for name, value in scores.items()
                                if value < MINIMUM[name]]
                    print(path, scores, flush=True)
    lines = ["# Lighthouse", "",
             f"`python benchmarks/lighthouse.py`: Lighthouse {LIGHTHOUSE_VERSION}, default (mobile) setting, "
             "Debian Chromium, site served on 127.0.0.1.", "",
             "| page | " + " | ".join(CATEGORIES) + " |", "| --- |" + " --- |" * len(CATEGORIES)]
    lines += [f"| `/{path}` | " + " | ".join(str(s[name]) for name in CATEGORIES) + " |" for path, s in rows]
    (HERE / "lighthouse.md").write_text("\n".join(lines) + "\n")
    if failing:
        print("below the minimum:", *failing, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
