"""
Title: Synthetic street numbers
Description: 1-5 digit house numbers drawn on plates and walls, photographed badly, cropped as a person would.

    python -m train.synth --count 200000 --seed 1                  # build the training cache (npz)
    python -m train.synth --count 2000 --seed 3 --no-cache --sheet docs/synth_samples.png --scenes docs/synth_scenes.png

A sample is drawn in four steps, each a small function below:
1. a sign in its own flat coordinates: plate, digits, nearby letters, border and screws, as four masks;
2. a homography: the wall turned away from the camera, then the crop box a person would draw
   (the digits' union box grown by 10-50 %, off-centre, squeezed to a square as Goodfellow et al. did);
3. paint: a procedural wall, the masks warped into the view and filled with colours and finishes;
4. the photograph: light and shadow, occluders, low resolution, blur, noise, JPEG.
Everything is drawn from one numpy Generator, so a seed gives byte-identical images.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from tqdm import tqdm

from train.fonts import FONTS, font_at, fonts_by_category, load_fonts

K = TypeVar("K")

# --- settings -------------------------------------------------------------------------
CROP_SIZE = 64  # crops are 64x64 RGB uint8, as the reference design (Goodfellow et al.) resized SVHN crops
MAX_DIGITS = 5
NO_DIGIT = 10  # label for "no digit" in the 5 digit heads
GENERATOR_VERSION = 1  # bump whenever the images change: it is part of the cache file name
REPO_ROOT = Path(__file__).resolve().parent.parent
LENGTH_WEIGHTS = {1: 0.15, 2: 0.30, 3: 0.30, 4: 0.17, 5: 0.08}  # roughly how long house numbers are
WORK = 96  # crops are painted at 1.5 times the size, then shrunk: cheap anti-aliasing
GLYPH_HEIGHTS = (24, 34, 48, 68, 96, 136)  # digit heights glyphs are drawn at; the warp scales the rest
CLUTTER_FONTS = tuple(range(0, len(FONTS), 4))  # a quarter of the faces for street names: fewer faces open
CATEGORY_WEIGHTS = {  # most house numbers are plain or bold sans; script and mono are rarer
    "sans": 0.23,
    "bold": 0.23,
    "condensed": 0.13,
    "serif": 0.14,
    "rounded": 0.07,
    "painted": 0.13,
    "mono": 0.07,
}
MIN_CONTRAST = 0.28  # luminance gap between digits and what surrounds them, in a normal sample
HARD_CONTRAST = 0.18  # ... and in the low-contrast hard cases (stainless on white, grey on grey)
HARD_RATE = 0.07  # share of low-contrast samples; they get only mild blur and noise on top
SCHEME_WEIGHTS = {  # how the number is made: plates of several kinds, bare digits, tiles
    "light_plate": 0.17,
    "dark_plate": 0.1,
    "enamel": 0.1,
    "brass_plate": 0.06,
    "steel_plate": 0.04,
    "metal_digits": 0.18,
    "painted": 0.15,
    "tiles": 0.08,
    "wood_plaque": 0.06,
    "road_sign": 0.06,
}
CHUNK = 250  # samples per job handed to a worker process
SCENE_SIZES = ((320, 240), (400, 300), (480, 360), (560, 420), (640, 480))
NOISE_CELLS = (2, 4, 8, 16, 32, 64, 128)  # feature sizes (pixels) of the precomputed noise tiles
NOISE_BANK = 704  # noise tile side: larger than any scene
NOISE_SEED = 20240601  # the tiles are the same in every process, so samples stay deterministic
# ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    image: np.ndarray  # uint8 (64, 64, 3)
    number: str  # e.g. "1284"


@dataclass
class Scene:
    image: np.ndarray  # uint8 (H, W, 3)
    number: str
    box: tuple[int, int, int, int]  # x, y, w, h of the union of the digit boxes in image pixels


# === Numbers and labels ===================================================================


def random_number(rng: np.random.Generator) -> str:
    """1-5 digits, lengths weighted like house numbers, no leading zero."""
    length = weighted(rng, LENGTH_WEIGHTS)
    first = str(rng.integers(1, 10))
    return first + "".join(str(d) for d in rng.integers(0, 10, length - 1))


def number_labels(number: str) -> tuple[int, np.ndarray]:
    """The length head's and the five digit heads' classes: "1284" -> (4, [1, 2, 8, 4, 10])."""
    if not number.isdigit():
        raise ValueError(f"{number!r} is not a string of digits")
    length = min(len(number), MAX_DIGITS + 1)  # 6 means "more than five"
    digits = np.full(MAX_DIGITS, NO_DIGIT, dtype=np.int64)
    head = [int(c) for c in number[:MAX_DIGITS]]
    digits[: len(head)] = head
    return length, digits


# === Colours ==============================================================================

PLATE_LIGHT = ((0.96, 0.96, 0.94), (0.95, 0.92, 0.82), (0.85, 0.86, 0.86), (0.97, 0.92, 0.62), (0.9, 0.93, 0.97))
PLATE_DARK = ((0.06, 0.06, 0.07), (0.08, 0.14, 0.35), (0.08, 0.25, 0.15), (0.38, 0.07, 0.1), (0.25, 0.27, 0.3))
INK_DARK = ((0.05, 0.05, 0.05), (0.06, 0.1, 0.3), (0.05, 0.22, 0.1), (0.38, 0.05, 0.07), (0.25, 0.15, 0.08))
INK_LIGHT = ((0.97, 0.97, 0.95), (0.95, 0.9, 0.75), (0.85, 0.7, 0.35), (0.8, 0.8, 0.82))
ENAMEL = ((0.1, 0.22, 0.55), (0.05, 0.18, 0.45), (0.12, 0.3, 0.62), (0.05, 0.35, 0.2), (0.6, 0.08, 0.08))
METALS = {  # base colour of metal digits and plates; brushed or polished shading is added when painting
    "brass": (0.78, 0.62, 0.3),
    "bronze": (0.5, 0.35, 0.2),
    "steel": (0.68, 0.69, 0.7),
    "black": (0.08, 0.08, 0.08),
    "white": (0.93, 0.93, 0.92),
    "copper": (0.7, 0.4, 0.25),
}
WALLS = {  # kind -> base colours it is painted or built in
    "plaster": ((0.92, 0.9, 0.84), (0.95, 0.94, 0.92), (0.86, 0.78, 0.62), (0.9, 0.75, 0.6), (0.75, 0.76, 0.74)),
    "brick": ((0.6, 0.27, 0.18), (0.52, 0.22, 0.16), (0.72, 0.55, 0.38), (0.45, 0.32, 0.26), (0.5, 0.5, 0.48)),
    "stone": ((0.7, 0.68, 0.62), (0.55, 0.55, 0.53), (0.78, 0.72, 0.6)),
    "wood": ((0.55, 0.38, 0.22), (0.42, 0.27, 0.15), (0.85, 0.85, 0.82), (0.35, 0.45, 0.38), (0.66, 0.5, 0.32)),
    "siding": ((0.92, 0.92, 0.9), (0.75, 0.82, 0.88), (0.92, 0.88, 0.7), (0.6, 0.65, 0.6), (0.7, 0.7, 0.72)),
    "metal": ((0.6, 0.62, 0.64), (0.25, 0.4, 0.3), (0.55, 0.2, 0.15), (0.3, 0.32, 0.35)),
    "foliage": ((0.18, 0.32, 0.12), (0.25, 0.38, 0.15), (0.12, 0.24, 0.1)),
    "glass": ((0.06, 0.08, 0.1), (0.1, 0.14, 0.2), (0.15, 0.15, 0.14)),
}
WALL_WEIGHTS = {
    "plaster": 0.3,
    "brick": 0.2,
    "stone": 0.08,
    "wood": 0.12,
    "siding": 0.1,
    "metal": 0.07,
    "foliage": 0.05,
    "glass": 0.08,
}


def luminance(rgb: np.ndarray) -> float:
    return float(np.dot(rgb, (0.299, 0.587, 0.114)))


def jitter_colour(rng: np.random.Generator, rgb: tuple[float, float, float], amount: float = 0.05) -> np.ndarray:
    """A palette colour, slightly off: paint fades and cameras differ."""
    return np.clip(np.asarray(rgb, np.float32) * rng.uniform(0.9, 1.08) + rng.normal(0, amount, 3), 0, 1).astype(
        np.float32
    )


def pick(rng: np.random.Generator, options: tuple) -> tuple:
    return options[int(rng.integers(len(options)))]


def weighted(rng: np.random.Generator, weights: dict[K, float]) -> K:
    """A key drawn with the given relative weights (one uniform draw, like rng.choice but cheaper)."""
    cumulative = np.cumsum(list(weights.values()))
    return list(weights)[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))]


def ensure_contrast(ink: np.ndarray, around: np.ndarray, minimum: float) -> np.ndarray:
    """Move the ink colour towards black or white until its luminance differs enough from its surround."""
    li, la = luminance(ink), luminance(around)
    if abs(li - la) >= minimum:
        return ink
    up = la + minimum <= 1.0 and (li >= la or la - minimum < 0.0)
    if up:
        target = la + minimum
        t = (target - li) / max(1e-3, 1.0 - li)
        return np.clip(ink + t * (1.0 - ink), 0, 1).astype(np.float32)
    target = max(0.0, la - minimum)
    return np.clip(ink * target / max(li, 1e-3), 0, 1).astype(np.float32)


# === The sign: what is drawn, in its own flat coordinates =================================


@dataclass
class Look:
    """Every random choice about one sign, drawn up front so a sign can be redrawn without its digits."""

    font: int
    bold: bool  # thicken strokes (painted or cut-out digits)
    plate: str  # rect, rounded, oval, tiles, none
    wall: str
    plate_rgb: np.ndarray
    ink_rgb: np.ndarray
    decor_rgb: np.ndarray
    clutter_rgb: np.ndarray
    plate_finish: str  # flat, gloss, brass, steel, wood
    ink_finish: str  # flat, metal
    relief: float  # shadow strength of raised digits (0: painted flat)
    plate_relief: float  # shadow strength of the plate on the wall
    gap: float  # ink gap between digits, in digit heights
    jitter: np.ndarray  # (MAX_DIGITS, 2): baseline offset (digit heights) and tilt (degrees) of each digit
    pad: tuple[float, float]  # plate margin around the digits, x and y, in digit heights
    border: bool
    screws: bool
    clutter: str  # none, above, below, prefix, suffix
    clutter_text: str
    clutter_font: int
    clutter_size: float  # in digit heights
    hard: bool  # one of the low-contrast hard cases


@dataclass
class Sign:
    """Four masks in the four bands of one image: plate, digits, nearby letters, border and screws."""

    layers: Image.Image
    digit_boxes: np.ndarray  # (n, 4) x0, y0, x1, y1 of each digit's ink, in layer pixels


SYLLABLES = ("ma", "in", "st", "ro", "ad", "el", "ka", "ber", "lin", "ter", "gar", "den", "ho", "ve", "ri", "ch")
STREET_WORDS = ("Street", "Road", "Rue", "Strasse", "Lane", "Avenue", "Via", "Calle", "Way", "Court", "Str.")
PREFIXES = ("No", "No.", "Nr", "Nr.", "N")
SUFFIXES = ("A", "B", "a", "b", "C", "bis")


def random_words(rng: np.random.Generator) -> str:
    """Letters only (a digit here would change the label): a street or house name."""
    name = "".join(pick(rng, SYLLABLES) for _ in range(int(rng.integers(2, 4)))).capitalize()
    text = f"{name} {pick(rng, STREET_WORDS)}" if rng.random() < 0.7 else name
    return text.upper() if rng.random() < 0.4 else text


def pick_font(rng: np.random.Generator, categories: dict[str, tuple[int, ...]], bias: str | None = None) -> int:
    category = weighted(rng, {name: w * (4.0 if name == bias else 1.0) for name, w in CATEGORY_WEIGHTS.items()})
    return int(pick(rng, categories[category]))


def random_look(rng: np.random.Generator) -> Look:
    """A scheme (white enamel, brass, painted on brick...) and its colours, fonts and layout."""
    categories = fonts_by_category()
    scheme = weighted(rng, SCHEME_WEIGHTS)
    bare = scheme in ("metal_digits", "painted")  # no plate: nobody paints a number on a hedge
    wall = weighted(rng, {k: v for k, v in WALL_WEIGHTS.items() if not (bare and k == "foliage")})
    wall_rgb = jitter_colour(rng, pick(rng, WALLS[wall]))
    hard = rng.random() < HARD_RATE
    plate = weighted(rng, {"rect": 0.45, "rounded": 0.4, "oval": 0.15})
    plate_finish, ink_finish, bias = "flat", "flat", None
    border, screws = rng.random() < 0.3, rng.random() < 0.2
    relief, plate_relief = rng.uniform(0.0, 0.25), rng.uniform(0.2, 0.6)
    if scheme == "light_plate":
        plate_rgb, ink_rgb = jitter_colour(rng, pick(rng, PLATE_LIGHT)), jitter_colour(rng, pick(rng, INK_DARK))
    elif scheme == "dark_plate":
        plate_rgb, ink_rgb = jitter_colour(rng, pick(rng, PLATE_DARK)), jitter_colour(rng, pick(rng, INK_LIGHT))
    elif scheme == "enamel":  # the blue French/Belgian/German plates: white digits, white rim
        plate_rgb, ink_rgb = jitter_colour(rng, pick(rng, ENAMEL), 0.03), jitter_colour(rng, INK_LIGHT[0], 0.02)
        plate_finish, border = "gloss", rng.random() < 0.8
        plate = weighted(rng, {"rect": 0.4, "rounded": 0.6})
    elif scheme == "brass_plate":
        plate_rgb, ink_rgb = jitter_colour(rng, METALS["brass"], 0.03), jitter_colour(rng, INK_DARK[0])
        plate_finish, bias = "brass", "serif"
    elif scheme == "steel_plate":
        plate_rgb, ink_rgb = jitter_colour(rng, METALS["steel"], 0.03), jitter_colour(rng, INK_DARK[0])
        plate_finish = "steel"
    elif scheme == "metal_digits":  # cut-out digits screwed to the wall, casting a shadow
        metal = weighted(rng, dict(zip(METALS, (0.25, 0.1, 0.25, 0.25, 0.1, 0.05))))
        plate, plate_rgb, ink_rgb = "none", wall_rgb, jitter_colour(rng, METALS[metal], 0.03)
        ink_finish = "metal" if metal in ("brass", "bronze", "steel", "copper") else "flat"
        relief, bias = rng.uniform(0.3, 0.7), "bold"
    elif scheme == "painted":  # painted straight onto the wall, often by hand
        plate, plate_rgb = "none", wall_rgb
        ink_rgb = jitter_colour(rng, pick(rng, INK_DARK + INK_LIGHT + ((0.7, 0.1, 0.1), (0.1, 0.2, 0.6))))
        relief, bias = 0.0, "painted"
    elif scheme == "tiles":  # one ceramic tile per digit
        plate = "tiles"
        if rng.random() < 0.7:
            plate_rgb, ink_rgb = (
                jitter_colour(rng, PLATE_LIGHT[int(rng.integers(2))], 0.02),
                jitter_colour(rng, pick(rng, ((0.1, 0.2, 0.55), (0.05, 0.05, 0.05), (0.1, 0.3, 0.15)))),
            )
        else:
            plate_rgb, ink_rgb = jitter_colour(rng, (0.72, 0.38, 0.22)), jitter_colour(rng, INK_DARK[0])
        plate_finish, border = "gloss", rng.random() < 0.5
    elif scheme == "wood_plaque":
        plate_rgb = jitter_colour(rng, pick(rng, ((0.55, 0.38, 0.22), (0.42, 0.27, 0.15), (0.68, 0.52, 0.33))))
        ink_rgb = jitter_colour(rng, pick(rng, ((0.1, 0.06, 0.03), (0.95, 0.93, 0.88), (0.82, 0.68, 0.35))))
        plate_finish, bias = "wood", pick(rng, ("serif", "painted"))
    else:  # road_sign: reflective green or blue with white highway lettering
        plate_rgb = jitter_colour(rng, pick(rng, ((0.05, 0.4, 0.22), (0.08, 0.22, 0.55), (0.55, 0.1, 0.1))), 0.02)
        ink_rgb, border, plate = jitter_colour(rng, INK_LIGHT[0], 0.02), rng.random() < 0.7, "rect"
        bias = "condensed"
    around = plate_rgb if plate != "none" else wall_rgb
    if hard:  # stainless on white render, faded paint: still readable, but only just
        ink_rgb = np.clip(around + pick(rng, (-1, 1)) * rng.uniform(0.05, 0.2), 0, 1).astype(np.float32)
    busy = plate == "none" and wall in ("brick", "stone", "wood", "metal")  # a pattern behind thin strokes
    ink_rgb = ensure_contrast(ink_rgb, around, (HARD_CONTRAST if hard else MIN_CONTRAST) + (0.08 if busy else 0.0))
    font = pick_font(rng, categories, bias)
    if scheme == "road_sign" and rng.random() < 0.6:
        font = int(pick(rng, tuple(i for i, f in enumerate(FONTS) if "roadgeek" in f.path)))
    clutter = weighted(rng, {"none": 0.55, "above": 0.15, "below": 0.15, "prefix": 0.08, "suffix": 0.07})
    clutter_text = {"prefix": pick(rng, PREFIXES), "suffix": pick(rng, SUFFIXES)}.get(clutter, random_words(rng))
    individual = plate == "none" and scheme == "metal_digits"  # hand-mounted digits sit a bit crooked
    jitter = rng.normal(0, 1, (MAX_DIGITS, 2)) * ((0.03, 2.5) if individual else (0.004, 0.3))
    return Look(
        font=font,
        bold=rng.random() < (0.35 if scheme == "painted" else 0.12),
        plate=plate,
        wall=wall,
        plate_rgb=plate_rgb,
        ink_rgb=ink_rgb,
        decor_rgb=ink_rgb if rng.random() < 0.8 else jitter_colour(rng, METALS["steel"]),
        clutter_rgb=ink_rgb if rng.random() < 0.7 else ensure_contrast(jitter_colour(rng, INK_DARK[0]), around, 0.2),
        plate_finish=plate_finish,
        ink_finish=ink_finish,
        relief=float(relief),
        plate_relief=float(plate_relief),
        gap=float(rng.uniform(*weighted(rng, {(0.03, 0.2): 0.7, (0.2, 0.6): 0.2, (0.0, 0.04): 0.1}))),  # ink gap
        jitter=jitter.astype(np.float32),
        pad=(float(rng.uniform(0.2, 0.7)), float(rng.uniform(0.15, 0.5))),
        border=bool(border),
        screws=bool(screws),
        clutter=clutter,
        clutter_text=clutter_text,
        clutter_font=int(pick(rng, CLUTTER_FONTS)),
        clutter_size=float(rng.uniform(0.45, 0.8) if clutter in ("prefix", "suffix") else rng.uniform(0.2, 0.4)),
        hard=bool(hard),
    )


@lru_cache(maxsize=20000)
def glyph(font: int, height: int, char: str, bold: bool) -> tuple[Image.Image, int, int]:
    """A digit's ink as an L image and its offset from the pen (on the baseline); cached per bucketed height."""
    info = load_fonts()[font]
    face = font_at(font, max(6, round(height / info.digit_height)))
    stroke = max(1, round(height * 0.03)) if bold else 0
    left, top, right, bottom = face.getbbox(char, anchor="ls", stroke_width=stroke)
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(image).text((-left, -top), char, font=face, fill=255, anchor="ls", stroke_width=stroke)
    return image, left, top


def text_size(size: float) -> int:
    """Font sizes for letters in steps of a third of an octave, so few FreeType faces are kept open."""
    return max(6, round(2 ** (round(math.log2(max(6.0, size)) * 3) / 3)))


def glyph_height(target: float) -> int:
    """The smallest bucketed height not much below the target: the warp then shrinks rather than blurs."""
    for height in GLYPH_HEIGHTS:
        if height >= 0.8 * target:
            return height
    return GLYPH_HEIGHTS[-1]


def place_digits(number: str, look: Look, height: int) -> tuple[list[tuple[Image.Image, int, int]], np.ndarray]:
    """Glyph images with their top-left corners, and ink boxes (n, 4), with the baseline at y = 0."""
    placed, boxes = [], []
    pen = 0.0
    pitch = height * (tile_width(look) + 0.04 + look.gap * 0.3)  # tiles: one digit per tile, evenly spaced
    for i, char in enumerate(number):
        image, left, top = glyph(look.font, height, char, look.bold)
        angle = float(look.jitter[i % MAX_DIGITS, 1])
        if abs(angle) > 0.5:
            rotated = image.rotate(angle, resample=Image.BILINEAR, expand=True)
            top += (image.height - rotated.height) // 2
            image = rotated
        y = round(top + look.jitter[i % MAX_DIGITS, 0] * height)
        x = round(i * pitch - image.width / 2) if look.plate == "tiles" else round(pen)
        ink = image.getbbox() or (0, 0, 1, 1)
        placed.append((image, x, y))
        boxes.append((x + ink[0], y + ink[1], x + ink[2], y + ink[3]))
        pen = x + ink[2] + look.gap * height
    return placed, np.array(boxes, dtype=np.float32)


def tile_width(look: Look) -> float:
    """Width of a digit tile, in digit heights: wide enough for a broad 0 with some margin."""
    return 0.8 + look.pad[0] * 0.6


def plate_box(union: np.ndarray, look: Look, height: int) -> np.ndarray:
    """x0, y0, x1, y1 of the plate around the digits (and the letters that share it)."""
    pad_x, pad_y = look.pad[0] * height, look.pad[1] * height
    x0, y0, x1, y1 = union[0] - pad_x, union[1] - pad_y, union[2] + pad_x, union[3] + pad_y
    text_h = look.clutter_size * height * 1.4 + look.pad[1] * height * 0.5
    if look.clutter == "above":
        y0 -= text_h
    elif look.clutter == "below":
        y1 += text_h
    if look.plate == "oval":  # an ellipse through the corners of the box grown by sqrt(2)
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * 1.2, (y1 - y0) / 2 * 1.35
        x0, y0, x1, y1 = cx - hw, cy - hh, cx + hw, cy + hh
    return np.array([x0, y0, x1, y1], dtype=np.float32)


def clutter_anchor(union: np.ndarray, look: Look, height: int) -> tuple[float, float, str]:
    """Where the nearby letters go: above, below, before or after the number (never inside its box)."""
    gap = height * (0.12 + look.pad[1] * 0.4)
    cx = (union[0] + union[2]) / 2
    if look.clutter == "above":
        return cx, union[1] - gap, "md"
    if look.clutter == "below":
        return cx, union[3] + gap, "ma"
    if look.clutter == "prefix":
        return union[0] - height * 0.2, union[3], "rs"
    return union[2] + height * (0.08 + look.gap * 0.5), union[3], "ls"


def draw_sign(number: str, look: Look, height: int) -> Sign:
    """The sign's four masks in flat coordinates, with a margin so the warp never clips them."""
    placed, boxes = place_digits(number, look, height)
    union = np.array([boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()])
    plate = plate_box(union, look, height)
    clutter_font = font_at(look.clutter_font, text_size(look.clutter_size * height / 0.72))
    text = look.clutter_text
    anchor_x, anchor_y, anchor = clutter_anchor(union, look, height)
    if look.clutter == "none":
        text_box = union
    else:
        text_box = np.array(clutter_font.getbbox(text, anchor=anchor), np.float32) + [anchor_x, anchor_y] * 2
    lo = np.minimum(np.minimum(union[:2], plate[:2] if look.plate != "none" else union[:2]), text_box[:2])
    hi = np.maximum(np.maximum(union[2:], plate[2:] if look.plate != "none" else union[2:]), text_box[2:])
    margin = 4 + height // 8
    origin = np.floor(lo) - margin
    size = (int(np.ceil(hi[0] - origin[0])) + margin, int(np.ceil(hi[1] - origin[1])) + margin)
    shift = np.tile(-origin, 2).astype(np.float32)
    plate_mask, digits, letters, decor = (Image.new("L", size) for _ in range(4))
    draw_plate, draw_decor = ImageDraw.Draw(plate_mask), ImageDraw.Draw(decor)
    line = max(1, round(height * 0.045))
    if look.plate == "tiles":
        for box in boxes:
            cx = (box[0] + box[2]) / 2 + shift[0]
            half_w = height * tile_width(look) / 2
            tile = [cx - half_w, union[1] + shift[1] - look.pad[1] * height, cx + half_w]
            tile.append(union[3] + shift[1] + look.pad[1] * height)
            draw_plate.rounded_rectangle(tile, radius=height * 0.06, fill=255)
            if look.border:
                inset = height * 0.08
                inner = [tile[0] + inset, tile[1] + inset, tile[2] - inset, tile[3] - inset]
                draw_decor.rectangle(inner, outline=255, width=line)
    elif look.plate != "none":
        box = (plate + shift).tolist()
        radius = height * (0.1 + look.pad[1] * 0.6)
        shape = {
            "rect": lambda d, b, **kw: d.rectangle(b, **kw),
            "rounded": lambda d, b, **kw: d.rounded_rectangle(b, radius=radius, **kw),
            "oval": lambda d, b, **kw: d.ellipse(b, **kw),
        }[look.plate]
        shape(draw_plate, box, fill=255)
        inset = height * 0.1
        inner = [box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset]
        if look.border and inner[2] > inner[0] + 2 and inner[3] > inner[1] + 2:
            shape(draw_decor, inner, outline=255, width=line)
        if look.screws and look.plate != "oval":
            r, s = height * 0.05, height * 0.12
            for sx in (box[0] + s, box[2] - s):
                for sy in (box[1] + s, box[3] - s):
                    draw_decor.ellipse([sx - r, sy - r, sx + r, sy + r], fill=255)
    for image, x, y in placed:
        digits.paste(255, (int(x + shift[0]), int(y + shift[1])), image)
    if look.clutter != "none":
        ImageDraw.Draw(letters).text(
            (anchor_x + shift[0], anchor_y + shift[1]), text, font=clutter_font, fill=255, anchor=anchor
        )
    layers = Image.merge("CMYK", (plate_mask, digits, letters, decor))  # CMYK: 4 plain bands (RGBA would premultiply)
    return Sign(layers, boxes + shift)


# === Geometry =============================================================================


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """3x3 rotation (degrees): the wall turned about the vertical, tilted back, then the camera rolled."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def view_homography(centre: np.ndarray, unit: float, angles: tuple[float, float, float], distance: float) -> np.ndarray:
    """Sign pixels -> view pixels (origin at the sign's centre) of a pinhole camera `distance` units away.

    The focal length equals the distance, so the centre keeps its scale and only the turn foreshortens.
    """
    to_plane = np.array([[1 / unit, 0, -centre[0] / unit], [0, 1 / unit, -centre[1] / unit], [0, 0, 1]])
    r = rotation(*angles)
    plane_to_camera = np.column_stack([r[:, 0], r[:, 1], [0, 0, distance]])
    camera = np.diag([distance * unit, distance * unit, 1.0])
    return camera @ plane_to_camera @ to_plane


def apply_homography(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, 2) points through a 3x3 homography."""
    p = np.column_stack([points, np.ones(len(points))]) @ h.T
    return p[:, :2] / p[:, 2:3]


def box_corners(boxes: np.ndarray) -> np.ndarray:
    """(n, 4) boxes -> (4n, 2) corners."""
    x0, y0, x1, y1 = boxes.T
    return np.stack([np.column_stack(c) for c in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))], axis=1).reshape(-1, 2)


def random_angles(rng: np.random.Generator, hard: bool) -> tuple[tuple[float, float, float], float]:
    """Yaw, pitch, roll (degrees) and camera distance (in digit heights): mostly mild, sometimes steep."""
    steep = hard or rng.random() < 0.12
    yaw = rng.normal(0, 25 if steep else 12)
    pitch = rng.normal(0, 15 if steep else 7)
    roll = rng.normal(0, 9 if steep else 3)
    yaw, pitch, roll = np.clip([yaw, pitch, roll], [-55, -35, -25], [55, 35, 25])
    return (float(yaw), float(pitch), float(roll)), float(rng.uniform(6, 40))


def crop_box(union: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A person's box around the number: grown by 10-50 % and off-centre, but holding all of it.

    A lone 1 is boxed at least 0.6 digit heights wide, as a person would box it; its bare ink box,
    squeezed to a square, would stretch it into a slab.
    """
    w, h = max(union[2] - union[0], 0.6 * (union[3] - union[1])), union[3] - union[1]
    grow_x = rng.uniform(0.1, 0.5)
    grow_y = float(np.clip(grow_x + rng.normal(0, 0.1), 0.1, 0.5))
    spare_x, spare_y = w * grow_x / 2, h * grow_y / 2
    dx, dy = rng.uniform(-0.8, 0.8) * spare_x, rng.uniform(-0.8, 0.8) * spare_y
    cx, cy = (union[0] + union[2]) / 2 + dx, (union[1] + union[3]) / 2 + dy
    half_w, half_h = w * (1 + grow_x) / 2, h * (1 + grow_y) / 2
    return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def box_to_square(box: np.ndarray, size: int) -> np.ndarray:
    """Affine 3x3 taking a box to (0, 0)-(size, size): the squeeze of the reference design."""
    sx, sy = size / (box[2] - box[0]), size / (box[3] - box[1])
    return np.array([[sx, 0, -box[0] * sx], [0, sy, -box[1] * sy], [0, 0, 1]])


def warp(layers: Image.Image, h: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Sign masks -> view masks float32 (H, W, 4) in [0, 1], through the homography h (sign -> view)."""
    inverse = np.linalg.inv(h)
    inverse /= inverse[2, 2]
    warped = layers.transform(size, Image.PERSPECTIVE, tuple(inverse.ravel()[:8]), Image.BILINEAR)
    return np.asarray(warped, dtype=np.float32) / 255.0


# === Walls and textures ===================================================================


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


@lru_cache(maxsize=16)
def pixel_grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates (float32) of every pixel; read-only and shared."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    ys.flags.writeable = xs.flags.writeable = False
    return ys, xs


def wall_coordinates(shape: tuple[int, int], to_wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's place on the wall, in digit heights, through an affine 3x3: bricks line up with the sign."""
    ys, xs = pixel_grid(shape)
    m = to_wall.astype(np.float32)
    return m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]


def wall_affine(to_view: np.ndarray, at: tuple[float, float], height: float) -> np.ndarray:
    """View pixels -> wall coordinates (digit heights), linearised at one point of the view.

    The exact homography would squeeze the wall to a vanishing line far from the sign, where
    stripes alias into moire; near the sign the two agree.
    """
    back = np.linalg.inv(to_view)
    x, y = at
    p0, px, py = apply_homography(back, np.array([[x, y], [x + 1, y], [x, y + 1]], np.float64))
    linear = np.column_stack([px - p0, py - p0])
    offset = p0 - linear @ np.array([x, y])
    return np.vstack([np.column_stack([linear, offset]) / height, [0, 0, 1]])


def pixels_to_wall(unit: float) -> np.ndarray:
    """The map of a wall seen straight on, `unit` pixels per digit height."""
    return np.diag([1 / unit, 1 / unit, 1.0])


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


# === Painting the sign onto the wall ======================================================


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


def paint(
    wall: np.ndarray, masks: np.ndarray, look: Look, rng: np.random.Generator, unit: float, draw_digits: bool = True
) -> np.ndarray:
    """Composite plate, border, digits and letters over the wall, with the shadows raised parts cast."""
    shape = wall.shape[:2]
    plate, digits, letters, decor = (masks[..., k] for k in range(4))
    if not draw_digits:
        digits = np.zeros_like(digits)
    # Shadow direction and softness are drawn whether or not there is a plate, so both renderings agree.
    dx, dy = (np.array([rng.uniform(-1, 1), rng.uniform(0.2, 1)]) * unit * rng.uniform(0.03, 0.08)).round()
    blur = unit * rng.uniform(0.01, 0.05)
    plate_field = finish(look.plate_finish, look.plate_rgb, shape, rng, unit)
    ink_field = finish(look.ink_finish, look.ink_rgb, shape, rng, unit)
    out = wall
    if look.plate != "none":
        shadow = soft(shifted(plate, int(dx), int(dy)), blur) * (1 - plate)
        out = out * (1 - look.plate_relief * shadow)[..., None]
        out += (plate_field - out) * plate[..., None]
        if look.border or look.screws:
            out += (look.decor_rgb - out) * decor[..., None]
    if look.relief > 0.05:
        shadow = soft(shifted(digits, int(dx * 0.6), int(dy * 0.6)), blur) * (1 - digits)
        out = out * (1 - look.relief * shadow)[..., None]
    out += (ink_field - out) * digits[..., None]
    if look.clutter != "none":
        out += (look.clutter_rgb - out) * letters[..., None]
    return out


# === The photograph =======================================================================


def occluder(kind: str, rng: np.random.Generator, shape: tuple[int, int], unit: float) -> tuple[Image.Image, tuple]:
    """The mask and base colour of something in front of the sign."""
    h, w = shape
    mask = Image.new("L", (w, h))
    draw = ImageDraw.Draw(mask)
    if kind == "leaves":  # a sprig reaching in from one edge
        vertical = rng.random() < 0.5
        edge = pick(rng, (0.0, 1.0))
        for _ in range(int(rng.integers(3, 9))):
            along, depth = rng.uniform(0, 1), abs(edge - rng.uniform(0, 0.3))
            x, y = (depth * w, along * h) if vertical else (along * w, depth * h)
            r = unit * rng.uniform(0.1, 0.3)
            draw.ellipse([x - r, y - r * 0.6, x + r, y + r * 0.6], fill=255)
        return mask, pick(rng, WALLS["foliage"])
    if kind == "cable":  # a cable or twig from one edge to the opposite one
        ends = rng.uniform(0, 1, 2)
        points = [(ends[0] * w, 0), (ends[1] * w, h)] if rng.random() < 0.5 else [(0, ends[0] * h), (w, ends[1] * h)]
        draw.line(points, fill=255, width=max(1, round(unit * rng.uniform(0.03, 0.08))))
        return mask, (0.1, 0.09, 0.08)
    width = unit * rng.uniform(0.15, 0.6)  # a pole or door frame at one side
    x = rng.uniform(-width, 0.15 * w) if rng.random() < 0.5 else rng.uniform(0.85 * w - width, w)
    draw.rectangle([x, 0, x + width, h], fill=255)
    return mask, pick(rng, ((0.3, 0.3, 0.3), (0.9, 0.9, 0.88), (0.45, 0.3, 0.2)))


def occlude(image: np.ndarray, digits: np.ndarray, rng: np.random.Generator, unit: float) -> np.ndarray:
    """Now and then leaves, a cable or a pole in front, never hiding much of the number."""
    if rng.random() > 0.14:
        return image
    mask, colour = occluder(weighted(rng, {"leaves": 0.45, "cable": 0.3, "pole": 0.25}), rng, digits.shape, unit)
    cover = np.asarray(mask, dtype=np.float32) / 255.0
    hidden = float((cover * digits).sum() / max(1.0, digits.sum()))
    if hidden > 0.12:  # a person must still read every digit
        return image
    body = jitter_colour(rng, colour) * shading(digits.shape, rng, 0.2)[..., None]
    return image + (body - image) * cover[..., None]


def light(image: np.ndarray, rng: np.random.Generator, unit: float) -> np.ndarray:
    """Exposure, white balance, light falling off across the frame and, sometimes, a cast shadow or glare."""
    shape = image.shape[:2]
    # Exposure stays below 1.15: more would clip light plates to white and wipe out their digits.
    gain = float(np.clip(rng.lognormal(0, 0.18), 0.6, 1.15)) * rng.normal(1, 0.05, 3).astype(np.float32)
    out = image * gain * shading(shape, rng, rng.uniform(0, 0.3))[..., None]
    if rng.random() < 0.2:  # the edge of a roof's or a tree's shadow
        ys, xs = pixel_grid(shape)
        angle, offset = rng.uniform(0, 2 * np.pi), rng.uniform(-0.3, 0.3) * max(shape)
        across = (xs - shape[1] / 2) * np.cos(angle) + (ys - shape[0] / 2) * np.sin(angle) - offset
        edge = 1 / (1 + np.exp(-across / max(1.0, unit * rng.uniform(0.02, 0.3))))
        depth = rng.uniform(0.3, 0.6)
        out = out * (1 - depth * edge[..., None] * np.array([1.0, 0.97, 0.9], np.float32))
    if rng.random() < 0.05:  # a glint of sun or flash
        ys, xs = pixel_grid(shape)
        cx, cy, r = rng.uniform(0, shape[1]), rng.uniform(0, shape[0]), unit * rng.uniform(0.3, 1.0)
        out = out + rng.uniform(0.15, 0.4) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r))[..., None]
    return out


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def camera(
    image: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, int],
    min_width: int,
    blur_scale: float,
    mild: bool = False,
) -> np.ndarray:
    """float RGB -> uint8 (size[1], size[0], 3): low resolution, focus blur, sensor noise and JPEG, mild in most photos.

    Blur sigmas are in 64x64-crop pixels, times blur_scale for larger images. mild: a low-contrast
    sample, which gets no heavy blur, low resolution or noise on top (a person must still read it).
    """
    w, h = size
    out = Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))
    if out.size != size:
        out = out.resize(size, Image.BOX)
    small = rng.random() < (0.0 if mild else 0.35)
    if small:  # the number was small in the photo: few pixels, then scaled up
        factor = rng.uniform(0.4, 0.85)
        low = (max(min_width, round(w * factor)), max(16, round(h * factor * rng.uniform(0.8, 1.2))))
        out = out.resize((min(w, low[0]), min(h, low[1])), Image.BILINEAR).resize((w, h), Image.BILINEAR)
    # Out of focus, but not on top of low resolution: the two together leave nothing to read.
    sigma = rng.uniform(0.7, 1.4) if rng.random() < (0.0 if mild or small else 0.12) else rng.uniform(0, 0.7)
    if sigma > 0.25:
        out = out.filter(ImageFilter.GaussianBlur(float(sigma * blur_scale)))
    noise_level = rng.uniform(0.02, 0.05) if rng.random() < (0.0 if mild else 0.1) else rng.uniform(0, 0.02)
    noise = white_noise(rng, (h, w, 3)) * (noise_level * 255)
    out = Image.fromarray(np.clip(np.asarray(out, dtype=np.float32) + noise + 0.5, 0, 255).astype(np.uint8))
    if rng.random() < 0.65:
        out = jpeg(out, int(rng.integers(30, 96)))
    return np.asarray(out, dtype=np.uint8)


# === Samples (crops) and scenes ===========================================================


def render_crop(rng: np.random.Generator, number: str, draw_digits: bool = True) -> Sample:
    """One 64x64 crop of `number`; draw_digits=False paints the same crop without the digits."""
    look = random_look(rng)
    angles, distance = random_angles(rng, look.hard)
    # Glyph size: about one sign pixel per view pixel, so the warp neither aliases nor blurs much;
    # long numbers are squeezed across, so their glyphs are drawn smaller.
    across = WORK / (1.3 * len(number) * 0.58)  # a digit with its gap is about 0.58 heights wide
    height = glyph_height(min(WORK / 1.3, across))
    sign = draw_sign(number, look, height)
    union = sign.digit_boxes
    centre = np.array([(union[:, 0].min() + union[:, 2].max()) / 2, (union[:, 1].min() + union[:, 3].max()) / 2])
    to_view = view_homography(centre, height, angles, distance)
    corners = apply_homography(to_view, box_corners(union))
    box = crop_box(np.array([*corners.min(axis=0), *corners.max(axis=0)]), rng)
    to_crop = box_to_square(box, WORK) @ to_view
    masks = warp(sign.layers, to_crop, (WORK, WORK))
    unit = WORK / ((box[3] - box[1]) / height)  # one digit height in view pixels (vertically)
    wall_rgb = look.plate_rgb if look.plate == "none" else jitter_colour(rng, pick(rng, WALLS[look.wall]))
    to_wall = wall_affine(to_crop, (WORK / 2, WORK / 2), height)
    wall = wall_texture(look.wall, rng, wall_rgb, (WORK, WORK), to_wall, unit)
    image = paint(wall, masks, look, rng, unit, draw_digits)
    image = occlude(image, masks[..., 1], rng, unit)
    image = light(image, rng, unit)
    min_width = min(CROP_SIZE, 9 * len(number) + 6)  # keep at least ~9 pixels per digit across
    return Sample(camera(image, rng, (CROP_SIZE, CROP_SIZE), min_width, 1.0, look.hard), number)


def render_sample(rng: np.random.Generator) -> Sample:
    """One crop, as a person's (or SVHN's) crop box would give: the digits' union box grown by 10-50 %,
    off-centre, resized to 64x64."""
    return render_crop(rng, random_number(rng))


def facade_part(
    kind: str, rng: np.random.Generator, shape: tuple[int, int], unit: float
) -> tuple[Image.Image, np.ndarray]:
    """The mask and colours (H, W, 3) of one thing on a house front: a door, a window, a pipe..."""
    h, w = shape
    mask = Image.new("L", (w, h))
    draw = ImageDraw.Draw(mask)
    if kind == "door":
        x, door_w = rng.uniform(-0.1, 0.9) * w, unit * rng.uniform(6, 10)
        draw.rectangle([x, rng.uniform(0.1, 0.5) * h, x + door_w, h], fill=255)
        u, v = wall_coordinates(shape, pixels_to_wall(unit))
        return mask, wood(u, v, rng, jitter_colour(rng, pick(rng, WALLS["wood"])))
    if kind == "window":
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.6) * h
        draw.rectangle([x, y, x + unit * rng.uniform(4, 9), y + unit * rng.uniform(5, 10)], fill=255)
        body = glass(shape, rng, jitter_colour(rng, pick(rng, WALLS["glass"])))
        top = max(0, int(y))
        body[top : top + max(2, round(unit * 0.3))] = jitter_colour(rng, INK_LIGHT[0])  # the frame's lintel
        return mask, body
    if kind == "pipe":
        x = rng.uniform(0, w)
        draw.rectangle([x, 0, x + unit * rng.uniform(0.3, 0.8), h], fill=255)
        return mask, jitter_colour(rng, (0.45, 0.45, 0.45)) * shading(shape, rng, 0.3)[..., None]
    if kind == "ground":
        draw.rectangle([0, rng.uniform(0.75, 0.95) * h, w, h], fill=255)
        paving = jitter_colour(rng, (0.5, 0.5, 0.48))
        return mask, wall_texture("stone", rng, paving, shape, pixels_to_wall(unit * 2), unit)
    if kind == "bush":
        cx, r = rng.uniform(0, w), min(unit * rng.uniform(2, 5), h * 0.3)
        for _ in range(6):  # a few overlapping clumps
            x, y, size = cx + rng.normal(0, r), h - abs(rng.normal(0, r * 0.4)), r * rng.uniform(0.4, 0.8)
            draw.ellipse([x - size, y - size * 0.8, x + size, y + size * 0.8], fill=255)
        return mask, leaves(shape, rng, jitter_colour(rng, pick(rng, WALLS["foliage"])), unit)
    x, y = rng.uniform(0, 0.8) * w, rng.uniform(0, 0.8) * h  # a name plate, letters only
    plate_w, plate_h = unit * rng.uniform(3, 6), unit * rng.uniform(0.8, 1.5)
    draw.rectangle([x, y, x + plate_w, y + plate_h], fill=255)
    text = Image.new("L", (w, h))
    font = font_at(int(pick(rng, CLUTTER_FONTS)), text_size(plate_h * 0.45))
    ImageDraw.Draw(text).text((x + plate_h * 0.2, y + plate_h * 0.25), random_words(rng), font=font, fill=255)
    ink = (np.asarray(text, dtype=np.float32) / 255.0)[..., None]
    background = jitter_colour(rng, pick(rng, PLATE_LIGHT))
    return mask, background + (jitter_colour(rng, INK_DARK[0]) - background) * ink


def facade(rng: np.random.Generator, image: np.ndarray, unit: float, sign: np.ndarray) -> np.ndarray:
    """A house front around the number: one to four doors, windows, pipes, pavement, bushes, name plates.

    Parts that would lie under the sign (sign: its footprint mask) are left out: the digits' colours
    were chosen to stand out from the wall, not from a window that happens to be behind them.
    """
    for _ in range(int(rng.integers(1, 5))):
        kind = pick(rng, ("door", "window", "pipe", "ground", "bush", "name_plate"))
        mask, body = facade_part(kind, rng, image.shape[:2], unit)
        alpha = (np.asarray(mask, dtype=np.float32) / 255.0)[..., None]
        if (alpha[..., 0] * sign).any():
            continue
        image = image + (body - image) * alpha
    return image


def render_scene_with(rng: np.random.Generator, number: str, draw_digits: bool = True) -> Scene:
    """A house front of 320x240 to 640x480 with `number` somewhere on it, and the digits' union box."""
    width, height_px = SCENE_SIZES[int(rng.integers(len(SCENE_SIZES)))]
    look = random_look(rng)
    angles, distance = random_angles(rng, look.hard)
    unit = float(np.exp(rng.uniform(np.log(14), np.log(height_px * 0.3))))  # digit height in the photo
    height = glyph_height(unit)
    sign = draw_sign(number, look, height)
    union = sign.digit_boxes
    centre = np.array([(union[:, 0].min() + union[:, 2].max()) / 2, (union[:, 1].min() + union[:, 3].max()) / 2])
    to_view = view_homography(centre, height, angles, distance)
    w, h = sign.layers.size
    outline = apply_homography(to_view, np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64))
    # Shrink a sign that would not fit, then put it anywhere it fits whole.
    scale = min(unit / height, 0.9 * width / np.ptp(outline[:, 0]), 0.9 * height_px / np.ptp(outline[:, 1]))
    lo, hi = outline.min(axis=0) * scale, outline.max(axis=0) * scale
    x, y = rng.uniform(-lo[0], width - hi[0]), rng.uniform(-lo[1], height_px - hi[1])
    to_scene = np.array([[scale, 0, x], [0, scale, y], [0, 0, 1]]) @ to_view
    masks = warp(sign.layers, to_scene, (width, height_px))
    unit = height * scale
    wall_rgb = look.plate_rgb if look.plate == "none" else jitter_colour(rng, pick(rng, WALLS[look.wall]))
    to_wall = wall_affine(to_scene, tuple(apply_homography(to_scene, centre[None])[0]), height)
    wall = wall_texture(look.wall, rng, wall_rgb, (height_px, width), to_wall, unit)
    footprint = np.asarray(
        Image.fromarray((masks[..., :3].max(axis=-1) > 0).astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(9)),
        dtype=bool,
    )  # the sign and its shadow
    wall = facade(rng, wall, unit, footprint)
    image = paint(wall, masks, look, rng, unit, draw_digits)
    image = occlude(image, masks[..., 1], rng, unit)
    image = light(image, rng, unit)
    ink = np.argwhere(masks[..., 1] > 0.5)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    return Scene(
        camera(image, rng, (width, height_px), width // 2, max(1.0, unit / 40), look.hard),
        number,
        (int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)),
    )


def render_scene(rng: np.random.Generator) -> Scene:
    return render_scene_with(rng, random_number(rng))


# === Many samples, in parallel and cached =================================================


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """Each sample has its own stream, so the result does not depend on how work is split."""
    return np.random.default_rng([seed, index])


def render_range(seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Samples start..stop-1 of a seed, as arrays."""
    images = np.empty((stop - start, CROP_SIZE, CROP_SIZE, 3), np.uint8)
    lengths = np.empty(stop - start, np.int64)
    digits = np.empty((stop - start, MAX_DIGITS), np.int64)
    for k, index in enumerate(range(start, stop)):
        sample = render_sample(sample_rng(seed, index))
        images[k] = sample.image
        lengths[k], digits[k] = number_labels(sample.number)
    return {"images": images, "length": lengths, "digits": digits}


def generate_samples(count: int, seed: int, workers: int = 2, progress: bool = False) -> dict[str, np.ndarray]:
    """{"images": uint8 (N, 64, 64, 3), "length": int (N,), "digits": int (N, 5)}, the same for any `workers`."""
    load_fonts()  # missing fonts: fail here, with the list of packages, not inside a worker
    out = {
        "images": np.empty((count, CROP_SIZE, CROP_SIZE, 3), np.uint8),
        "length": np.empty(count, np.int64),
        "digits": np.empty((count, MAX_DIGITS), np.int64),
    }
    chunk = max(1, min(CHUNK, math.ceil(count / (4 * max(1, workers)))))  # small runs still use every worker
    starts = list(range(0, count, chunk))
    stops = [min(count, start + chunk) for start in starts]
    with tqdm(total=count, unit="sample", desc=f"synth seed {seed}", disable=None if progress else True) as bar:
        if workers <= 1:
            fill(out, starts, map(render_range, [seed] * len(starts), starts, stops), bar)
        else:  # spawn, not fork: the caller may have TensorFlow's threads running
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                fill(out, starts, pool.map(render_range, [seed] * len(starts), starts, stops), bar)
    return out


def fill(out: dict[str, np.ndarray], starts: list[int], parts: Iterator[dict[str, np.ndarray]], bar: tqdm) -> None:
    """Copy each rendered range into its place in the output arrays."""
    for start, part in zip(starts, parts):
        for key in out:
            out[key][start : start + len(part[key])] = part[key]
        bar.update(len(part["length"]))


def cache_path(count: int, seed: int, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"synth_v{GENERATOR_VERSION}_n{count}_s{seed}.npz"


def cached_samples(
    count: int, seed: int, cache_dir: Path = REPO_ROOT / "cache", workers: int = 2
) -> dict[str, np.ndarray]:
    """generate_samples once, then load the npz (its name holds count, seed and GENERATOR_VERSION)."""
    path = cache_path(count, seed, cache_dir)
    if path.exists():
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    data = generate_samples(count, seed, workers, progress=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(partial, **data)  # uncompressed: noisy photos barely compress, and loading stays fast
    os.replace(partial, path)
    return data


def generate_scenes(count: int, seed: int) -> list[Scene]:
    return [render_scene(sample_rng(seed, index)) for index in range(count)]


# === Sheets and command line ==============================================================


def save_sample_sheet(images: np.ndarray, numbers: list[str], path: Path, columns: int = 12, zoom: int = 2) -> None:
    """A grid of crops (pixels doubled, not smoothed), each titled with its number, saved as PNG."""
    sheet = sample_sheet(images, numbers, columns, zoom)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def sample_sheet(images: np.ndarray, numbers: list[str], columns: int = 12, zoom: int = 2) -> Image.Image:
    """A grid of crops (pixels doubled, not smoothed), each titled with its number."""
    title = 18
    tile_w, tile_h = CROP_SIZE * zoom + 6, CROP_SIZE * zoom + title + 6
    rows = math.ceil(len(images) / columns)
    sheet = Image.new("RGB", (columns * tile_w, rows * tile_h), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    for k, (image, number) in enumerate(zip(images, numbers)):
        x, y = (k % columns) * tile_w + 3, (k // columns) * tile_h + 3
        draw.text((x + CROP_SIZE * zoom / 2, y), number, fill="black", font=font, anchor="mt")
        tile = Image.fromarray(image).resize((CROP_SIZE * zoom, CROP_SIZE * zoom), Image.NEAREST)
        sheet.paste(tile, (x, y + title))
    return sheet


def save_scene_sheet(scenes: list[Scene], path: Path, columns: int = 3) -> None:
    """Scenes with their number boxes drawn in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rows = math.ceil(len(scenes) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 4.2, rows * 3.4))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, scene in zip(np.ravel(axes), scenes):
        ax.imshow(scene.image)
        x, y, w, h = scene.box
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="lime", linewidth=1.2))
        ax.set_title(f"{scene.number}  box {scene.box}  {scene.image.shape[1]}x{scene.image.shape[0]}", fontsize=8)
    fig.tight_layout(pad=0.4)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate synthetic street-number crops (cached as npz).")
    parser.add_argument("--count", type=int, default=200_000, help="number of crops (default: 200000)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default: 1)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument("--cache-dir", default=str(REPO_ROOT / "cache"), help="where the npz goes (default: cache/)")
    parser.add_argument("--no-cache", action="store_true", help="only generate and time, write no npz")
    parser.add_argument("--sheet", help="also write a sheet of the first 96 crops to this PNG")
    parser.add_argument("--scenes", help="also write 6 full scenes with their boxes to this PNG")
    args = parser.parse_args(argv)
    try:
        load_fonts()
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    path = cache_path(args.count, args.seed, Path(args.cache_dir))
    started = time.perf_counter()
    if args.no_cache:
        data = generate_samples(args.count, args.seed, args.workers, progress=True)
    else:
        cached = path.exists()
        data = cached_samples(args.count, args.seed, Path(args.cache_dir), args.workers)
    seconds = time.perf_counter() - started
    if not args.no_cache and cached:
        print(f"loaded {args.count} samples from {path} (delete it to generate them again)")
    else:
        rate = args.count / seconds
        print(f"{args.count} samples in {seconds:.1f} s: {rate:.0f} samples/s with {args.workers} worker(s)")
        if not args.no_cache:
            print(f"wrote {path}")
    if args.sheet:
        shown = min(96, args.count)
        numbers = ["".join(str(d) for d in row if d != NO_DIGIT) for row in data["digits"][:shown]]
        save_sample_sheet(data["images"][:shown], numbers, Path(args.sheet))
        print(f"wrote {args.sheet}")
    if args.scenes:
        save_scene_sheet(generate_scenes(6, args.seed), Path(args.scenes))
        print(f"wrote {args.scenes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
