"""Draw the app's icons (web/static/icons/*.png) for the web app manifest and iOS home screens.

A hand-drawn 7 in white on the page's accent blue, as on web/static/favicon.svg, with round
caps as a finger leaves them. "Maskable" icons keep the drawing inside the central 80 %
circle that Android may crop to; the others fill a rounded square.

    .venv/bin/python scripts/make_icons.py            # rewrite the committed icons
    .venv/bin/python scripts/make_icons.py --out-dir /tmp/icons
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "web" / "static" / "icons"
ACCENT = (11, 92, 173, 255)  # --accent in app.css
INK = (255, 255, 255, 255)
SUPERSAMPLE = 4  # drawn 4x larger then shrunk: smooth edges without an anti-aliasing renderer
# name -> (size in px, maskable). 192 and 512 are what Chrome asks of an installable app, 180 is iOS'.
ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself; a full square looks right there
}
# The 7 as on the favicon, in a 32-unit box: top bar, then the slanted stem.
SEVEN = [(11, 9), (19, 9), (13, 24)]


def draw_icon(size: int, maskable: bool) -> Image.Image:
    """One icon, RGBA, size x size."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=ACCENT)  # full bleed: the platform chooses the shape
        scale, offset = big * 0.8 / 32, big * 0.1  # the safe zone: the central 80 %
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 / 32, fill=ACCENT)
        scale, offset = big / 32, 0.0
    points = [(x * scale + offset, y * scale + offset) for x, y in SEVEN]
    width = round(3.5 * scale)
    draw.line(points, fill=INK, width=width, joint="curve")
    for x, y in (points[0], points[-1]):  # round caps, which ImageDraw.line does not draw
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=INK)
    return image.resize((size, size), Image.LANCZOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the app icons for the web app manifest.")
    parser.add_argument("--out-dir", default=str(OUT_DIR), help="default: web/static/icons/")
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        draw_icon(size, maskable).save(out_dir / name, optimize=True)
        print(f"{out_dir / name}: {size}x{size}{' maskable' if maskable else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
