"""Real SVHN validation crops beside generated ones, one sheet: what the generator still misses.

    python -m train.compare_sheet                         # -> docs/svhn_real_vs_generated.png

Left: real validation photos (train/svhn.py's fixed split) cut from their annotated box, as the
reader sees them; middle: the same photos from a loose box (svhn.jitter_box), as a person draws
one; right: generated held-out crops (train/synth/, seed 2). All at 64x64, pixels doubled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reader.paths import CACHE_DIR, DOCS_DIR
from train.cli import command
from train.svhn import NO_DIGIT, REAL_SAMPLE_DIR, build_real_crops
from train.synth import generate_samples
from train.synth.sheets import sample_sheet

# --- settings ---------------------------------------------------------------------------
SHOWN = 36  # crops per panel: 6 rows of 6 (the sheet stays under a megabyte)
COLUMNS = 6
GENERATED_SEED = 2  # the held-out generated crops (train/house.py's VAL_SEED)
JITTER_VARIANTS = 2  # the annotated box and one loose box per photo (the second is shown)
OUT = DOCS_DIR / "svhn_real_vs_generated.png"
# ---------------------------------------------------------------------------------------


def numbers_of(digits: np.ndarray) -> list[str]:
    """(N, 5) digit labels -> the numbers they spell."""
    return ["".join(str(d) for d in row if d != NO_DIGIT) for row in digits]


def side_by_side(panels: list[tuple[str, Image.Image]], gap: int = 16, header: int = 26) -> Image.Image:
    """Titled panels in a row, on white."""
    width = sum(p.width for _, p in panels) + gap * (len(panels) - 1)
    height = max(p.height for _, p in panels) + header
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=16)
    x = 0
    for title, panel in panels:
        draw.text((x + panel.width / 2, 4), title, fill="black", font=font, anchor="mt")
        sheet.paste(panel, (x, header))
        x += panel.width + gap
    return sheet


def make_sheet(data_dir: Path, cache_dir: Path) -> Image.Image:
    """The three panels from the real validation photos and generated crops."""
    real = build_real_crops(data_dir, cache_dir, "val", JITTER_VARIANTS)
    annotated, loose = (
        slice(0, SHOWN * JITTER_VARIANTS, JITTER_VARIANTS),
        slice(1, SHOWN * JITTER_VARIANTS, JITTER_VARIANTS),
    )
    generated = generate_samples(SHOWN, GENERATED_SEED, workers=1)
    return side_by_side(
        [
            (
                "real, annotated box",
                sample_sheet(real["images"][annotated], numbers_of(real["digits"][annotated]), COLUMNS),
            ),
            ("real, loose box", sample_sheet(real["images"][loose], numbers_of(real["digits"][loose]), COLUMNS)),
            ("generated", sample_sheet(generated["images"], numbers_of(generated["digits"]), COLUMNS)),
        ]
    )


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sheet of real SVHN validation crops beside generated crops.")
    parser.add_argument("--data-dir", default=str(REAL_SAMPLE_DIR), help=f"default: {REAL_SAMPLE_DIR}")
    parser.add_argument("--out", default=str(OUT), help="default: docs/svhn_real_vs_generated.png")
    args = parser.parse_args(argv)
    sheet = make_sheet(Path(args.data_dir), CACHE_DIR)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
