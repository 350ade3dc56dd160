"""Synthetic drawings for preprocessing tests: exact, anti-aliased strokes at any place and size."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# A seven with a crossbar, as many Europeans write it, in unit coordinates (x, y down).
SEVEN = [[(0.15, 0.1), (0.85, 0.1), (0.4, 0.95)], [(0.3, 0.55), (0.75, 0.55)]]
# More digits for numbers (tests/test_segment.py).
FOUR = [[(0.65, 0.0), (0.1, 0.65), (0.85, 0.65)], [(0.62, 0.3), (0.62, 1.0)]]  # bar and stem cross: one piece
ZERO = [[(0.5 + 0.3 * np.sin(t), 0.5 - 0.48 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]
ONE = [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]]
CAP_FIVE = [  # the cap drawn apart from the body, as many people write a 5
    [(0.3, 0.1), (0.2, 0.5), (0.6, 0.45), (0.75, 0.7), (0.55, 0.95), (0.15, 0.85)],
    [(0.36, 0.02), (0.85, 0.02)],
]


def segment_distance(px: np.ndarray, py: np.ndarray, a: tuple, b: tuple) -> np.ndarray:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / max(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy)


def draw_polylines(
    strokes: list[list[tuple[float, float]]],
    canvas: int = 280,
    centre: tuple[float, float] = (140, 140),
    height: float = 200,
    brush: float = 18,
    dark_on_light: bool = True,
) -> np.ndarray:
    """uint8 (canvas, canvas) image of round-brush strokes, anti-aliased by distance to the path."""
    ys, xs = np.mgrid[0:canvas, 0:canvas] + 0.5
    distance = np.full((canvas, canvas), np.inf)
    for stroke in strokes:
        points = [(centre[0] + (x - 0.5) * height, centre[1] + (y - 0.5) * height) for x, y in stroke]
        for a, b in zip(points, points[1:]):
            distance = np.minimum(distance, segment_distance(xs, ys, a, b))
    ink = np.clip(brush / 2 - distance + 0.5, 0.0, 1.0)
    image = ink if not dark_on_light else 1.0 - ink
    return np.round(image * 255).astype(np.uint8)


def draw_number(shapes: list, width: int = 1120, height: int = 280, size: float = 150, gap: float = 40) -> np.ndarray:
    """uint8 (height, width): digits (unit coordinates) drawn side by side on the number canvas, dark on
    white; `gap` pixels between their boxes (negative: they overlap)."""
    canvas = np.full((height, width), 255, np.uint8)
    x = (width - len(shapes) * (size * 0.7 + gap)) / 2
    for shape in shapes:
        digit = draw_polylines(shape, canvas=width, centre=(x + size * 0.35, height / 2), height=size)
        canvas = np.minimum(canvas, digit[:height])
        x += size * 0.7 + gap
    return canvas


def paper_photo(shapes: list, seed: int = 0) -> bytes:
    """Digits written in blue ink on grey ruled paper, lit unevenly, under a shadow, saved as a JPEG:
    a phone's photo of a written number."""
    rng = np.random.default_rng(seed)
    ink = np.hstack(
        [255 - draw_polylines(shape, canvas=200, centre=(100, 110), height=120, brush=9) for shape in shapes]
    )
    ink = np.pad(ink, ((60, 60), (80, 80))).astype(np.float32) / 255
    rows, cols = np.mgrid[0 : ink.shape[0], 0 : ink.shape[1]]
    paper = np.full(ink.shape + (3,), (0.86, 0.85, 0.8), np.float32)
    paper[(rows % 70) < 2] = (0.55, 0.65, 0.85)  # ruled lines, one under the digits
    light = 1 - 0.25 * cols / cols.max() - 0.3 * (rows > 0.8 * rows.max())  # a slope and a shadow at the bottom
    rgb = paper * (1 - ink[..., None]) + np.array([0.1, 0.15, 0.5]) * ink[..., None]
    rgb = rgb * light[..., None] + rng.normal(0, 0.02, rgb.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.uint8(np.clip(rgb, 0, 1) * 255)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def half_in_deep_shadow(drawing: np.ndarray) -> np.ndarray:
    """A drawing on grey paper whose left half lies in a deep shadow (0.45 of the light): the ink
    there stands out from its paper less than half as far as the lit ink does."""
    cols = np.arange(drawing.shape[1])[None, :]
    light = 0.45 + 0.55 / (1 + np.exp(-(cols - drawing.shape[1] / 2) / 15))
    return np.uint8(np.clip(0.85 * drawing / 255 * light, 0, 1) * 255)


def beside_a_broken_page_edge() -> np.ndarray:
    """A small seven (y 130-170, x 80-120) on a white page, and 25 px to its right a page edge too
    broken to be a rule: ink in 70 % of the rows."""
    from PIL import Image

    seven = np.asarray(Image.fromarray(draw_polylines(SEVEN, brush=24)).resize((40, 40), Image.BILINEAR))
    page = np.full((300, 200), 255, np.uint8)
    page[130:170, 80:120] = seven
    page[20:280, 145:147] = 60
    for y in range(20, 280, 26):  # broken every 26 px for 8 px
        page[y : y + 8, 145:147] = 255
    return page
