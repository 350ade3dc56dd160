"""Procedural surfaces: noise banks, walls (masonry, wood, siding, metal, hedge, glass), shading and finishes."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from PIL import Image, ImageFilter

from train.synth.geometry import pixel_grid, pixels_to_wall, wall_coordinates
from train.synth.look import jitter_colour

NOISE_CELLS = (2, 4, 8, 16, 32, 64, 128)  # feature sizes (pixels) of the precomputed noise tiles


NOISE_BANK = 704  # noise tile side: larger than any scene


NOISE_SEED = 20240601  # the tiles are the same in every process, so samples stay deterministic


@cache
def noise_bank(cell: int) -> np.ndarray:
    """A large tile of smooth noise in [0, 1] with features `cell` pixels across (a coarse grid, upsampled).

    Made once per process from a fixed seed; samples take random windows of it, which is far
    cheaper than upsampling fresh noise for every image.
    """
    grid = np.random.default_rng([NOISE_SEED, cell]).random((NOISE_BANK // cell + 3,) * 2).astype(np.float32)
    size = grid.shape[0] * cell
    big = Image.fromarray(grid, "F").resize((size, size), Image.BICUBIC)
    tile = np.asarray(big, dtype=np.float32)[:NOISE_BANK, :NOISE_BANK]
    tile.flags.writeable = False
    return tile


@cache
def white_bank() -> np.ndarray:
    """Standard normal noise, (NOISE_BANK, NOISE_BANK, 3), fixed: windows of it serve as sensor noise and grain."""
    bank = np.random.default_rng([NOISE_SEED, 0]).standard_normal((NOISE_BANK, NOISE_BANK, 3), dtype=np.float32)
    bank.flags.writeable = False
    return bank


def white_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Per-pixel N(0, 1) noise of shape (H, W) or (H, W, 3): a random window of the bank."""
    h, w = shape[:2]
    y, x = rng.integers(0, NOISE_BANK - h + 1), rng.integers(0, NOISE_BANK - w + 1)
    window = white_bank()[y : y + h, x : x + w]
    return window if len(shape) == 3 else window[..., int(rng.integers(3))]


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth noise in [0, 1] with features about `cell` pixels across: a random window of a bank."""
    exponent = int(np.clip(round(math.log2(max(1.0, cell))), 1, len(NOISE_CELLS)))
    bank = noise_bank(NOISE_CELLS[exponent - 1])
    h, w = shape
    y, x = rng.integers(0, NOISE_BANK - h + 1), rng.integers(0, NOISE_BANK - w + 1)
    window = bank[y : y + h, x : x + w]
    return window[::-1] if rng.random() < 0.5 else window


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float, octaves: int = 3) -> np.ndarray:
    """Zero-mean noise with detail at several scales (stucco, stains, rust)."""
    total = np.zeros(shape, np.float32)
    for octave in range(octaves):
        total += (value_noise(rng, shape, cell / 2**octave) - 0.5) / 2**octave
    return total


def masonry(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, rgb: np.ndarray, stone: bool) -> np.ndarray:
    """Bricks (or larger stone blocks) in running bond with mortar joints."""
    course = rng.uniform(0.6, 1.3) if stone else rng.uniform(0.3, 0.75)
    length = course * rng.uniform(1.4, 2.2 if stone else 3.2)
    joint = course * rng.uniform(0.05, 0.14)
    row = np.floor(v / course)
    shifted = u + np.mod(row, 2) * length * 0.5 + (np.mod(row * 7, 5) * length * 0.23 if stone else 0)
    col = np.floor(shifted / length)
    # Bricks differ mostly in lightness, a little in hue.
    table = rng.normal(0, 0.025, (32, 32, 3)).astype(np.float32) + rng.normal(0, 0.08, (32, 32, 1)).astype(np.float32)
    tint = table[np.mod(row, 32).astype(int), np.mod(col, 32).astype(int)]
    mortar = (v - row * course < joint) | (shifted - col * length < joint)
    mortar_rgb = jitter_colour(rng, (0.72, 0.7, 0.66) if rng.random() < 0.7 else (0.35, 0.33, 0.3))
    out = np.where(mortar[..., None], mortar_rgb, rgb * (1 + tint))
    return out.astype(np.float32)


def wood(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, rgb: np.ndarray) -> np.ndarray:
    """Planks (horizontal or upright) with grain and dark gaps."""
    if rng.random() < 0.35:
        u, v = v, u
    width = rng.uniform(0.5, 1.6)
    plank = np.floor(v / width)
    phase = np.mod(plank * 2.7, 6.28)
    grain = np.sin((v * rng.uniform(8, 20) + phase + 0.6 * np.sin(u * rng.uniform(0.5, 2))) * 2.0)
    gap = (v - plank * width) < width * 0.05
    shade = 1 + 0.08 * grain[..., None] + 0.06 * np.cos(phase)[..., None]
    return np.where(gap[..., None], rgb * 0.45, rgb * shade).astype(np.float32)


def siding(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, rgb: np.ndarray) -> np.ndarray:
    """Overlapping clapboards: each board darkens towards the shadow of the one above."""
    board = rng.uniform(0.35, 0.9)
    frac = np.mod(v / board, 1.0)
    shade = 0.72 + 0.3 * np.minimum(1.0, frac * 4)
    return (rgb * shade[..., None]).astype(np.float32)


def corrugated(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, rgb: np.ndarray) -> np.ndarray:
    """Corrugated or ribbed metal, or a brushed sheet."""
    if rng.random() < 0.5:
        period = rng.uniform(0.15, 0.5)
        shade = 0.85 + 0.18 * np.sin(u * 6.283 / period)
    else:
        shade = 0.95 + 0.08 * np.sin(v * 40 + np.sin(u * 3))
    return (rgb * shade[..., None]).astype(np.float32)


def leaves(shape: tuple[int, int], rng: np.random.Generator, rgb: np.ndarray, unit: float) -> np.ndarray:
    """A hedge: crisp leaf shapes over dark gaps, lit unevenly."""
    fine = value_noise(rng, shape, max(2.0, unit * rng.uniform(0.06, 0.15)))
    mid = value_noise(rng, shape, max(2.0, unit * rng.uniform(0.2, 0.4)))
    large = value_noise(rng, shape, max(4.0, unit * 1.2))
    leaf = np.clip((fine * 0.7 + mid * 0.5 - 0.55) * 4, 0, 1)
    light = (leaf * (0.5 + large))[..., None]
    return (rgb * (0.3 + 1.1 * light) + np.float32(0.05) * light * np.array([1, 1, 0], np.float32)).astype(np.float32)


def glass(shape: tuple[int, int], rng: np.random.Generator, rgb: np.ndarray) -> np.ndarray:
    """A door or window pane: dark, with a soft diagonal reflection."""
    ys, xs = pixel_grid(shape)
    angle = rng.uniform(0.3, 1.2)
    streak = np.sin((xs * np.cos(angle) + ys * np.sin(angle)) / max(shape) * rng.uniform(2, 6) + rng.uniform(0, 6))
    return (rgb + 0.08 * np.clip(streak, 0, 1)[..., None]).astype(np.float32)


def wall_texture(
    kind: str, rng: np.random.Generator, rgb: np.ndarray, shape: tuple[int, int], to_wall: np.ndarray, unit: float
) -> np.ndarray:
    """float32 (H, W, 3): the wall behind the sign, its pattern on the sign's plane; unit: digit height in pixels."""
    u, v = wall_coordinates(shape, to_wall)
    if kind in ("brick", "stone"):
        out = masonry(u, v, rng, rgb, stone=kind == "stone")
    elif kind == "wood":
        out = wood(u, v, rng, rgb)
    elif kind == "siding":
        out = siding(u, v, rng, rgb)
    elif kind == "metal":
        out = corrugated(u, v, rng, rgb)
    elif kind == "foliage":
        out = leaves(shape, rng, rgb, unit)
    elif kind == "glass":
        out = glass(shape, rng, rgb)
    else:
        out = np.broadcast_to(rgb, (*shape, 3)).astype(np.float32)
    grime = fractal_noise(rng, shape, unit * rng.uniform(0.3, 1.5)) * rng.uniform(0.03, 0.12)
    grain = white_noise(rng, shape) * rng.uniform(0.0, 0.025)
    return out * (1 + grime + grain)[..., None]


def shifted(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The mask moved by (dx, dy) pixels, zero-filled: a hard shadow."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    out[max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)] = mask[
        max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)
    ]
    return out


def soft(mask: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian-blurred mask (float in [0, 1]); PIL's blur is much faster than scipy's on small images."""
    if radius < 0.3:
        return mask
    image = Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(float(radius)))
    return np.asarray(image, dtype=np.float32) / 255.0


def shading(shape: tuple[int, int], rng: np.random.Generator, strength: float) -> np.ndarray:
    """A linear brightness ramp in a random direction, 1 +- strength: light falling across a surface."""
    ys, xs = pixel_grid(shape)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (xs * np.cos(angle) + ys * np.sin(angle)) / max(shape) * 2 - (np.cos(angle) + np.sin(angle))
    return 1 + strength * np.clip(ramp, -1, 1)


def finish(kind: str, rgb: np.ndarray, shape: tuple[int, int], rng: np.random.Generator, unit: float) -> np.ndarray:
    """The colour field of a plate or of metal digits: polished brass, brushed steel, enamel gloss, wood."""
    if kind == "brass":
        field = rgb * shading(shape, rng, 0.35)[..., None]
    elif kind in ("steel", "metal"):
        field = rgb * (shading(shape, rng, 0.3) * (1 + 0.05 * fractal_noise(rng, shape, unit * 0.3, 2)))[..., None]
    elif kind == "gloss":
        field = rgb * shading(shape, rng, 0.12)[..., None]
    elif kind == "wood":
        u, v = wall_coordinates(shape, pixels_to_wall(unit))
        return wood(u * 0.4, v, rng, rgb)
    else:  # flat paint: the light over the whole photo shades it enough
        return rgb
    return field.astype(np.float32)
