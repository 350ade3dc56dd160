"""Drawn strokes -> the stroke reader's input: how the digit was drawn, not only how it looks.

Twin of web/static/js/strokeFeatures.js (same names, parity in tests/test_stroke_features.py).

The whole movement is one path: the pen-down strokes in the order drawn, joined by the
pen-up jumps between them. N_POINTS points are taken along it at equal arc length, so
neither the mouse's event rate nor the drawing's speed changes the input. Each point
carries its position (centred on the ink's box and scaled by its longer side, so the
aspect stays), the unit direction of the path there, and whether the pen was down.
"""

from __future__ import annotations

import math

import numpy as np

N_POINTS = 64
N_FEATURES = 5  # x, y, direction x, direction y, pen down (1) or up (0)

Stroke = np.ndarray  # (points, 2) float: x, y in canvas pixels, y pointing down


class NoStrokesError(ValueError):
    """Nothing was drawn: no stroke has a point."""


def path_segments(strokes: list[Stroke]) -> list[tuple[float, float, float, float, bool]]:
    """The movement as segments (x0, y0, x1, y1, pen down): each stroke's own steps, and a pen-up
    jump from each stroke's end to the next one's start."""
    segments = []
    previous = None
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in np.asarray(stroke, dtype=np.float64).reshape(-1, 2)]
        if not points:
            continue
        if previous is not None:
            segments.append((*previous, *points[0], False))
        if len(points) == 1:
            segments.append((*points[0], *points[0], True))  # a tap: a dot of ink
        segments.extend((*a, *b, True) for a, b in zip(points, points[1:]))
        previous = points[-1]
    return segments


def resample_trajectory(strokes: list[Stroke], n_points: int = N_POINTS) -> np.ndarray:
    """strokes -> float64 (n_points, 3): x, y, pen down, at equal steps of arc length along the path.

    A point on a boundary between segments belongs to the earlier one; zero-length segments hold
    no point unless the whole path has no length (a single tap), when every point is the tap.
    """
    segments = path_segments(strokes)
    if not segments:
        raise NoStrokesError("no strokes to read")
    lengths = [math.hypot(x1 - x0, y1 - y0) for x0, y0, x1, y1, _ in segments]
    total = 0.0
    ends = []
    for length in lengths:
        total += length
        ends.append(total)
    out = np.zeros((n_points, 3), dtype=np.float64)
    if total == 0.0:
        x0, y0, _, _, down = segments[0]
        out[:] = (x0, y0, 1.0 if down else 0.0)
        return out
    j = 0
    for k in range(n_points):
        target = total * k / (n_points - 1)
        while j < len(segments) - 1 and (ends[j] < target or lengths[j] == 0.0):
            j += 1
        x0, y0, x1, y1, down = segments[j]
        t = 1.0 if lengths[j] == 0.0 else min(1.0, max(0.0, (target - (ends[j] - lengths[j])) / lengths[j]))
        out[k] = (x0 + t * (x1 - x0), y0 + t * (y1 - y0), 1.0 if down else 0.0)
    return out


def ink_extent(strokes: list[Stroke]) -> tuple[float, float, float]:
    """(centre x, centre y, half the longer side) of the drawn points' box; 1 for a dot."""
    points = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    half = max(float(high[0] - low[0]), float(high[1] - low[1])) / 2
    return float(low[0] + high[0]) / 2, float(low[1] + high[1]) / 2, half if half > 0 else 1.0


def stroke_features(strokes: list[Stroke], n_points: int = N_POINTS) -> np.ndarray:
    """strokes in canvas pixels -> float32 (n_points, N_FEATURES), the stroke reader's input."""
    trajectory = resample_trajectory(strokes, n_points)
    cx, cy, half = ink_extent(strokes)
    features = np.zeros((n_points, N_FEATURES), dtype=np.float64)
    features[:, 0] = (trajectory[:, 0] - cx) / half
    features[:, 1] = (trajectory[:, 1] - cy) / half
    for k in range(n_points):
        # The way the path goes on from here; the last point keeps the way it came.
        a, b = (k, k + 1) if k < n_points - 1 else (k - 1, k)
        dx, dy = trajectory[b, 0] - trajectory[a, 0], trajectory[b, 1] - trajectory[a, 1]
        norm = math.hypot(dx, dy)
        if norm > 1e-9 * half:
            features[k, 2], features[k, 3] = dx / norm, dy / norm
    features[:, 4] = trajectory[:, 2]
    return features.astype(np.float32)
