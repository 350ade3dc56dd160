"""Handwritten whole numbers composed from single digits: the number reader's training data.

Each digit is a stroke drawing in MNIST's 28 x 28 frame (units = MNIST pixels): MNIST
training digits redrawn as strokes (train/strokes.py) and real pen trajectories from the
pendigits training writers. A number is written in a row the way a person writes: the
next digit starts a little after the last one's ink ends, row by row (a 4 may tuck under
a 7's bar), some pairs touch, some strokes break where the pen skipped, digits drift off
the line and vary in size. The row is drawn with a round brush, dark on white as on the
page's canvas, and goes through the page's own strip preprocessing
(reader/number_strip.py preprocess_number_strip).

The ranges are wider than the browser test's composer (tests/numbers.py), which uses MNIST
*test* digits: the reader must not learn one composer's habits.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reader.number_strip import STRIP_HEIGHT, STRIP_WIDTH, number_box, preprocess_number_strip, strip_at
from reader.paper_ink import ink_image
from reader.paths import CACHE_DIR
from train.cli import command
from train.data import load_mnist
from train.strokes import Stroke, image_strokes, place_strokes

FRAME = 28  # digits live in MNIST's 28 x 28 frame
MAX_DIGITS = 8  # the number canvas holds 1 to 8 digits
LAYOUT_PX = 2.0  # px per unit for the row-by-row layout masks
RENDER_PX = 4.0  # px per unit of the rendered row (the page's canvas has about 7)
SUPERSAMPLE = 2  # anti-aliased as a canvas draws
BANK_VERSION = 1  # bump when the bank changes: it is part of the cache file name
VALIDATION_DIGITS = 5000  # the last MNIST training digits: validation numbers only


@dataclass(frozen=True)
class Style:
    """Ranges a number is drawn from; units are MNIST pixels (a digit's ink is about 20 tall)."""

    lengths: tuple[int, int] = (1, MAX_DIGITS)
    size: tuple[float, float] = (0.85, 1.15)  # each digit's scale
    spacing: tuple[float, float] = (-3.0, 12.0)  # gap between neighbours' boxes: some overhang to wide
    min_gap: float = 0.6  # paper at least between neighbours that do not touch
    touch_rate: float = 0.2  # share of neighbouring pairs whose ink touches
    touch_depth: tuple[float, float] = (0.1, 0.6)
    break_rate: float = 0.15  # share of digits with a stroke broken by a skipped pen
    break_gap: tuple[float, float] = (0.6, 1.8)
    jitter: float = 2.5  # off the line, up or down
    brush: tuple[float, float] = (1.6, 4.0)  # the page's medium brush is about 2.6


def break_stroke(stroke: Stroke, gap: float, brush: float) -> list[Stroke]:
    """Cut the stroke at the middle of its length, leaving `gap` of paper between the two ends."""
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    cut = gap + brush  # round caps reach half a brush past each end
    if along[-1] < 3 * cut:
        return [stroke]
    start, end = along[-1] / 2 - cut / 2, along[-1] / 2 + cut / 2
    point_at = lambda t: np.array([np.interp(t, along, stroke[:, i]) for i in (0, 1)])
    head = np.vstack([stroke[along < start], point_at(start)])
    tail = np.vstack([point_at(end), stroke[along > end]])
    return [head, tail]


def draw_strokes(strokes: list[Stroke], width: int, height: int, brush: float, supersample: int = 1) -> np.ndarray:
    """uint8 (height, width) dark ink on white with a round brush `brush` px wide, anti-aliased
    as a canvas draws when supersample > 1 (drawn that many times larger, then averaged)."""
    k = supersample
    image = Image.new("L", (width * k, height * k), 255)
    draw = ImageDraw.Draw(image)
    r = brush * k / 2
    for stroke in strokes:
        xy = [(float(x) * k, float(y) * k) for x, y in stroke]
        if len(xy) > 1:
            draw.line(xy, fill=0, width=max(1, int(round(brush * k))), joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return np.asarray(image.reduce(k)) if k > 1 else np.asarray(image)


def row_extents(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first and last ink column (+inf / -inf on rows without ink)."""
    cols = np.arange(mask.shape[1])
    first = np.where(mask, cols, np.inf).min(axis=1)
    last = np.where(mask, cols, -np.inf).max(axis=1)
    return first, last


def digit_extents(strokes: list[Stroke], brush: float, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last ink x (units) per layout row of a digit whose strokes start near x = 0."""
    width = int(np.ceil(FRAME * 1.6 * LAYOUT_PX))
    scaled = [s * LAYOUT_PX for s in strokes]
    mask = draw_strokes(scaled, width, rows, brush * LAYOUT_PX) < 128
    first, last = row_extents(mask)
    return first / LAYOUT_PX, last / LAYOUT_PX


def lay_out(digits: list[list[Stroke]], brush: float, style: Style, rng: np.random.Generator) -> list[list[Stroke]]:
    """Strokes of digits with x from 0 -> strokes written left to right in one row."""
    rows = int(np.ceil((FRAME * 1.6) * LAYOUT_PX))
    placed, right_edge = [], None
    for k, strokes in enumerate(digits):
        first, last = digit_extents(strokes, brush, rows)
        if k == 0:
            x = -float(first.min())
        else:
            both = np.isfinite(first) & np.isfinite(right_edge)
            contact = float(np.max(right_edge[both] - first[both])) if both.any() else float(right_edge.max())
            if both.any() and rng.random() < style.touch_rate:
                x = contact - rng.uniform(*style.touch_depth)
            else:
                spaced = float(right_edge.max()) - float(first.min()) + rng.uniform(*style.spacing)
                x = max(spaced, contact + style.min_gap)
        placed.append([s + np.array([x, 0.0]) for s in strokes])
        right_edge = last + x if right_edge is None else np.maximum(right_edge, last + x)
    return placed


def compose_strokes(bank: list, rng: np.random.Generator, length: int, style: Style) -> tuple[str, list[Stroke], float]:
    """`length` random digits of the bank written in a row -> (label, strokes in units, brush)."""
    brush = rng.uniform(*style.brush)
    picks = rng.choice(len(bank), size=length, replace=False)
    digits = []
    for i in picks:
        _, strokes = bank[i]
        scale = rng.uniform(*style.size)
        centre = np.array([FRAME / 2, FRAME / 2])
        # Room above for the jitter: the layout masks start at y = 0.
        shift = np.array([0.0, FRAME * 0.3 + rng.uniform(-style.jitter, style.jitter)])
        strokes = [(s - centre) * scale + centre + shift for s in strokes]
        if rng.random() < style.break_rate:
            longest = max(range(len(strokes)), key=lambda j: len(strokes[j]))
            pieces = break_stroke(strokes[longest], rng.uniform(*style.break_gap), brush)
            strokes = strokes[:longest] + pieces + strokes[longest + 1 :]
        low = min(float(s[:, 0].min()) for s in strokes)
        digits.append([s - np.array([low, 0.0]) for s in strokes])
    label = "".join(str(bank[i][0]) for i in picks)
    return label, [s for digit in lay_out(digits, brush, style, rng) for s in digit], brush


def render_number(strokes: list[Stroke], brush: float, px: float = RENDER_PX) -> np.ndarray:
    """Strokes in units -> uint8 dark-on-white image of the row with a margin, as a canvas holds it."""
    points = np.concatenate(strokes)
    margin = brush + 2
    low = points.min(axis=0) - margin
    high = points.max(axis=0) + margin
    size = np.ceil((high - low) * px).astype(int)
    return draw_strokes([(s - low) * px for s in strokes], int(size[0]), int(size[1]), brush * px, SUPERSAMPLE)


def encode_label(label: str) -> np.ndarray:
    """ "407" -> [3, 4, 0, 7, 0, 0, ...]: the length, then the digits padded to MAX_DIGITS (the CTC targets)."""
    out = np.zeros(MAX_DIGITS + 1, dtype=np.int32)
    out[0] = len(label)
    out[1 : 1 + len(label)] = [int(c) for c in label]
    return out


def number_strips_uint8(image: np.ndarray, ink_heights: tuple[int, ...] | None = None) -> np.ndarray:
    """An image of a written number -> its strip as the reader trains on it (uint8 (32, 256)), or,
    with ink_heights, its strip at each of them (uint8 (len(ink_heights), 32, 256)) for a measurement
    that reads numbers as reader/read.py does (several sizes that vote). Raises EmptyImageError when blank."""
    if ink_heights is None:
        strip, _ = preprocess_number_strip(image)
        return np.round(strip * 255).astype(np.uint8)
    ink = ink_image(image)
    box = number_box(ink)
    return np.stack([np.round(strip_at(ink, box, height)[0] * 255).astype(np.uint8) for height in ink_heights])


def composed_number(bank: list, rng: np.random.Generator, style: Style) -> tuple[np.ndarray, str]:
    """A number of random length composed from the bank and drawn as on the canvas -> (image, label)."""
    length = int(rng.integers(style.lengths[0], style.lengths[1] + 1))
    label, strokes, brush = compose_strokes(bank, rng, length, style)
    return render_number(strokes, brush), label


def number_example(
    bank: list, rng: np.random.Generator, style: Style, ink_heights: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    image, label = composed_number(bank, rng, style)
    return number_strips_uint8(image, ink_heights), encode_label(label)


def stack_examples(example: Callable[[], tuple[np.ndarray, np.ndarray]], count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` calls of example() -> (x uint8 (count, STRIP_HEIGHT, STRIP_WIDTH), or (count, heights,
    STRIP_HEIGHT, STRIP_WIDTH) for strips at several ink heights, y int32 (count, 1 + MAX_DIGITS))."""
    if not count:
        return np.zeros((0, STRIP_HEIGHT, STRIP_WIDTH), np.uint8), np.zeros((0, MAX_DIGITS + 1), np.int32)
    examples = [example() for _ in range(count)]
    return np.stack([x for x, _ in examples]), np.stack([y for _, y in examples]).astype(np.int32)


def make_numbers(
    bank: list, count: int, seed: int, style: Style = Style(), ink_heights: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """stack_examples of composed numbers drawn as on the canvas, repeatable by seed."""
    rng = np.random.default_rng(seed)
    return stack_examples(lambda: number_example(bank, rng, style, ink_heights), count)


def make_numbers_parallel(
    bank: list, count: int, seed: int, workers: int = 2, make: Callable = make_numbers, *more
) -> tuple[np.ndarray, np.ndarray]:
    """make(bank, count, seed, *more) (make_numbers) split over processes, each with its own seed;
    repeatable for a given worker count."""
    chunks = [count // workers + (i < count % workers) for i in range(workers)]
    seeds = [seed * 1000 + i for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(make, [bank] * workers, chunks, seeds, *[[m] * workers for m in more]))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# --- the digit bank: stroke drawings in the 28 x 28 frame --------------------------------


def mnist_bank(images: np.ndarray, labels: np.ndarray) -> list[tuple[int, list[Stroke]]]:
    return [(int(label), image_strokes(image)) for image, label in zip(images, labels)]


def pen_bank(pen_digits: list) -> list[tuple[int, list[Stroke]]]:
    """Pen trajectories (y up) -> strokes whose longer side is 20 units, centred in the frame, as MNIST's."""
    return [(d.label, place_strokes(d.strokes, size_fraction=20 / FRAME, canvas_size=FRAME)) for d in pen_digits]


def bank_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"number_bank_v{BANK_VERSION}.pkl"


def digit_banks(cache_dir: Path = CACHE_DIR, workers: int = 2, limit: int | None = None) -> dict:
    """{"train": [...], "validation": [...]} of (label, strokes), cached: tracing 60,000 MNIST
    skeletons takes minutes. Validation holds the last MNIST training digits, never trained on."""
    path = bank_path(cache_dir)
    if limit is None and path.exists():
        return pickle.loads(path.read_bytes())
    from train.pendigits import load_pendigits, split_by_writer

    (x_train, y_train), _ = load_mnist()
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    split = len(x_train) - min(VALIDATION_DIGITS, len(x_train) // 5)
    chunks = np.array_split(np.arange(len(x_train)), workers * 8)
    with ProcessPoolExecutor(workers) as pool:
        traced = pool.map(mnist_bank, [x_train[c] for c in chunks], [y_train[c] for c in chunks])
        mnist = [item for part in traced for item in part]
    pen_train, _ = split_by_writer(load_pendigits())
    banks = {"train": mnist[:split] + pen_bank(pen_train), "validation": mnist[split:]}
    if limit is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(banks))
    return banks


def validation_bank(cache_dir: Path = CACHE_DIR, workers: int = 2) -> list:
    """digit_banks()["validation"], the same digits in the same order, without tracing the training
    digits when the bank is not cached: a check that needs only validation numbers (the export's)
    then takes a minute, not 25."""
    path = bank_path(cache_dir)
    if path.exists():
        return pickle.loads(path.read_bytes())["validation"]
    (x_train, y_train), _ = load_mnist()
    first = len(x_train) - min(VALIDATION_DIGITS, len(x_train) // 5)
    chunks = np.array_split(np.arange(first, len(x_train)), workers * 8)
    with ProcessPoolExecutor(workers) as pool:
        traced = pool.map(mnist_bank, [x_train[c] for c in chunks], [y_train[c] for c in chunks])
        return [item for part in traced for item in part]


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Trace the digit bank for composed numbers (cached).")
    parser.add_argument("--workers", type=int, default=2, help="processes (default: 2)")
    args = parser.parse_args(argv)
    banks = digit_banks(workers=args.workers)
    print({name: len(bank) for name, bank in banks.items()}, "->", bank_path(CACHE_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
