"""Handwritten numbers on paper: composed numbers (train/numbers.py) photographed or scanned.

A number is laid out as on the canvas, with separators (`.` `,` `-`) between and after its
digits that the reader must skip, then drawn in a coloured ink on a sheet of paper (tint,
texture, security pattern, ruled lines, an underline, boxes), lit unevenly, shadowed, blurred
and saved as JPEG, as a phone or a scanner gives it. The photo goes through the page's own
strip preprocessing (reader/number_strip.py preprocess_number_strip), background normalisation
included, so the reader trains on what it will read.

Paper styles come in two families: TRAIN_LOOK for training and HELDOUT_LOOK, never trained on,
for the held-out test set, which is also written by other writers (MNIST test digits and the
last pendigits writers). `python -m train.paper` prints the reader's whole-number accuracy on it.
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from reader.number_strip import STRIP_INK_HEIGHTS, preprocess_number_strip
from reader.paper_ink import ink_image
from reader.paths import CACHE_DIR, MODELS_DIR
from reader.preprocess import EmptyImageError
from train.cli import command
from train.numbers import (
    FRAME,
    Style,
    break_stroke,
    draw_strokes,
    encode_label,
    lay_out,
    make_numbers,
    make_numbers_parallel,
    mnist_bank,
    number_strips_uint8,
    pen_bank,
    stack_examples,
)
from train.strokes import Stroke

# --- the digit banks --------------------------------------------------------------------
# MNIST training digits traced for training numbers (25 ms each to trace), beside 6,000 pen digits; the reader
# fine-tuned on numbers of 6,000 (bank v1) read the validation paper numbers less well (README, "Numbers on paper").
TRAIN_MNIST = 30_000
HELDOUT_MNIST = 1_500  # MNIST test digits for the held-out paper numbers, beside the held-out pen writers' 1,500
CLEAN_VALIDATION = 1_500  # the last MNIST training digits, never trained on: clean canvas numbers
PAPER_BANK_VERSION = 2  # bump when the banks change: it is part of the cache file name


def traced(images: np.ndarray, labels: np.ndarray, workers: int) -> list:
    """MNIST images -> (label, strokes), traced over `workers` processes."""
    chunks = np.array_split(np.arange(len(images)), workers * 8)
    with ProcessPoolExecutor(workers) as pool:
        parts = pool.map(mnist_bank, [images[c] for c in chunks], [labels[c] for c in chunks])
        return [item for part in parts for item in part]


def paper_bank(kind: str, cache_dir: Path = CACHE_DIR, workers: int = 2) -> list:
    """The (label, strokes) digits of one bank, cached on its own: a measurement traces only the
    digits it reads (a minute), not the training bank (6 min).

    train: the first TRAIN_MNIST MNIST training digits and the training pen writers;
    validation: the last MNIST training digits, which train/numbers.py holds out too (the clean
    canvas figure, for the old and the new reader alike); heldout: MNIST *test* digits and
    the held-out pen writers, for the paper test set only.
    """
    if kind not in ("train", "validation", "heldout"):
        raise ValueError(f"no paper bank {kind!r}: train, validation or heldout")
    path = Path(cache_dir) / f"paper_bank_v{PAPER_BANK_VERSION}_{kind}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    from train.data import load_mnist
    from train.pendigits import load_pendigits, split_by_writer

    (x_train, y_train), (x_test, y_test) = load_mnist()
    pen_train, pen_heldout = split_by_writer(load_pendigits())
    if kind == "train":
        bank = traced(x_train[:TRAIN_MNIST], y_train[:TRAIN_MNIST], workers) + pen_bank(pen_train)
    elif kind == "validation":
        bank = traced(x_train[-CLEAN_VALIDATION:], y_train[-CLEAN_VALIDATION:], workers)
    else:
        bank = traced(x_test[:HELDOUT_MNIST], y_test[:HELDOUT_MNIST], workers) + pen_bank(pen_heldout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(bank))
    return bank


# --- separators: marks between and after the digits that are not digits -------------------
# In MNIST units, in the digit frame (a digit's ink spans about y = 4 .. 24 before the row shift).
BASELINE = 24.0


def separator_strokes(kind: str, rng: np.random.Generator) -> list[Stroke]:
    """A `.`, `,`, `-` or a long trailing dash `=` drawn by hand, x from 0."""
    if kind == ".":
        x, y = rng.uniform(0, 1), BASELINE - rng.uniform(0, 1.5)
        return [np.array([[x, y], [x + rng.uniform(0.2, 0.8), y + rng.uniform(-0.3, 0.3)]])]
    if kind == ",":
        y = BASELINE - rng.uniform(0, 1.5)
        return [np.array([[1.5, y], [1.3, y + 2.0], [0.0, y + rng.uniform(3.5, 5.5)]])]
    width = rng.uniform(4, 9) if kind == "-" else rng.uniform(10, 18)
    y = FRAME / 2 + rng.uniform(-2, 3)
    return [np.array([[0.0, y], [width / 2, y + rng.uniform(-0.6, 0.6)], [width, y + rng.uniform(-1.2, 1.2)]])]


def with_separators(label: str, rng: np.random.Generator, rate: float) -> list[str]:
    """The digits of `label` with the marks people put in amounts and codes: thousands groups,
    decimal marks, dashes between groups and trailing dashes ("12.345,-"). Each item is a
    digit or a mark ('.', ',', '-', '=' for a long dash)."""
    items = list(label)
    if rng.random() >= rate or not label:
        return items
    out = list(items)
    choice = rng.choice(["thousands", "decimal", "dash", "trailing", "decimal_trailing"])
    if choice == "thousands" and len(items) > 3:
        mark = str(rng.choice([".", ","]))
        out = []
        for k, digit in enumerate(items):
            if k and (len(items) - k) % 3 == 0:
                out.append(mark)
            out.append(digit)
    elif choice in ("decimal", "decimal_trailing") and len(items) > 2:
        out = items[:-2] + [str(rng.choice([".", ","]))] + items[-2:]
    elif choice == "dash" and len(items) > 1:
        cut = int(rng.integers(1, len(items)))
        out = items[:cut] + ["-"] + items[cut:]
    if choice in ("trailing", "decimal_trailing") or (choice == "thousands" and len(items) <= 3):
        out += [str(rng.choice([",", "."]))] * int(rng.random() < 0.5) + [str(rng.choice(["-", "="]))]
    return out


def compose_marked(bank: list, rng: np.random.Generator, length: int, style: Style, mark_rate: float):
    """`length` random digits of the bank and their separators written in a row ->
    (label: the digits only, strokes in units, brush). As train/numbers.py compose_strokes."""
    brush = rng.uniform(*style.brush)
    picks = rng.choice(len(bank), size=length, replace=False)
    label = "".join(str(bank[i][0]) for i in picks)
    digit_strokes = iter(bank[i][1] for i in picks)
    glyphs = []
    for item in with_separators(label, rng, mark_rate):
        centre = np.array([FRAME / 2, FRAME / 2])
        shift = np.array([0.0, FRAME * 0.3 + rng.uniform(-style.jitter, style.jitter)])
        if item.isdigit():
            scale = rng.uniform(*style.size)
            strokes = [(s - centre) * scale + centre + shift for s in next(digit_strokes)]
            if rng.random() < style.break_rate:
                longest = max(range(len(strokes)), key=lambda j: len(strokes[j]))
                pieces = break_stroke(strokes[longest], rng.uniform(*style.break_gap), brush)
                strokes = strokes[:longest] + pieces + strokes[longest + 1 :]
        else:
            strokes = [s + np.array([0.0, FRAME * 0.3]) for s in separator_strokes(item, rng)]
        low = min(float(s[:, 0].min()) for s in strokes)
        glyphs.append([s - np.array([low, 0.0]) for s in strokes])
    return label, [s for glyph in lay_out(glyphs, brush, style, rng) for s in glyph], brush


# --- the sheet: paper, lines, ink, light and the camera ---------------------------------


@dataclass(frozen=True)
class Look:
    """One family of paper styles: the held-out family shares no colour or pattern with training."""

    inks: tuple  # RGB ink colours (a pen's, a pencil's)
    papers: tuple  # RGB paper tints
    rule_colours: tuple  # ruled lines and box edges
    patterns: tuple  # security patterns: "hatch", "waves", "dots"
    rule_spacing: tuple[float, float]  # ruled lines this many digit heights apart
    paper_rate: float = 0.9  # the share on paper; the rest is a clean canvas-like scan


TRAIN_LOOK = Look(
    inks=((15, 15, 20), (20, 30, 120), (40, 60, 170), (70, 70, 75), (110, 110, 115), (25, 25, 60)),
    papers=((255, 255, 255), (238, 238, 232), (246, 240, 222), (215, 215, 210), (235, 240, 245), (200, 200, 195)),
    rule_colours=((150, 180, 220), (120, 120, 120), (90, 120, 200), (200, 170, 170), (60, 60, 60)),
    patterns=("hatch", "dots"),
    rule_spacing=(1.1, 1.8),
)
HELDOUT_LOOK = Look(
    inks=((20, 80, 40), (90, 30, 110), (120, 25, 25), (30, 30, 30), (0, 70, 140)),
    papers=((250, 245, 190), (225, 240, 225), (240, 230, 240), (228, 228, 228), (252, 252, 252)),
    rule_colours=((170, 200, 170), (220, 120, 120), (140, 140, 190), (100, 100, 100)),
    patterns=("waves",),
    rule_spacing=(1.3, 2.2),
)
PX_PER_UNIT = (2.0, 5.0)  # a digit's ink is 40 to 100 px tall in the photo
PEN_WIDTH = (1.0, 3.6)  # units: a fine pen to a marker
MARGIN = (0.3, 1.6)  # paper around the number, in digit heights
DIGIT_HEIGHT = 20.0  # units


def paper_sheet(shape: tuple[int, int], look: Look, rng: np.random.Generator) -> np.ndarray:
    """float32 (H, W, 3) in [0, 1]: tinted paper with grain and, sometimes, a printed pattern."""
    height, width = shape
    tint = np.array(look.papers[rng.integers(len(look.papers))], np.float32) / 255
    grain = rng.normal(0, 1, (height, width)).astype(np.float32)
    blurred = Image.fromarray(np.uint8(np.clip(grain * 40 + 128, 0, 255))).filter(
        ImageFilter.GaussianBlur(rng.uniform(0.5, 3))
    )
    grain = (np.asarray(blurred, np.float32) - 128) / 40
    sheet = tint[None, None, :] * (1 + grain[..., None] * rng.uniform(0, 0.06))
    if rng.random() < 0.3:
        sheet = sheet * (1 - pattern(shape, str(rng.choice(look.patterns)), rng)[..., None] * rng.uniform(0.05, 0.3))
    return sheet.astype(np.float32)


def pattern(shape: tuple[int, int], kind: str, rng: np.random.Generator) -> np.ndarray:
    """float32 (H, W) in [0, 1]: a fine printed pattern, as on cheques and forms."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    period = rng.uniform(3, 9)
    if kind == "hatch":
        angle = rng.uniform(0, np.pi)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
    elif kind == "waves":
        phase = (yy + rng.uniform(2, 6) * np.sin(xx / rng.uniform(6, 20))) / period
    else:  # dots
        return ((np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)) > 0.7).astype(np.float32)
    return (0.5 + 0.5 * np.cos(phase * 2 * np.pi)) ** 4


def line_layer(shape: tuple[int, int], ink_box: tuple, unit: float, look: Look, rng: np.random.Generator) -> np.ndarray:
    """float32 (H, W) coverage of printed lines: ruled paper (the number on a line), a box around
    the number, a line of boxes, or nothing. ink_box is (top, left, bottom, right) in px."""
    height, width = shape
    top, left, bottom, right = ink_box
    cover = np.zeros(shape, np.float32)
    thick = max(1, int(round(rng.uniform(0.5, 2.5))))
    kind = rng.choice(["none", "ruled", "ruled", "box", "boxes", "baseline"])
    if kind == "ruled":
        spacing = rng.uniform(*look.rule_spacing) * DIGIT_HEIGHT * unit
        y = bottom + rng.uniform(-0.15, 0.1) * DIGIT_HEIGHT * unit  # written on the line, a little over or under
        starts = np.arange(y - spacing * 20, height, spacing)
        for row in starts[starts > -thick]:
            cover[max(0, int(row)) : max(0, int(row) + thick)] = 1
    elif kind == "baseline":
        row = int(bottom + rng.uniform(-0.1, 0.2) * DIGIT_HEIGHT * unit)
        cover[max(0, row) : max(0, row + thick)] = 1
    elif kind in ("box", "boxes"):
        pad = rng.uniform(0.1, 0.5, 4) * DIGIT_HEIGHT * unit
        y0, x0 = int(max(0, top - pad[0])), int(max(0, left - pad[1]))
        y1, x1 = int(min(height - thick, bottom + pad[2])), int(min(width - thick, right + pad[3]))
        cover[y0 : y0 + thick, x0:x1] = cover[y1 : y1 + thick, x0:x1] = 1
        if kind == "box":
            cover[y0:y1, x0 : x0 + thick] = cover[y0:y1, x1 : x1 + thick] = 1
    return cover


def lighting(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """float32 (H, W): uneven light (a slope across the sheet) and, sometimes, a soft shadow."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    yy, xx = yy / max(shape), xx / max(shape)
    light = 1 + rng.uniform(-0.25, 0.25) * (xx - 0.5) + rng.uniform(-0.25, 0.25) * (yy - 0.5)
    light *= rng.uniform(0.65, 1.05)
    if rng.random() < 0.35:
        angle = rng.uniform(0, 2 * np.pi)
        edge = (xx - rng.uniform(0.2, 0.8)) * np.cos(angle) + (yy - rng.uniform(0.2, 0.8)) * np.sin(angle)
        light *= 1 - rng.uniform(0.15, 0.45) / (1 + np.exp(-edge / rng.uniform(0.01, 0.08)))
    return light.astype(np.float32)


def photograph(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """float (H, W, 3) -> uint8 RGB as a phone or scanner saves it: blur, noise, JPEG."""
    image = Image.fromarray(np.uint8(np.clip(rgb * 255 + rng.normal(0, rng.uniform(0, 6), rgb.shape), 0, 255)))
    if rng.random() < 0.6:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(25, 95)))
    return np.asarray(Image.open(buffer).convert("RGB"))


HANDWRITING = Style()  # the digits are written as on the canvas (train/numbers.py); the paper is new
MARK_RATE = 0.5  # share of numbers with separators or dashes


def paper_photo(
    bank: list, rng: np.random.Generator, look: Look, style: Style = HANDWRITING, mark_rate: float = MARK_RATE
):
    """A number written on paper and photographed -> (uint8 RGB (H, W, 3), label)."""
    length = int(rng.integers(style.lengths[0], style.lengths[1] + 1))
    label, strokes, brush = compose_marked(bank, rng, length, style, mark_rate)
    on_paper = rng.random() < look.paper_rate
    brush = rng.uniform(*PEN_WIDTH) if on_paper else brush
    unit = rng.uniform(*PX_PER_UNIT)
    points = np.concatenate(strokes)
    margins = rng.uniform(*MARGIN, 4) * DIGIT_HEIGHT * unit
    low = points.min(axis=0) * unit - margins[[0, 1]]
    size = np.ceil(points.max(axis=0) * unit + margins[[2, 3]] - low).astype(int)
    width, height = int(size[0]), int(size[1])
    # Not supersampled, and every other point of long strokes: the camera blurs finer detail anyway.
    strokes = [np.vstack([s[:-1:2], s[-1:]]) if len(s) > 8 else s for s in strokes]
    ink = 1 - draw_strokes([s * unit - low for s in strokes], width, height, brush * unit) / 255.0
    if not on_paper:
        return np.repeat(np.uint8(np.round((1 - ink) * 255))[..., None], 3, axis=2), label
    ink_box = (margins[1], margins[0], height - margins[3], width - margins[2])
    sheet = paper_sheet((height, width), look, rng)
    rules = line_layer((height, width), ink_box, unit, look, rng)
    rule_colour = np.array(look.rule_colours[rng.integers(len(look.rule_colours))], np.float32) / 255
    sheet = sheet * (1 - rules[..., None]) + rule_colour * rules[..., None]
    ink_colour = np.array(look.inks[rng.integers(len(look.inks))], np.float32) / 255
    pressure = rng.uniform(0.7, 1.0)  # a light hand or a pencil leaves paper showing through
    cover = (ink * pressure)[..., None]
    rgb = (sheet * (1 - cover) + sheet * ink_colour * cover) * lighting((height, width), rng)[..., None]
    return photograph(rgb, rng), label


def paper_example(
    bank: list, rng: np.random.Generator, look: Look, ink_heights: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One paper number through the page's strip preprocessing -> (uint8 strip, or strips at
    ink_heights: train/numbers.py number_strips_uint8, encoded label)."""
    while True:
        photo, label = paper_photo(bank, rng, look)
        try:
            strips = number_strips_uint8(photo, ink_heights)
        except EmptyImageError:  # a faint pencil in deep shadow: draw another
            continue
        return strips, encode_label(label)


def make_paper_numbers(
    bank: list, count: int, seed: int, look: Look = TRAIN_LOOK, ink_heights: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """stack_examples of paper numbers, repeatable by seed."""
    rng = np.random.default_rng(seed)
    return stack_examples(lambda: paper_example(bank, rng, look, ink_heights), count)


def make_paper_numbers_parallel(
    bank: list,
    count: int,
    seed: int,
    look: Look = TRAIN_LOOK,
    ink_heights: tuple[int, ...] | None = None,
    workers: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """make_paper_numbers split over processes, each with its own seed (train/numbers.py make_numbers_parallel)."""
    return make_numbers_parallel(bank, count, seed, workers, make_paper_numbers, look, ink_heights)


# --- the sets: cached, and the held-out measurement ------------------------------------
PAPER_VERSION = 9  # bump when the paper numbers or their strip preprocessing change: it is part of the cache file names
PAPER_SEED = 4  # training paper numbers (train/number_reader.py --paper-count)
HELDOUT_SEED = 16  # the held-out test set: other writers, other paper styles, this seed only
HELDOUT_COUNT = 400
CLEAN_COUNT = 500  # clean canvas numbers from the validation digits, for the old and the new reader
CLEAN_SEED = 2
VALIDATION_SEED = 8  # paper numbers for choices (a blend share, how a strip is read): validation digits, training looks
VALIDATION_COUNT = 400
CHUNK = 250  # training numbers are made and cached this many at a time


def cached_set(cache_dir: Path, name: str, make) -> tuple[np.ndarray, np.ndarray]:
    """make() -> (x, y), made once and kept as cache_dir/<name>.npz (minutes to make)."""
    path = Path(cache_dir) / f"{name}.npz"
    if path.exists():
        data = np.load(path)
        return data["x"], data["y"]
    x, y = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x=x, y=y)
    return x, y


def in_chunks(count: int, chunk_set) -> tuple[np.ndarray, np.ndarray]:
    """chunk_set(k, size) for k = 0, 1, ... until `count` numbers: each chunk is cached on its own,
    so a set grows without making again what is made, and a stopped run keeps its chunks."""
    parts = [chunk_set(k, min(CHUNK, count - k * CHUNK)) for k in range(-(-count // CHUNK))]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def training_paper_numbers(count: int, cache_dir: Path = CACHE_DIR) -> tuple[np.ndarray, np.ndarray]:
    bank = paper_bank("train", cache_dir)

    def chunk(k: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        seed = PAPER_SEED * 1000 + k
        return cached_set(
            cache_dir,
            f"paper_v{PAPER_VERSION}_train_n{size}_s{seed}",
            lambda: make_paper_numbers_parallel(bank, size, seed),
        )

    return in_chunks(count, chunk)


def training_clean_numbers(count: int, cache_dir: Path = CACHE_DIR) -> tuple[np.ndarray, np.ndarray]:
    """Canvas numbers (train/numbers.py) from the same training digits, so the reader keeps the canvas."""

    bank = paper_bank("train", cache_dir)

    def chunk(k: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        seed = PAPER_SEED * 1000 + k
        return cached_set(
            cache_dir, f"paper_v{PAPER_VERSION}_clean_n{size}_s{seed}", lambda: make_numbers_parallel(bank, size, seed)
        )

    return in_chunks(count, chunk)


def heights_tag(ink_heights: tuple[int, ...] = STRIP_INK_HEIGHTS) -> str:
    """The ink heights a measurement set holds, as its cache file names spell them: "h24-22-26"."""
    return "h" + "-".join(str(h) for h in ink_heights)


def heldout_name(count: int = HELDOUT_COUNT) -> str:
    """The held-out set's cache file name, without .npz."""
    return f"paper_v{PAPER_VERSION}_heldout_{heights_tag()}_n{count}_s{HELDOUT_SEED}"


# The measurement sets hold each number's strip at every ink height the app reads (STRIP_INK_HEIGHTS,
# x uint8 (count, heights, 32, 256)): train/number_reader.py whole_number_accuracy reads them as
# reader/read.py does, the sizes voting; x[:, 0] is the one strip the reader trained on.
def heldout_paper_numbers(cache_dir: Path = CACHE_DIR, count: int = HELDOUT_COUNT) -> tuple[np.ndarray, np.ndarray]:
    """The honest test: held-out writers on held-out paper styles, under a seed used for nothing else."""
    bank = paper_bank("heldout", cache_dir)
    return cached_set(
        cache_dir,
        heldout_name(count),
        lambda: make_paper_numbers_parallel(bank, count, HELDOUT_SEED, HELDOUT_LOOK, STRIP_INK_HEIGHTS),
    )


def paper_validation_numbers(
    cache_dir: Path = CACHE_DIR, count: int = VALIDATION_COUNT
) -> tuple[np.ndarray, np.ndarray]:
    """Paper numbers to choose on, so the held-out test set is only ever measured: the validation
    digits (never trained on) on the training paper styles, under their own seed."""
    bank = paper_bank("validation", cache_dir)
    name = f"paper_v{PAPER_VERSION}_validation_{heights_tag()}_n{count}_s{VALIDATION_SEED}"
    return cached_set(
        cache_dir,
        name,
        lambda: make_paper_numbers_parallel(bank, count, VALIDATION_SEED, TRAIN_LOOK, STRIP_INK_HEIGHTS),
    )


def clean_validation_numbers(cache_dir: Path = CACHE_DIR, count: int = CLEAN_COUNT) -> tuple[np.ndarray, np.ndarray]:
    """Canvas numbers from MNIST training digits no reader trained on."""

    bank = paper_bank("validation", cache_dir)
    name = f"paper_v{PAPER_VERSION}_cleanval_{heights_tag()}_n{count}_s{CLEAN_SEED}"
    return cached_set(
        cache_dir,
        name,
        lambda: make_numbers_parallel(bank, count, CLEAN_SEED, 2, make_numbers, Style(), STRIP_INK_HEIGHTS),
    )


def measure(model_path: Path, cache_dir: Path = CACHE_DIR) -> dict:
    """Whole-number accuracy, overall and by length, on held-out paper numbers, on the paper validation
    numbers and on clean canvas numbers: read as the app reads them (the strip at each ink height,
    voting), and the reader's one 24-px strip alone (one_strip_accuracy, the figure before the vote)."""
    import tf_keras as keras

    from reader.decode import agreed_reading
    from train.number_accuracy import height_readings, readings_accuracy

    model = keras.models.load_model(model_path, compile=False)
    figures = {}
    for name, (x, y) in (
        ("paper_heldout", heldout_paper_numbers(cache_dir)),
        ("paper_validation", paper_validation_numbers(cache_dir)),
        ("clean_canvas", clean_validation_numbers(cache_dir)),
    ):
        readings = height_readings(model, x)  # one pass: the vote, and the 24-px strip alone from the same reads
        one_strip = readings_accuracy([r[0] for r in readings], y)["whole_number_accuracy"]
        voted = readings_accuracy([r[agreed_reading(r)] for r in readings], y)
        figures[name] = {**voted, "one_strip_accuracy": one_strip}
    return figures


SHEET_WIDTH = 420  # px per column of the sheet
SHEET_ROWS = 8


def preprocessing_sheet(bank: list, rows: int = SHEET_ROWS, seed: int = HELDOUT_SEED) -> Image.Image:
    """Hard cases before and after: each row a photo of a held-out number on paper, the ink that
    reader/paper_ink.py ink_image finds in it (paper, lines and shadows taken out), and the strip."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    tiles = []
    for _ in range(rows):
        photo, label = paper_photo(bank, rng, HELDOUT_LOOK if len(tiles) % 2 else TRAIN_LOOK, mark_rate=0.8)
        try:
            ink = ink_image(photo)
            strip, _ = preprocess_number_strip(photo)
        except EmptyImageError:
            continue
        height = round(photo.shape[0] * SHEET_WIDTH / photo.shape[1])
        cells = [
            Image.fromarray(photo).resize((SHEET_WIDTH, height)),
            Image.fromarray(np.uint8(ink * 255)).convert("RGB").resize((SHEET_WIDTH, height)),
            Image.fromarray(np.uint8(strip * 255)).convert("RGB").resize((SHEET_WIDTH, SHEET_WIDTH // 8)),
        ]
        tile = Image.new("RGB", (3 * SHEET_WIDTH + 20, height + 18), "white")
        for k, cell in enumerate(cells):
            tile.paste(cell, (k * (SHEET_WIDTH + 10), 18))
        ImageDraw.Draw(tile).text((2, 2), f"number {label}", fill="black")
        tiles.append(tile)
    header = Image.new("RGB", (3 * SHEET_WIDTH + 20, 20), "white")
    for k, title in enumerate(("photo (held-out writers)", "ink found (ink_image)", "number reader's strip")):
        ImageDraw.Draw(header).text((k * (SHEET_WIDTH + 10), 4), title, fill="black")
    sheet = Image.new("RGB", (header.width, header.height + sum(t.height + 6 for t in tiles)), "white")
    sheet.paste(header, (0, 0))
    top = header.height
    for tile in tiles:
        sheet.paste(tile, (0, top))
        top += tile.height + 6
    return sheet


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Whole-number accuracy of a number reader on held-out paper numbers and clean canvas numbers."
    )
    parser.add_argument("--model", default=str(MODELS_DIR / "number_reader.keras"), help="default: the committed one")
    parser.add_argument("--cache-dir", default=str(CACHE_DIR), help="default: cache/")
    parser.add_argument("--record", action="store_true", help="write the figures into models/metrics.json")
    parser.add_argument("--sheet", help="instead, draw hard cases before and after preprocessing into this PNG")
    args = parser.parse_args(argv)
    if args.sheet:
        preprocessing_sheet(paper_bank("heldout", Path(args.cache_dir))).save(args.sheet)
        print(f"wrote {args.sheet}")
        return 0
    figures = measure(Path(args.model), Path(args.cache_dir))
    if args.record:
        from train.evaluate import update_metrics

        update_metrics("number_reader", figures)
    print(json.dumps({"model": args.model, **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
