"""Real pen trajectories (UNIPEN pendigits) -> digits drawn the way the page draws them.

The page draws round-capped strokes of dark ink on a light canvas; rendering the
trajectories the same way and sending them through preprocess.py gives training
and validation images that look exactly like what the browser feeds the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from reader.paths import REPO_ROOT, SHARED_DATA_DIR
from reader.preprocess import EmptyImageError, preprocess_clean

ENV_VAR = "PENDIGITS_FILE"
DEFAULT_FILES = (
    REPO_ROOT / "data" / "pendigits" / "pendigits-orig.tra",
    SHARED_DATA_DIR / "pendigits" / "pendigits-orig.tra",
)
N_WRITERS = 30  # the file holds 30 writers' digits, each writer's ~250 in a row
VALIDATION_WRITERS = 6  # the last 6 writers are kept apart as drawn-digit validation
CANVAS_SIZE = 280  # the page's canvas, in canvas pixels
BRUSH_FRACTIONS = (0.035, 0.05, 0.065, 0.08, 0.1)  # brush width / canvas size: thin to thick

Stroke = np.ndarray  # (points, 2) float x, y in tablet units, y pointing up


@dataclass(frozen=True)
class PenDigit:
    label: int
    strokes: list[Stroke]
    index: int  # position in the file; writers follow each other in order


def find_pendigits_file(path: str | Path | None = None) -> Path:
    candidates = [Path(path)] if path else []
    if os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    candidates.extend(DEFAULT_FILES)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"pendigits-orig.tra not found (searched {', '.join(map(str, candidates))})")


def parse_unipen(text: str) -> list[PenDigit]:
    """Parse .SEGMENT / .PEN_DOWN / .PEN_UP blocks into labelled stroke lists."""
    digits: list[PenDigit] = []
    label: int | None = None
    strokes: list[Stroke] = []
    points: list[tuple[float, float]] | None = None

    def close_digit() -> None:
        if label is not None and strokes:
            digits.append(PenDigit(label, list(strokes), len(digits)))

    for line in text.splitlines():
        if line.startswith(".SEGMENT"):
            close_digit()
            label, strokes = int(line.rsplit('"', 2)[-2]), []
        elif line.startswith(".PEN_DOWN"):
            points = []
        elif line.startswith(".PEN_UP"):
            if points:
                strokes.append(np.array(points, dtype=np.float32))
            points = None
        elif points is not None and line.strip():
            x, y = line.split()[:2]
            points.append((float(x), float(y)))
    close_digit()
    return digits


def load_pendigits(path: str | Path | None = None) -> list[PenDigit]:
    return parse_unipen(find_pendigits_file(path).read_text())


def writer_of(index: int, total: int) -> int:
    """Writer number 0..29 from the position in the file (writers are consecutive blocks)."""
    return min(N_WRITERS - 1, index * N_WRITERS // total)


def split_by_writer(digits: list[PenDigit]) -> tuple[list[PenDigit], list[PenDigit]]:
    """(train, validation): the last writers go to validation, and the boundary writer is
    dropped from both, since the file does not mark exactly where one writer ends."""
    total = len(digits)
    first_val = N_WRITERS - VALIDATION_WRITERS
    train = [d for d in digits if writer_of(d.index, total) < first_val - 1]
    val = [d for d in digits if writer_of(d.index, total) >= first_val]
    return train, val


def render_strokes(
    strokes: list[Stroke],
    brush_fraction: float = 0.065,
    size_fraction: float = 0.7,
    offset: tuple[float, float] = (0.5, 0.5),
    canvas_size: int = CANVAS_SIZE,
) -> np.ndarray:
    """Draw strokes as the page does: dark round brush on a white canvas. Returns uint8 (S, S).

    size_fraction is the digit's height as a share of the canvas; offset places its
    centre (fractions of the free space left and right, top and bottom).
    """
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float(max(high[1] - low[1], high[0] - low[0], 1.0))
    scale = size_fraction * canvas_size / extent
    width_px = (high[0] - low[0]) * scale
    height_px = (high[1] - low[1]) * scale
    x0 = offset[0] * (canvas_size - width_px)
    y0 = offset[1] * (canvas_size - height_px)
    brush = max(1.0, brush_fraction * canvas_size)
    image = Image.new("L", (canvas_size, canvas_size), 255)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        # Tablet y points up; the canvas's y points down.
        xy = [(x0 + (x - low[0]) * scale, y0 + (high[1] - y) * scale) for x, y in stroke]
        if len(xy) > 1:
            draw.line(xy, fill=0, width=int(round(brush)), joint="curve")
        r = brush / 2
        for x, y in (xy[0], xy[-1]) if len(xy) > 1 else xy:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return np.asarray(image)


def render_dataset(digits: list[PenDigit], seed: int = 0, randomize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Render and preprocess -> (x float32 (N, 28, 28, 1), y int64). Random brush, size
    and position per digit when randomize, else the page's default brush, centred."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit in digits:
        if randomize:
            size = float(rng.uniform(0.3, 0.9))
            # A person drawing small seldom keeps a brush wider than a fifth of the digit.
            brush = min(float(rng.choice(BRUSH_FRACTIONS)), 0.2 * size)
            pixels = render_strokes(
                digit.strokes,
                brush_fraction=brush,
                size_fraction=size,
                offset=(float(rng.uniform(0, 1)), float(rng.uniform(0, 1))),
            )
        else:
            pixels = render_strokes(digit.strokes)
        try:
            images.append(preprocess_clean(pixels))
        except EmptyImageError:
            continue
        labels.append(digit.label)
    return np.stack(images)[..., None].astype(np.float32), np.array(labels, dtype=np.int64)
