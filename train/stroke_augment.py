"""Strokes drawn the many ways people draw the same digit: for training the stroke reader.

Every function takes strokes in canvas pixels (x right, y down) and a numpy Generator, and
returns new strokes. What each imitates:
- slant, rotation and a narrower or wider hand (an affine map about the digit's centre);
- the mouse's event rate: a fast mouse sends few points, and its path cuts corners;
- a shaky hand (jitter);
- the order and direction of strokes: a 5's bar drawn first or last, a 1 drawn upwards;
- the pen lifted midway, or kept down between strokes;
- a stroke gone back over (the return stroke of a one-stroke 4).
"""

from __future__ import annotations

import numpy as np

from train.strokes import resample

Stroke = np.ndarray  # (points, 2) float x, y

BOX = 200.0  # the digit's longer side in canvas px before augmenting: a typical drawing's size


def fit_box(strokes: list[Stroke], size: float = BOX) -> list[Stroke]:
    """Scale so the longer side is `size` px, the top-left of the ink at (0, 0)."""
    points = np.concatenate(strokes)
    low = points.min(axis=0)
    extent = float(max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 1.0))
    return [(s - low) * (size / extent) for s in strokes]


def affine(strokes: list[Stroke], rng: np.random.Generator) -> list[Stroke]:
    """Slant (shear), a small rotation, and a narrower or wider hand, about the ink's centre."""
    angle = np.radians(rng.uniform(-12, 12))
    shear = rng.uniform(-0.35, 0.35)
    widen = np.exp(rng.uniform(-0.3, 0.3))
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rotate @ np.array([[widen, -shear], [0.0, 1.0]])
    centre = np.concatenate(strokes).mean(axis=0)
    return [(s - centre) @ matrix.T + centre for s in strokes]


def reorder(strokes: list[Stroke], rng: np.random.Generator, p_order: float, p_reverse: float) -> list[Stroke]:
    """Strokes in another order (p_order), and each stroke drawn backwards (p_reverse)."""
    strokes = list(strokes)
    if len(strokes) > 1 and rng.random() < p_order:
        strokes = [strokes[i] for i in rng.permutation(len(strokes))]
    return [s[::-1] if rng.random() < p_reverse else s for s in strokes]


def join_or_split(strokes: list[Stroke], rng: np.random.Generator, p: float = 0.1) -> list[Stroke]:
    """The pen kept down from one stroke to the next (joined), or lifted for a moment (split)."""
    strokes = list(strokes)
    if len(strokes) > 1 and rng.random() < p:
        i = int(rng.integers(len(strokes) - 1))
        strokes[i : i + 2] = [np.concatenate([strokes[i], strokes[i + 1]])]
    if rng.random() < p:
        i = int(rng.integers(len(strokes)))
        if len(strokes[i]) >= 6:
            cut = int(rng.integers(2, len(strokes[i]) - 2))
            strokes[i : i + 1] = [strokes[i][:cut], strokes[i][cut:]]
    return strokes


def retrace(strokes: list[Stroke], rng: np.random.Generator, p: float = 0.08) -> list[Stroke]:
    """Go back over the end of a stroke: a tenth to a half of it, reversed, added to it."""
    strokes = list(strokes)
    if rng.random() < p:
        i = int(rng.integers(len(strokes)))
        stroke = strokes[i]
        if len(stroke) >= 4:
            back = max(2, int(len(stroke) * rng.uniform(0.1, 0.5)))
            strokes[i] = np.concatenate([stroke, stroke[-back - 1 : -1][::-1]])
    return strokes


def mouse_points(strokes: list[Stroke], rng: np.random.Generator) -> list[Stroke]:
    """Points as a mouse sends them: every 1 to 12 px along the path, then a shaky hand's jitter."""
    spacing = float(np.exp(rng.uniform(np.log(1.0), np.log(12.0))))
    shake = rng.uniform(0.0, 1.5)
    out = []
    for stroke in strokes:
        points = resample(stroke, spacing)
        out.append(points + rng.normal(0.0, shake, points.shape))
    return out


def augment_strokes(strokes: list[Stroke], rng: np.random.Generator, natural_order: bool = True) -> list[Stroke]:
    """One new way of drawing `strokes`. natural_order: the strokes' order and direction are a
    person's (pen trajectories), so they change seldom; skeleton strokes traced from an image
    have no true order, and change often."""
    p_order, p_reverse = (0.1, 0.05) if natural_order else (0.5, 0.5)
    strokes = fit_box([np.asarray(s, dtype=np.float64) for s in strokes])
    strokes = affine(strokes, rng)
    strokes = reorder(strokes, rng, p_order, p_reverse)
    strokes = join_or_split(strokes, rng)
    strokes = retrace(strokes, rng)
    return mouse_points(strokes, rng)
