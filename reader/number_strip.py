"""Twin of web/static/js/numberStrip.js: the ink of a written number -> the number reader's strip.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit;
tests/test_number_reader.py compares them on the same pixels.
"""

from __future__ import annotations

import math

import numpy as np

from reader.masks import window_counts
from reader.paper_ink import ink_image, ink_runs, thin_full_bands
from reader.preprocess import EmptyImageError, ink_bounding_box, resize_weights

STRIP_HEIGHT, STRIP_WIDTH = 32, 256  # the number reader's input: room for 8 digits side by side
STRIP_INK_HEIGHT = 24  # the ink's height in the strip, unless the number is too wide for it
STRIP_MARGIN = 4  # px kept free at the strip's left and right
STRIP_INK_HEIGHTS = (24, 18, 26, 28)  # read at these ink heights too, and the readings vote (number_strips):
# the best of the sets studies/strip_heights.py scored on validation numbers (docs/strip_heights.json)
STRONG_INK = 0.5  # the number's box is laid on ink at least this bright (of the brightest); what paper leaves
# behind (pieces of ruled lines, box edges, shadow seams, pattern specks) is fainter, and one faint speck far off
# would shrink the digits in the strip
BOX_REACH = 0.1  # ... then widened to the fainter ink within this share of its height: stroke ends and edges
BAND_GAP = 0.25  # rows of strong ink split by a gap under this share of the taller side are one band; the number
# is the band with the most strong ink times rows, not a printed heading, an underline or a ruled line
CENTRE_FLOOR = 0.1  # a band's weight falls off with its distance from the image's middle (1 there, 0 at the
# edge), down to this: the number is what the photo or crop is of; a printed heading or a neighbour's row at
# the edge is not
LINE_SHARE = 0.5  # a thin band of columns holding strong ink in this share of the rows (gaps of a pixel joined)
LINE_BEYOND = 2.0  # ... is a ruled line's or a page edge's piece, too broken or short for paper_ink.rules: left
# out of the band's rows, and out of its columns where it holds this many band heights of ink beyond the band
NUMBER_GAP = 2.0  # ... and within the band, columns of ink further than this many band heights from the
# heaviest group are another cell's stroke or a rule's piece, not a digit of the number


def strip_scale(height: int, width: int, ink_height: int = STRIP_INK_HEIGHT) -> float:
    """How much an ink box of height x width is scaled into the strip to be ink_height px high."""
    return min(ink_height / height, (STRIP_WIDTH - 2 * STRIP_MARGIN) / width)


def strip_placement(box: tuple[int, int, int, int], ink_height: int = STRIP_INK_HEIGHT) -> dict:
    """Ink box (top, left, bottom, right) -> where it lands in the strip: {scale, top, left, height,
    width} (centred), so strip x = left + (image x - ink left) * scale and back."""
    top, left, bottom, right = box
    scale = strip_scale(bottom - top, right - left, ink_height)
    height = min(STRIP_HEIGHT, max(1, math.floor((bottom - top) * scale + 0.5)))
    width = min(STRIP_WIDTH, max(1, math.floor((right - left) * scale + 0.5)))
    return {
        "scale": scale,
        "top": math.floor((STRIP_HEIGHT - height) / 2 + 0.5),
        "left": math.floor((STRIP_WIDTH - width) / 2 + 0.5),
        "height": height,
        "width": width,
    }


def heaviest_group(
    counts: np.ndarray, gap: float | None = None, share: float = 0.0, by_extent: bool = False, central: bool = False
) -> tuple[int, int]:
    """Counts along rows or columns -> (start, end) of the group of ink runs with the most ink (times
    its extent when by_extent: a line under or over a number holds much ink in few rows; times
    centrality's weight when central), runs joining a group when the gap to it is at most `gap` px, or
    `share` of the longer of the two."""
    groups: list[list[int]] = []
    for start, end in ink_runs(counts):
        if groups:
            last = groups[-1]
            allowed = gap if gap is not None else share * max(last[1] - last[0], end - start)
            if start - last[1] <= allowed:
                last[1] = end
                continue
        groups.append([start, end])

    def score(group: list[int]) -> float:
        weight = centrality(group[0], group[1], counts.size) if central else 1.0
        return float(counts[group[0] : group[1]].sum()) * ((group[1] - group[0]) if by_extent else 1) * weight

    best = max(groups, key=lambda g: (score(g), -g[0]))
    return best[0], best[1]


def centrality(start: int, end: int, size: int) -> float:
    """1 for a group centred in `size`, falling linearly to CENTRE_FLOOR at the edge."""
    half = size / 2
    return max(CENTRE_FLOOR, 1.0 - abs((start + end) / 2 - half) / half)


def upright_lines(strong: np.ndarray) -> np.ndarray:
    """bool (W,): the thin bands of columns (as thin as paper_ink.rules' rules) holding strong ink in
    LINE_SHARE of the rows, gaps of a pixel joined."""
    return thin_full_bands((window_counts(strong, 1) > 0).mean(axis=0), LINE_SHARE)


def number_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive end, of the number's ink: the heaviest band of rows of
    strong ink nearest the middle, the heaviest group of its columns (heaviest_group), and the faint
    ink near them. Upright lines (upright_lines) do not make the band, nor join its columns where they
    reach far beyond it (a drawn 1 does not). Raises EmptyImageError when blank."""
    strong = ink > STRONG_INK
    if not strong.any():
        raise EmptyImageError("no ink found: the image is blank")
    lines = upright_lines(strong)
    rows = strong[:, ~lines].sum(axis=1)
    if not rows.any():  # nothing but upright strokes: a drawn 1 is the number
        rows = strong.sum(axis=1)
    top, bottom = heaviest_group(rows, share=BAND_GAP, by_extent=True, central=True)
    band = strong[top:bottom].sum(axis=0)
    beyond = strong.sum(axis=0) - band
    cols = np.where(lines & (beyond >= LINE_BEYOND * (bottom - top)), 0, band)
    if not cols.any():
        cols = band
    left, right = heaviest_group(cols, gap=NUMBER_GAP * (bottom - top))
    reach = math.floor(BOX_REACH * (bottom - top) + 0.5)
    near_top, near_left = max(0, top - reach), max(0, left - reach)
    near = ink_bounding_box(ink[near_top : bottom + reach, near_left : right + reach])
    return near[0] + near_top, near[1] + near_left, near[2] + near_top, near[3] + near_left


def strip_at(
    ink: np.ndarray, box: tuple[int, int, int, int], ink_height: int = STRIP_INK_HEIGHT
) -> tuple[np.ndarray, dict]:
    """The ink in box, scaled ink_height px high (less when wide) and centred in a strip -> (float32
    (32, 256) in [0, 1], light ink on black, placement): strip_placement's figures and the box
    [x, y, w, h] in image pixels."""
    top, left, bottom, right = box
    place = strip_placement(box, ink_height)
    inked = ink[top:bottom, left:right]
    resized = resize_weights(inked.shape[0], place["height"]) @ inked @ resize_weights(inked.shape[1], place["width"]).T
    strip = np.zeros((STRIP_HEIGHT, STRIP_WIDTH), dtype=np.float32)
    strip[place["top"] : place["top"] + place["height"], place["left"] : place["left"] + place["width"]] = np.clip(
        resized, 0.0, 1.0
    )
    return strip, {**place, "box": [left, top, right - left, bottom - top]}


def number_strip(ink: np.ndarray) -> tuple[np.ndarray, dict]:
    """Ink image (ink_image's output) -> (float32 (32, 256) in [0, 1], light ink on black, placement):
    the number's ink scaled to 24 px high (less when wide) and centred, as the reader trained on.
    Raises EmptyImageError when blank."""
    return strip_at(ink, number_box(ink))


def number_strips(ink: np.ndarray, ink_heights: tuple[int, ...] = STRIP_INK_HEIGHTS) -> list[tuple[np.ndarray, dict]]:
    """Ink image -> the number's strip at each of ink_heights, one strip per distinct placement (a
    wide number fills the strip's width at every height and is read once). Raises EmptyImageError
    when blank."""
    box = number_box(ink)
    strips, seen = [], set()
    for ink_height in ink_heights:
        place = strip_placement(box, ink_height)
        key = (place["height"], place["width"])
        if key not in seen:
            seen.add(key)
            strips.append(strip_at(ink, box, ink_height))
    return strips


def preprocess_number_strip(pixels: np.ndarray) -> tuple[np.ndarray, dict]:
    """Image of a written number (any size, either polarity) -> number_strip of its ink."""
    return number_strip(ink_image(pixels))
