#!/usr/bin/env python3
"""Regenerate docs/screenshots/: home, an article, timeline, ranking and a platform page, in both
languages, at 375 px and 1280 px wide, in the light and the dark scheme (40 images).

    python scripts/screenshots.py

Builds content/, serves it on 127.0.0.1 and photographs each page in Debian's
Chromium (Playwright). Each image shows the top 1,800 CSS pixels of the page,
as JPEG, to keep the repository small.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from browser import chromium, free_port  # noqa: E402
from checkers import serve_folder  # noqa: E402

from featuresite.cli import main as build_main  # noqa: E402

OUT = PROJECT / "docs" / "screenshots"
PAGES = {"home": "{lang}/", "article": "{lang}/articles/ranking-rise/", "timeline": "{lang}/timeline/",
         "ranking": "{lang}/ranking/", "platform": "{lang}/platforms/songshan-lab/"}
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
MAX_HEIGHT = 1800


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        out = Path(tmp) / "site"
        assert build_main(["build", "--content", str(PROJECT / "content"), "--out", str(out),
                           "--base-url", base]) == 0
        with serve_folder(out, "/", port), chromium() as browser:
            for scheme in SCHEMES:
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": 900},
                                                  color_scheme=scheme, device_scale_factor=1)
                    page = context.new_page()
                    for name, pattern in PAGES.items():
                        for lang in ("zh", "en"):
                            page.goto(base + pattern.format(lang=lang), wait_until="load")
                            height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
                            target = OUT / f"{name}-{lang}-{width}-{scheme}.jpg"
                            page.screenshot(path=str(target), type="jpeg", quality=80, full_page=True,
                                            clip={"x": 0, "y": 0, "width": width, "height": height})
                            print(target.relative_to(PROJECT))
                    context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
