"""Real parish validation scans as the number route sees them, one sheet (docs/handwriting_preprocessing.png).

    python -m train.handwriting_sheet            # -> docs/handwriting_preprocessing.png

Each row: the scan as it is; its ink (reader.paper_ink.ink_image: the page margin, the desk and the
column rules made paper) with the number's box (number_box: the heaviest band of strong ink, so not a
printed heading, an underline or a neighbour's stroke) in red; the 32x256 strip the number reader reads,
and what it read. The scans are a fixed spread over the validation numbers, so the sheet only changes
when the preprocessing or the reader does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reader.number_strip import number_box, number_strip
from reader.paper_ink import ink_image
from reader.paths import DOCS_DIR, MODELS_DIR
from reader.preprocess import EmptyImageError
from reader.read import load_image, read_image
from train.cli import command
from train.evaluate import load_keras_reader
from train.handwriting import Sample, parish_numbers

# --- settings ---------------------------------------------------------------------------
SHOWN = 12  # scans on the sheet, spread evenly over the validation numbers
ROW_HEIGHT = 150  # px per row: scans are about 120-140 x 170-270
OUT = DOCS_DIR / "handwriting_preprocessing.png"
INK_BOX = (255, 64, 64)
LABEL = (32, 160, 32)


def spread(samples: list[Sample], count: int = SHOWN) -> list[Sample]:
    """`count` samples evenly spread over the list (the same ones on every run)."""
    return [samples[round(k * (len(samples) - 1) / max(1, count - 1))] for k in range(count)]


def to_height(image: Image.Image, height: int = ROW_HEIGHT) -> Image.Image:
    return image.resize((max(1, round(image.width * height / image.height)), height))


def row_panels(sample: Sample, model, reader) -> tuple[list[Image.Image], str]:
    """The scan, its ink with the number's box, its strip (scaled to the row), and the reading."""
    pixels = load_image(sample.path)
    scan = Image.fromarray(pixels).convert("RGB")
    try:
        ink = ink_image(pixels)
        top, left, bottom, right = number_box(ink)
        strip, _ = number_strip(ink)
    except EmptyImageError:
        return [to_height(scan)], "blank"
    inked = Image.fromarray((ink * 255).astype(np.uint8)).convert("RGB")
    ImageDraw.Draw(inked).rectangle([left, top, right - 1, bottom - 1], outline=INK_BOX, width=2)
    strip_image = Image.fromarray((strip * 255).astype(np.uint8)).convert("RGB").resize((512, 64))
    try:
        read = read_image(pixels, "cnn", model, number=True, reader=reader)["number"]
    except Exception as err:  # a refusal (no number) is shown as such, never a stopped sheet
        read = type(err).__name__
    return [to_height(scan), to_height(inked), strip_image], read


def make_sheet(samples: list[Sample], models_dir: Path = MODELS_DIR) -> Image.Image:
    model, reader = load_keras_reader("cnn", models_dir), load_keras_reader("number_reader", models_dir)
    rows = []
    for sample in samples:
        panels, read = row_panels(sample, model, reader)
        width = sum(p.width for p in panels) + 16 * len(panels) + 220
        row = Image.new("RGB", (width, ROW_HEIGHT + 8), "white")
        x = 8
        for panel in panels:
            row.paste(panel, (x, 4 + (ROW_HEIGHT - panel.height) // 2))
            x += panel.width + 16
        ImageDraw.Draw(row).text((x, ROW_HEIGHT // 2 - 10), f"true {sample.label}\nread {read}", fill=LABEL)
        rows.append(row)
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), "white")
    y = 0
    for row in rows:
        sheet.paste(row, (0, y))
        y += row.height
    return sheet


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Real parish scans, their ink and number box, and the strip read.")
    parser.add_argument("--out", default=str(OUT), help=f"default: {OUT}")
    parser.add_argument("--count", type=int, default=SHOWN, help=f"scans shown (default: {SHOWN})")
    args = parser.parse_args(argv)
    make_sheet(spread(parish_numbers("validation"), args.count)).save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
