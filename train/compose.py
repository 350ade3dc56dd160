"""New house numbers spliced from the real training photos' own digits: more real looks from the same photos.

    python -m train.compose --sheet docs/svhn_compositions.png     # real crops beside compositions
    python -m train.house ... --real-dir ../shared/data/svhn/train_sample --compose 24000   # mix them in

Every training photo of the fixed split (train/svhn.py; validation photos never come in) is cut into
vertical strips along its digit boxes: the context left of the number, one strip per digit (with half
the gap to its neighbours), the context right of it. A composition takes one photo's band and splices
1-5 digit strips between its two contexts:

- digits of the same photo in a new order, so the wall, the plate, the font, the light and the blur are
  real and agree, and the seams fall on the photo's own background;
- with DONOR_RATE, a digit strip from another photo, scaled to the band's height (new digit pairs and the
  rare digits of short numbers; its seams are the price);
- each strip's width scaled by STRIP_SCALE and shifted up or down by BASELINE_DRIFT of the band: the
  spacing, scale and baseline drift real numbers show;
- with NEIGHBOUR_RATE, a stray digit strip just outside the number (a flat letter, the next door's
  number) with the context cut short, so it shows at the crop's edge and is not part of the label;
- with LOOSE_RATE, the box is a loose one as a person draws it (svhn.jitter_box).

The crop is then cut by the reader's own crop_house_number, as every real crop is, and cached under
cache/ as uint8, keyed by COMPOSE_VERSION, the count, the seed and the folder.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from reader.house_crop import HOUSE_CROP, crop_house_number
from reader.paths import CACHE_DIR
from train.cli import command
from train.svhn import (
    REAL_SAMPLE_DIR,
    REAL_VAL_FIRST_FILE,
    Annotation,
    cached_npz,
    clip_to_image,
    file_number,
    jitter_box,
    load_annotations,
    number_labels,
    photo_pixels,
    split_real,
    union_box,
)

# --- settings ---------------------------------------------------------------------------
COMPOSE_VERSION = 1  # bump whenever the compositions change: it is part of the cache file name
BAND_MARGIN = 0.45  # rows kept above and below the digits, in number heights (the reader grows the box 30 %)
CONTEXT_REACH = 1.5  # columns of context kept on each side, in number heights
LENGTH_SHARES = (0.12, 0.34, 0.32, 0.16, 0.06)  # numbers of 1..5 digits (real ones: 11/51/32/6/0 %)
DONOR_RATE = 0.25  # share of digit strips taken from another training photo
STRIP_SCALE = (0.85, 1.2)  # each strip's width, times
BASELINE_DRIFT = 0.04  # each strip shifted up or down by up to this share of the band's height
NEIGHBOUR_RATE = 0.2  # compositions with a stray digit just outside the number
NEIGHBOUR_GAP = (0.03, 0.15)  # its distance from the number, in number widths (inside the reader's 15 % margin)
LOOSE_RATE = 0.5  # compositions cut from a loose box rather than the tight one
SHEET_SEED = 7  # the compositions shown in docs/svhn_compositions.png
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Strip:
    """One digit's columns of a band: [x0, x1) in band pixels, the digit, and its box's columns within."""

    x0: int
    x1: int
    digit: int
    ink0: int
    ink1: int


@dataclass(frozen=True)
class PhotoBand:
    """A training photo's rows around its number, cut into context and digit strips."""

    pixels: np.ndarray  # uint8 (H, W, 3)
    strips: tuple[Strip, ...]
    top: int  # the digits' rows within the band
    bottom: int
    file_number: int

    @property
    def left_context(self) -> np.ndarray:
        return self.pixels[:, : self.strips[0].x0]

    @property
    def right_context(self) -> np.ndarray:
        return self.pixels[:, self.strips[-1].x1 :]

    def strip_pixels(self, strip: Strip) -> np.ndarray:
        return self.pixels[:, strip.x0 : strip.x1]


def strip_edges(lefts: list[float], rights: list[float], pad: float) -> list[float]:
    """Boxes' columns (left to right) -> the cuts between strips: midway across each gap (or overlap),
    and `pad` outside the first and last box."""
    cuts = [lefts[0] - pad]
    cuts += [(right + left) / 2 for right, left in zip(rights[:-1], lefts[1:])]
    return cuts + [rights[-1] + pad]


def photo_band(pixels: np.ndarray, annotation: Annotation) -> PhotoBand | None:
    """A photo -> its band, or None when its digit boxes cannot be cut apart (out of the photo, or
    out of left-to-right order)."""
    height, width = pixels.shape[:2]
    boxes = sorted(annotation.boxes, key=lambda b: b.left)
    if list(boxes) != list(annotation.boxes):  # digits not left to right: the label's order is not the strips'
        return None
    x, y, w, h = union_box(annotation.boxes)
    if w < 4 or h < 6 or x < 0 or y < 0 or x + w > width or y + h > height:
        return None
    band_top, band_bottom = max(0, round(y - BAND_MARGIN * h)), min(height, round(y + h + BAND_MARGIN * h))
    reach = CONTEXT_REACH * h
    left, right = max(0, round(x - reach)), min(width, round(x + w + reach))
    mean_width = float(np.mean([b.width for b in boxes]))
    cuts = strip_edges([b.left for b in boxes], [b.left + b.width for b in boxes], 0.1 * mean_width)
    cuts = [min(right, max(left, round(c))) - left for c in cuts]
    if any(b - a < 2 for a, b in zip(cuts, cuts[1:])):  # overlapping boxes: no clean cut between them
        return None
    strips = tuple(
        Strip(a, b, box.digit, max(a, round(box.left) - left), min(b, round(box.left + box.width) - left))
        for a, b, box in zip(cuts, cuts[1:], boxes)
    )
    return PhotoBand(
        pixels[band_top:band_bottom, left:right],
        strips,
        round(y) - band_top,
        round(y + h) - band_top,
        file_number(annotation.filename),
    )


def resized(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 (h, w, 3) -> uint8 (height, width, 3), bilinear (PIL)."""
    from PIL import Image

    return np.asarray(Image.fromarray(pixels).resize((max(1, width), max(1, height)), Image.BILINEAR))


def drifted(pixels: np.ndarray, shift: int) -> np.ndarray:
    """Rows moved down by `shift` (up when negative), the edge row repeated into the gap."""
    if shift == 0:
        return pixels
    padded = np.pad(pixels, ((abs(shift), abs(shift)), (0, 0), (0, 0)), mode="edge")
    start = abs(shift) - shift
    return padded[start : start + pixels.shape[0]]


def placed_strip(
    band: PhotoBand, source: PhotoBand, strip: Strip, rng: np.random.Generator
) -> tuple[np.ndarray, int, int]:
    """A digit strip fitted into `band`: scaled to its height (and STRIP_SCALE in width), drifted;
    returns (pixels, ink columns start, end) in the strip's new columns."""
    height = band.pixels.shape[0]
    pixels = source.strip_pixels(strip)
    scale = height / source.pixels.shape[0]
    width = max(2, round(pixels.shape[1] * scale * rng.uniform(*STRIP_SCALE)))
    stretch = width / pixels.shape[1]
    fitted = drifted(resized(pixels, height, width), round(rng.uniform(-1, 1) * BASELINE_DRIFT * height))
    return fitted, round((strip.ink0 - strip.x0) * stretch), round((strip.ink1 - strip.x0) * stretch)


def pick_strip(bands: list[PhotoBand], band: PhotoBand, rng: np.random.Generator) -> tuple[PhotoBand, Strip]:
    source = bands[rng.integers(len(bands))] if rng.random() < DONOR_RATE else band
    return source, source.strips[rng.integers(len(source.strips))]


def with_neighbour(context: np.ndarray, neighbour: np.ndarray, gap: int, side: str) -> np.ndarray:
    """A context cut to `gap` columns next to the number, a stray digit strip beyond it."""
    if context.shape[1] < gap:
        return context
    if side == "left":
        return np.concatenate([neighbour, context[:, context.shape[1] - gap :]], axis=1)
    return np.concatenate([context[:, :gap], neighbour], axis=1)


def compose(bands: list[PhotoBand], rng: np.random.Generator) -> tuple[np.ndarray, str, int]:
    """One composition: (uint8 crop (64, 64, 3), its number, the base photo's file number)."""
    band = bands[rng.integers(len(bands))]
    length = int(rng.choice(len(LENGTH_SHARES), p=LENGTH_SHARES)) + 1
    chosen = [pick_strip(bands, band, rng) for _ in range(length)]
    pieces = [placed_strip(band, source, strip, rng) for source, strip in chosen]
    left, right = band.left_context, band.right_context
    if rng.random() < NEIGHBOUR_RATE:
        neighbour = placed_strip(band, *pick_strip(bands, band, rng), rng)[0]
        gap = max(1, round(rng.uniform(*NEIGHBOUR_GAP) * sum(p[0].shape[1] for p in pieces)))
        if rng.random() < 0.5:
            left = with_neighbour(left, neighbour, gap, "left")
        else:
            right = with_neighbour(right, neighbour, gap, "right")
    canvas = np.concatenate([left, *[p[0] for p in pieces], right], axis=1)
    starts = np.cumsum([left.shape[1]] + [p[0].shape[1] for p in pieces[:-1]])
    x0, x1 = starts[0] + pieces[0][1], starts[-1] + pieces[-1][2]
    box = (float(x0), float(band.top), float(max(2, x1 - x0)), float(band.bottom - band.top))
    if rng.random() < LOOSE_RATE:
        box = clip_to_image(jitter_box(box, rng), canvas.shape[1], canvas.shape[0])
    crop = np.round(crop_house_number(canvas, box) * 255).astype(np.uint8)
    return crop, "".join(str(strip.digit) for _, strip in chosen), band.file_number


def training_bands(directory: Path, progress: bool = True) -> list[PhotoBand]:
    """Every training photo of the fixed split that can be cut into strips (validation photos never)."""
    training, _ = split_real(load_annotations(directory))
    bands = []
    for annotation in tqdm(training, desc="cutting training photos into strips", disable=not progress):
        band = photo_band(photo_pixels(directory, annotation), annotation)
        if band is not None:
            bands.append(band)
    return bands


def compositions(directory: Path, count: int, seed: int, progress: bool = True) -> dict[str, np.ndarray]:
    """`count` compositions -> {images: uint8 (N, 64, 64, 3), length, digits, file_number}, as the real crops."""
    bands = training_bands(directory, progress)
    if not bands:
        raise FileNotFoundError(f"{directory} holds no training photo whose digits can be cut apart")
    rng = np.random.default_rng(seed)
    images = np.empty((count, HOUSE_CROP, HOUSE_CROP, 3), np.uint8)
    lengths, digits, files = np.empty(count, np.int64), np.empty((count, 5), np.int64), np.empty(count, np.int64)
    for i in tqdm(range(count), desc="composing numbers", disable=not progress):
        images[i], number, files[i] = compose(bands, rng)
        lengths[i], digits[i] = number_labels(number)
    return {"images": images, "length": lengths, "digits": digits, "file_number": files}


def cached_compositions(directory: str | Path, count: int, seed: int, cache_dir: Path = CACHE_DIR) -> dict:
    """compositions() once, then the npz under cache/ (the data folder is read-only)."""
    directory = Path(directory)
    name = f"svhn_compose_v{COMPOSE_VERSION}_{directory.name}_v{REAL_VAL_FIRST_FILE}_n{count}_s{seed}.npz"
    return cached_npz(Path(cache_dir) / name, lambda: compositions(directory, count, seed))


def make_sheet(directory: Path, shown: int = 36, columns: int = 6):
    """Real training crops (annotated box) beside compositions spliced from the same photos."""
    from train.compare_sheet import numbers_of, side_by_side
    from train.svhn import build_real_crops
    from train.synth.sheets import sample_sheet

    real = build_real_crops(directory, CACHE_DIR, "train")
    made = compositions(directory, shown, SHEET_SEED, progress=False)
    return side_by_side(
        [
            ("real training crops", sample_sheet(real["images"][:shown], numbers_of(real["digits"][:shown]), columns)),
            ("compositions of their digits", sample_sheet(made["images"], numbers_of(made["digits"]), columns)),
        ]
    )


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compose house numbers from the real training photos' digits.")
    parser.add_argument("--data-dir", default=str(REAL_SAMPLE_DIR), help="default: %(default)s")
    parser.add_argument("--count", type=int, default=24_000, help="compositions to make and cache (default: 24000)")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--sheet", help="instead, write a sheet of real crops beside compositions (a PNG path)")
    args = parser.parse_args(argv)
    if args.sheet:
        make_sheet(Path(args.data_dir)).save(args.sheet, optimize=True)
        print(f"wrote {args.sheet}")
        return 0
    made = cached_compositions(args.data_dir, args.count, args.seed)
    print(f"{len(made['images']):,} compositions from the training photos of {args.data_dir} (cached under cache/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
