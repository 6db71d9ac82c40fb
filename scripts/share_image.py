#!/usr/bin/env python3
"""Draw the feature's social-card image (1200 x 630 PNG) from content/site.yaml.

    python scripts/share_image.py [--content content]

Writes content/media/share.png, which the build copies to site/media/ and
names as og:image on every page. It is drawn once and committed (not at build
time), so builds stay byte-identical on machines with other fonts. Needs
Pillow and Debian's fonts-noto-cjk.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FONT_REGULAR = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
WIDTH, HEIGHT = 1200, 630
PAPER, INK, MUTED, ACCENT = "#fdfcf9", "#1b1b1f", "#5c5f66", "#a4262c"
SC = 2  # the Simplified Chinese face in the Noto CJK collection


def wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Break text into lines that fit width: at spaces for Latin text, anywhere for CJK."""
    words = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines, line = [], ""
    for word in words:
        candidate = f"{line}{joiner}{word}" if line else word
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + [line] if line else lines


def draw_card(site: dict, out: Path) -> None:
    """Both titles, the first language's description and an accent rule."""
    langs = [lang["code"] for lang in site["languages"]]
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 14], fill=ACCENT)
    draw.rectangle([80, 96, 92, 220], fill=ACCENT)
    y = 90
    title = ImageFont.truetype(str(FONT), 64, index=SC)
    for line in wrap(draw, site["title"][langs[0]], title, WIDTH - 200)[:2]:
        draw.text((120, y), line, font=title, fill=INK)
        y += 84
    subtitle = ImageFont.truetype(str(FONT), 40, index=SC)
    for line in wrap(draw, site["title"][langs[1]], subtitle, WIDTH - 200)[:2]:
        draw.text((120, y + 10), line, font=subtitle, fill=INK)
        y += 54
    body = ImageFont.truetype(str(FONT_REGULAR), 30, index=SC)
    y = max(y + 50, 380)
    for line in wrap(draw, site["description"][langs[0]], body, WIDTH - 200)[:3]:
        draw.text((120, y), line, font=body, fill=MUTED)
        y += 46
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, "PNG", optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, default=Path("content"))
    args = parser.parse_args()
    site = yaml.safe_load((args.content / "site.yaml").read_text(encoding="utf-8"))
    out = args.content / "media" / "share.png"
    draw_card(site, out)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
