"""Digit images and pen trajectories -> strokes on the page's canvas: for the browser tests, and the
number reader's training data (train/numbers.py).

An MNIST digit has no strokes, only pixels, so we recover them the way a person would
redraw it: thin the ink to a one-pixel skeleton (Zhang-Suen), trace the skeleton into
polylines, smooth them, and place them on the 280 x 280 canvas so the page's medium
brush is about as wide as the digit's own pen. Pen digits already are strokes; they only
need placing. All coordinates are canvas pixels, x to the right and y down.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

CANVAS_SIZE = 280  # the page's internal canvas resolution (web/static/js/draw.js)
MEDIUM_BRUSH = 0.065  # the page's default brush, as a fraction of the canvas width
MNIST_SCALE = 7.0  # canvas px per MNIST px: a 20 px MNIST digit becomes 140 px, half the canvas
UPSAMPLE = 4  # thin at 4x the image size: smoother centre lines, and loops stay open
# Ink levels for thinning: 0.6 is above MNIST's anti-aliased rim, so bold strokes keep their
# holes (redrawn digits read 98.9 % right vs 98.5 % at 0.5); 0.3 for faint digits.
INK_LEVELS = (0.6, 0.3)

# Neighbours of a pixel in Zhang-Suen's order P2..P9: north, then clockwise.
RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))

Stroke = np.ndarray  # (points, 2) float: x, y


def ring_neighbours(image: np.ndarray) -> list[np.ndarray]:
    """P2..P9 of every pixel of a zero-padded uint8 image, as shifted copies."""
    return [np.roll(image, (-dr, -dc), axis=(0, 1)) for dr, dc in RING]


def zhang_suen_thin(mask: np.ndarray) -> np.ndarray:
    """bool (H, W) ink mask -> bool (H, W) skeleton one pixel wide (Zhang & Suen, 1984)."""
    image = np.pad(mask.astype(np.uint8), 1)  # the zero border keeps np.roll from wrapping ink
    changed = True
    while changed:
        changed = False
        for first_pass in (True, False):
            p2, p3, p4, p5, p6, p7, p8, p9 = ring_neighbours(image)
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            count = sum(ring[:8])
            transitions = sum(((a == 0) & (b == 1)).astype(np.uint8) for a, b in zip(ring[:-1], ring[1:]))
            if first_pass:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (image == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                image[remove] = 0
                changed = True
    return image[1:-1, 1:-1].astype(bool)


def skeleton_graph(skeleton: np.ndarray) -> dict[tuple[int, int], set[tuple[int, int]]]:
    """Pixel -> its 8-connected skeleton neighbours, without diagonal shortcuts.

    A diagonal link is dropped when a pixel next to both ends already joins them, so an
    L-shaped corner is one path, not a triangle that looks like a junction.
    """
    pixels = {(int(r), int(c)) for r, c in zip(*np.nonzero(skeleton))}
    graph: dict[tuple[int, int], set[tuple[int, int]]] = {p: set() for p in pixels}
    for r, c in pixels:
        for dr, dc in RING:
            other = (r + dr, c + dc)
            if other not in pixels:
                continue
            if dr and dc and ((r + dr, c) in pixels or (r, c + dc) in pixels):
                continue
            graph[(r, c)].add(other)
    return graph


def straightest(previous: tuple[int, int], here: tuple[int, int], options: list[tuple[int, int]]) -> tuple[int, int]:
    """Of the untraced neighbours, the one that bends the path least: a pen goes straight on through a crossing."""
    heading = np.subtract(here, previous)

    def straightness(option: tuple[int, int]) -> float:
        step = np.subtract(option, here)
        return float(np.dot(heading, step) / np.linalg.norm(step))

    return max(options, key=straightness)


def trace_paths(graph: dict[tuple[int, int], set[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Cover every link of the skeleton with as few pixel paths as a greedy walk finds.

    Walks start at line ends, then at junctions, then anywhere (closed loops like a 0),
    and at a junction keep going the straightest way.
    """
    used: set[frozenset] = set()
    untraced = lambda p: [q for q in graph[p] if frozenset((p, q)) not in used]
    paths = []
    by_degree = sorted(graph, key=lambda p: (len(graph[p]) != 1, len(graph[p]) == 2, p))
    for start in by_degree:
        while untraced(start):
            path = [start, untraced(start)[0]]
            used.add(frozenset(path))
            while options := untraced(path[-1]):
                step = straightest(path[-2], path[-1], options)
                used.add(frozenset((path[-1], step)))
                path.append(step)
            paths.append(path)
    # Specks with no neighbours are drawn as dots.
    paths.extend([p] for p in graph if not graph[p])
    return paths


def smooth(stroke: Stroke, passes: int = 2) -> Stroke:
    """Average each inner point with its neighbours, to take the pixel staircase out; ends stay."""
    stroke = stroke.astype(np.float64)
    for _ in range(passes):
        if len(stroke) < 3:
            break
        inner = (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4
        stroke = np.concatenate([stroke[:1], inner, stroke[-1:]])
    return stroke


def drop_specks(skeleton: np.ndarray, min_pixels: int) -> np.ndarray:
    """Remove 8-connected pieces smaller than min_pixels: scanner specks, not strokes."""
    labels, count = ndimage.label(skeleton, structure=np.ones((3, 3)))
    sizes = ndimage.sum(skeleton, labels, index=np.arange(1, count + 1))
    return np.isin(labels, 1 + np.flatnonzero(sizes >= min_pixels))


def image_strokes(image: np.ndarray, upsample: int = UPSAMPLE, min_pixels: int = 2 * UPSAMPLE) -> list[Stroke]:
    """float (H, W) light-on-dark digit -> smoothed strokes in image pixels (x, y; pixel centres at +0.5).

    The image is enlarged before thinning: at 28 x 28 a thick stroke fills a loop's hole
    and the skeleton forgets the loop. Skeleton pieces under min_pixels (at the enlarged
    size) are dropped.
    """
    image = np.asarray(image, dtype=np.float64).squeeze()
    large = ndimage.zoom(image, upsample, order=1, grid_mode=True, mode="grid-constant")
    bold, faint = (drop_specks(zhang_suen_thin(large > level), min_pixels) for level in INK_LEVELS)
    # The high level keeps bold strokes' holes open, but a faint digit falls apart there:
    # then its skeleton is much shorter than at the low level, and the low level is used.
    skeleton = bold if bold.sum() >= 0.75 * faint.sum() else faint
    strokes = []
    for path in trace_paths(skeleton_graph(skeleton)):
        rows_cols = np.array(path, dtype=np.float64)
        strokes.append(smooth(rows_cols[:, ::-1] + 0.5) / upsample)
    return strokes


def mnist_strokes(image: np.ndarray, scale: float = MNIST_SCALE, canvas_size: int = CANVAS_SIZE) -> list[Stroke]:
    """MNIST image (28, 28[, 1]) -> strokes on the canvas, its 28 x 28 frame centred and `scale` times larger."""
    image = np.asarray(image).squeeze()
    return on_canvas(image_strokes(image), image.shape[0], scale, canvas_size)


def on_canvas(
    strokes: list[Stroke], frame: int = 28, scale: float = MNIST_SCALE, canvas_size: int = CANVAS_SIZE
) -> list[Stroke]:
    """Strokes traced in a `frame`-pixel image (image_strokes) -> the canvas, the frame centred and `scale`
    times larger (as mnist_strokes places them)."""
    margin = (canvas_size - scale * frame) / 2
    return [s * scale + margin for s in strokes]


def place_strokes(
    strokes: list[Stroke],
    size_fraction: float = 0.7,
    offset: tuple[float, float] = (0.5, 0.5),
    canvas_size: int = CANVAS_SIZE,
    y_up: bool = True,
) -> list[Stroke]:
    """Pen strokes (any units) -> canvas pixels, placed as train/pendigits.py's render_strokes places them.

    The digit's longer side becomes size_fraction of the canvas; offset spreads the free
    space left/right and top/bottom (0.5, 0.5 centres it). Tablets count y upwards.
    """
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float(max(high[1] - low[1], high[0] - low[0], 1.0))
    scale = size_fraction * canvas_size / extent
    x0 = offset[0] * (canvas_size - (high[0] - low[0]) * scale)
    y0 = offset[1] * (canvas_size - (high[1] - low[1]) * scale)
    placed = []
    for stroke in strokes:
        x = x0 + (stroke[:, 0] - low[0]) * scale
        y = y0 + ((high[1] - stroke[:, 1]) if y_up else (stroke[:, 1] - low[1])) * scale
        placed.append(np.stack([x, y], axis=1))
    return placed


def resample(stroke: Stroke, spacing: float) -> Stroke:
    """Points along the polyline every `spacing` units (plus both ends): fewer, even pointer moves."""
    if len(stroke) < 2:
        return stroke.astype(np.float64)
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] == 0:
        return stroke[:1].astype(np.float64)
    targets = np.append(np.arange(0.0, along[-1], spacing), along[-1])
    return np.stack([np.interp(targets, along, stroke[:, i]) for i in (0, 1)], axis=1)
