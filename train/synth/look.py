"""What a sign looks like, drawn at random: colours, finishes, fonts, scheme (plate, bare digits,
tiles) and the words nearby."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from reader.decode import MAX_DIGITS
from train.fonts import FONTS, fonts_by_category

K = TypeVar("K")


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
