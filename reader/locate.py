"""Find the house number in a photo: two looks with the localizer. Twin of web/static/js/locate.js.

The first look sees the whole photo at 256x192, where a number may be a dozen pixels wide;
the second sees a region three times the size of what the first found (zoom_region), so
the box it draws fits the digits to a pixel or two of the photo even when they are small.
"""

from __future__ import annotations

import numpy as np

from reader.decode import decode_box
from reader.house_crop import clip_box
from reader.photo_view import PHOTO_HEIGHT, fit_region, region_scale, zoom_region

Box = tuple[float, float, float, float]
Region = tuple[int, int, int, int]


def photo_box(view_box: list[float], region: Region) -> list[float]:
    """A box in the localizer's input -> the same box in photo pixels."""
    scale = region_scale(region[2], region[3])
    x, y, w, h = view_box
    return [region[0] + x / scale, region[1] + y / scale, w / scale, h / scale]


def look(pixels: np.ndarray, localizer, region: Region) -> dict:
    """One pass of the localizer over a region -> {box (photo pixels, unrounded), score}."""
    cells = np.asarray(localizer(fit_region(pixels, region)[None]))[0]  # a Keras model called so infers too
    found = decode_box(cells, PHOTO_HEIGHT // cells.shape[0])  # the stride: input pixels per cell
    return {"box": photo_box(found["box"], region), "score": found["score"]}


def locate_number(pixels: np.ndarray, localizer) -> dict:
    """uint8 RGB(A) photo -> {box: [x, y, w, h] in photo pixels, score (0-1: how sure a number is there)}."""
    height, width = pixels.shape[:2]
    first = look(pixels, localizer, (0, 0, width, height))
    second = look(pixels, localizer, zoom_region(first["box"], width, height))
    return {"box": clip_box(second["box"], width, height), "score": round(min(first["score"], second["score"]), 6)}


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0
