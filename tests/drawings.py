"""Synthetic drawings for preprocessing tests: exact, anti-aliased strokes at any place and size."""

from __future__ import annotations

import numpy as np

# A seven with a crossbar, as many Europeans write it, in unit coordinates (x, y down).
SEVEN = [[(0.15, 0.1), (0.85, 0.1), (0.4, 0.95)], [(0.3, 0.55), (0.75, 0.55)]]


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
