"""Strips with no number in them, labelled empty: what the number reader must read as nothing.

A photo of noise, a grey blot, a lone dash or underline, a few dots, an `=` on paper: each goes
through the app's own preprocessing (train/numbers.py number_strips_uint8, as the CLI, the API and
the page's number photo make a strip) and, where that does not already call it blank, becomes a
training strip whose label has no digits. The number reader's CTC then learns to put out only
blanks for them, so such images are refused ("no number could be read") rather than read as 0 or 1.
Lines that stand upright are left out: alone, a short one is a 1.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from tqdm import tqdm

from reader.paths import CACHE_DIR
from reader.preprocess import EmptyImageError
from train.numbers import encode_label, number_strips_uint8

NOT_NUMBERS_VERSION = 1  # bump when the kinds change: it is part of the cache file name
KINDS = ("noise", "blurred noise", "noise patch", "blot", "dash", "dots", "equals")
SIDE = (40, 420)  # each side of an image, in px
CHUNK = 250
UPRIGHT = 0.7  # ink narrower than this times its height is left out: it looks like a 1


def paper(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Light paper with a little grain, uint8."""
    level = rng.uniform(170, 250)
    grain = rng.normal(0, rng.uniform(0, 8), (height, width))
    return np.clip(level + grain, 0, 255).astype(np.uint8)


def noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    return rng.integers(0, 256, (height, width), dtype=np.uint8)


def blurred_noise(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    image = Image.fromarray(noise(rng, height, width)).filter(ImageFilter.GaussianBlur(rng.uniform(0.7, 3)))
    return np.asarray(image)


def noise_patch(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Paper with a rectangle of noise somewhere on it, a quarter to nearly all of each side."""
    pixels = paper(rng, height, width)
    h, w = int(height * rng.uniform(0.25, 0.9)), int(width * rng.uniform(0.25, 0.9))
    top, left = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    pixels[top : top + h, left : left + w] = noise(rng, h, w)
    return pixels


def with_ink(rng: np.random.Generator, height: int, width: int, draw_ink) -> np.ndarray:
    """Paper with dark ink drawn by draw_ink(ImageDraw, rng, height, width, ink shade)."""
    image = Image.fromarray(paper(rng, height, width))
    draw_ink(ImageDraw.Draw(image), rng, height, width, int(rng.integers(0, 110)))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2))))


def blot(draw: ImageDraw.ImageDraw, rng: np.random.Generator, height: int, width: int, ink: int) -> None:
    h, w = height * rng.uniform(0.2, 0.8), width * rng.uniform(0.2, 0.8)
    top, left = rng.uniform(0, height - h), rng.uniform(0, width - w)
    shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
    shape((left, top, left + w, top + h), fill=ink)


def dash(draw: ImageDraw.ImageDraw, rng: np.random.Generator, height: int, width: int, ink: int) -> None:
    """A dash or an underline: long or short, a little slanted, 1-5 % of the width thick."""
    length = width * rng.uniform(0.1, 0.9)
    x0, y0 = rng.uniform(0, width - length), rng.uniform(0.1, 0.9) * height
    rise = length * rng.uniform(-0.08, 0.08)
    draw.line((x0, y0, x0 + length, y0 + rise), fill=ink, width=max(1, int(width * rng.uniform(0.01, 0.05))))


def dots(draw: ImageDraw.ImageDraw, rng: np.random.Generator, height: int, width: int, ink: int) -> None:
    for _ in range(int(rng.integers(1, 5))):
        r = max(1.0, min(height, width) * rng.uniform(0.01, 0.04))
        x, y = rng.uniform(r, width - r), rng.uniform(r, height - r)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)


def equals(draw: ImageDraw.ImageDraw, rng: np.random.Generator, height: int, width: int, ink: int) -> None:
    """Two dashes one above the other, as `=` after an amount."""
    length = width * rng.uniform(0.1, 0.5)
    x0, y0 = rng.uniform(0, width - length), rng.uniform(0.2, 0.7) * height
    gap, thick = height * rng.uniform(0.04, 0.15), max(1, int(width * rng.uniform(0.01, 0.03)))
    for y in (y0, y0 + gap):
        draw.line((x0, y, x0 + length, y), fill=ink, width=thick)


MAKERS = {
    "noise": noise,
    "blurred noise": blurred_noise,
    "noise patch": noise_patch,
    "blot": lambda rng, h, w: with_ink(rng, h, w, blot),
    "dash": lambda rng, h, w: with_ink(rng, h, w, dash),
    "dots": lambda rng, h, w: with_ink(rng, h, w, dots),
    "equals": lambda rng, h, w: with_ink(rng, h, w, equals),
}


def not_a_number(rng: np.random.Generator, kind: str) -> np.ndarray:
    """One image of `kind` with no number in it, uint8 grey, light or (a fifth of them) dark paper."""
    height, width = (int(s) for s in rng.integers(*SIDE, size=2))
    pixels = MAKERS[kind](rng, height, width)
    return 255 - pixels if rng.random() < 0.2 else pixels


def upright(strip: np.ndarray) -> bool:
    """Whether a strip's ink is narrower than UPRIGHT times its height: a tall narrow image of noise, or a
    dash cut short, ends up as an upright bar, and that is how a 1 looks."""
    rows, cols = np.flatnonzero(strip.max(axis=1) > 25), np.flatnonzero(strip.max(axis=0) > 25)
    return rows.size == 0 or cols[-1] - cols[0] + 1 < UPRIGHT * (rows[-1] - rows[0] + 1)


def empty_strips_chunk(seed: int, count: int) -> list[np.ndarray]:
    """Strips of `count` images with no number, the kinds in turn; an image the preprocessing calls blank
    gives no strip (it is refused before the reader sees it), nor does one whose strip is upright."""
    rng = np.random.default_rng(seed)
    strips = []
    for k in range(count):
        try:
            strip = number_strips_uint8(not_a_number(rng, KINDS[k % len(KINDS)]))
        except EmptyImageError:
            continue
        if not upright(strip):
            strips.append(strip)
    return strips


def empty_strips(count: int, seed: int, cache_dir=CACHE_DIR, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Strips of `count` images with no number (fewer: some are blank) as (x uint8 (N, 32, 256), y encoded
    empty labels), made once (a minute per thousand on 2 cores) and cached."""
    from train.paper import cached_set

    def make() -> tuple[np.ndarray, np.ndarray]:
        seeds = [seed * 10_000 + k for k in range(-(-count // CHUNK))]
        sizes = [min(CHUNK, count - k * CHUNK) for k in range(len(seeds))]
        with ProcessPoolExecutor(workers) as pool:
            chunks = tqdm(pool.map(empty_strips_chunk, seeds, sizes), total=len(seeds), desc="strips with no number")
            x = np.stack([s for chunk in chunks for s in chunk])
        return x, np.stack([encode_label("")] * len(x))

    return cached_set(cache_dir, f"not_numbers_v{NOT_NUMBERS_VERSION}_n{count}_s{seed}", make)
