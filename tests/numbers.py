"""Whole numbers composed from MNIST digits, as strokes on the page's number canvas.

Each digit is an MNIST test image redrawn as strokes (train/strokes.py), scaled to a
handwriting size and set beside the previous one the way a person writes: the next digit
starts a little after the ink of the last one ends, row by row, so a 4 may tuck under a
7's bar. Some pairs are pushed together until their ink touches, and some digits have a
stroke broken by a small gap, as when the pen skips. All coordinates are canvas pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from train.numbers import break_stroke, draw_strokes, row_extents
from train.strokes import MEDIUM_BRUSH, Stroke, image_strokes

NUMBER_WIDTH, NUMBER_HEIGHT = 1120, 280  # the number canvas (web/static/js/draw.js NUMBER_CANVAS)
BRUSH_PX = MEDIUM_BRUSH * NUMBER_HEIGHT  # the page's medium brush: brushes scale with the canvas height
SCALES = (6.5, 7.5)  # canvas px per MNIST px: digits about 130-150 px tall, as in digit mode (7)
SPACING = (-0.1, 0.35)  # gap between neighbours' boxes, in digit heights: a little overhang to a wide gap
MIN_GAP = 6.0  # px of paper at least between the closest ink of neighbours that do not touch
TOUCH_DEPTH = (1.0, 3.0)  # px the ink of a touching pair overlaps
JITTER = 12.0  # px a digit may sit above or below the line
MARGIN = 24.0  # px kept free at the canvas's left and right
TOUCH_RATE = 0.1  # share of neighbouring pairs whose ink touches
BREAK_RATE = 0.1  # share of digits with a stroke broken in two


@dataclass
class ComposedNumber:
    label: str  # the digits, e.g. "4071"
    digits: list[list[Stroke]]  # each digit's strokes, left to right
    touching: int  # pairs whose ink touches
    broken: int  # digits with a stroke broken in two

    @property
    def strokes(self) -> list[Stroke]:
        """All strokes, in the order a person draws them: digit by digit."""
        return [stroke for digit in self.digits for stroke in digit]


def ink_mask(strokes: list[Stroke], width: int, height: int) -> np.ndarray:
    """bool (height, width): where a round brush of BRUSH_PX along the strokes leaves ink."""
    return render_strokes(strokes, width, height, supersample=1) < 128


def render_strokes(
    strokes: list[Stroke], width: int = NUMBER_WIDTH, height: int = NUMBER_HEIGHT, supersample: int = 4
) -> np.ndarray:
    """uint8 (height, width) dark ink on white, drawn with the page's round medium brush,
    anti-aliased as a canvas draws (rendered `supersample` times larger, then averaged)."""
    return draw_strokes(strokes, width, height, BRUSH_PX, supersample)


def compose_number(
    images: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    length: int,
    touch_rate: float = TOUCH_RATE,
    break_rate: float = BREAK_RATE,
) -> ComposedNumber:
    """`length` random MNIST digits written in a row on the number canvas."""
    picks = rng.choice(len(images), size=length, replace=False)
    scale = rng.uniform(*SCALES)
    digits = []  # strokes per digit, x from 0, y on the canvas
    broken = 0
    for i in picks:
        strokes = [s * scale for s in image_strokes(images[i])]
        if rng.random() < break_rate:
            longest = max(range(len(strokes)), key=lambda k: len(strokes[k]))
            pieces = break_stroke(strokes[longest], rng.uniform(5, 12), BRUSH_PX)
            broken += len(pieces) > 1
            strokes = strokes[:longest] + pieces + strokes[longest + 1 :]
        top = (NUMBER_HEIGHT - 28 * scale) / 2 + rng.uniform(-JITTER, JITTER)
        digits.append([s + np.array([0.0, top]) for s in strokes])
    # Lay out left to right with each digit's own ink mask, row by row.
    wide = int(28 * scale * 1.5)
    placed, touching, right_edge = [], 0, None
    x = 0.0
    for k, strokes in enumerate(digits):
        first, _ = row_extents(ink_mask(strokes, wide, NUMBER_HEIGHT))
        if k == 0:
            x = -float(first.min())
        else:
            both = np.isfinite(first) & np.isfinite(right_edge)
            contact = float(np.max(right_edge[both] - first[both])) if both.any() else float(right_edge.max())
            if rng.random() < touch_rate and both.any():
                x = contact - rng.uniform(*TOUCH_DEPTH)
                touching += 1
            else:
                spaced = float(right_edge.max()) - float(first.min()) + rng.uniform(*SPACING) * 20 * scale
                x = max(spaced, contact + MIN_GAP)
        shifted = [s + np.array([x, 0.0]) for s in strokes]
        placed.append(shifted)
        _, last = row_extents(ink_mask(shifted, NUMBER_WIDTH * 2, NUMBER_HEIGHT))
        right_edge = last if right_edge is None else np.maximum(right_edge, last)
    # Centre the row; shrink it about its middle when it would not fit.
    points = np.concatenate([s for digit in placed for s in digit])
    low, high = points[:, 0].min() - BRUSH_PX / 2, points[:, 0].max() + BRUSH_PX / 2
    fit = min(1.0, (NUMBER_WIDTH - 2 * MARGIN) / (high - low))
    centre = np.array([(low + high) / 2, NUMBER_HEIGHT / 2])
    target = np.array([NUMBER_WIDTH / 2, NUMBER_HEIGHT / 2])
    placed = [[(s - centre) * fit + target for s in digit] for digit in placed]
    label = "".join(str(int(labels[i])) for i in picks)
    return ComposedNumber(label, placed, touching, broken)


def compose_numbers(
    images: np.ndarray,
    labels: np.ndarray,
    count: int,
    seed: int = 0,
    lengths: tuple[int, int] = (2, 6),
    touch_rate: float = TOUCH_RATE,
    break_rate: float = BREAK_RATE,
) -> list[ComposedNumber]:
    """`count` numbers of lengths[0] to lengths[1] digits, repeatable by seed."""
    rng = np.random.default_rng(seed)
    return [
        compose_number(images, labels, rng, int(rng.integers(lengths[0], lengths[1] + 1)), touch_rate, break_rate)
        for _ in range(count)
    ]
