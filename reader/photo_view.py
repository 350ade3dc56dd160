"""Twin of web/static/js/photoView.js: a region of a street photo -> the localizer's input, and the region
of a closer look around a number found in it.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit;
tests/test_locate.py compares them.
"""

from __future__ import annotations

import math

import numpy as np

from reader.preprocess import resize_image

PHOTO_WIDTH, PHOTO_HEIGHT = 256, 192  # 4:3, as phone photos are; the localizer's input
PHOTO_PAD = 0.5  # grey where the region does not fill the input (another aspect ratio)


def region_scale(width: float, height: float) -> float:
    """How much a width x height region is scaled to fit PHOTO_WIDTH x PHOTO_HEIGHT whole."""
    return min(PHOTO_WIDTH / width, PHOTO_HEIGHT / height)


def fit_region(pixels: np.ndarray, region: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """uint8 RGB(A) photo + region (x, y, w, h; None: all of it) -> float32 (192, 256, 3) in [0, 1].

    The region keeps its aspect ratio, scaled by region_scale and placed top-left, so a point's
    input coordinates are (image coordinates - region origin) x scale whatever the photo's shape.
    """
    x, y, w, h = region if region is not None else (0, 0, pixels.shape[1], pixels.shape[0])
    scale = region_scale(w, h)
    out_w, out_h = max(1, min(PHOTO_WIDTH, round(w * scale))), max(1, min(PHOTO_HEIGHT, round(h * scale)))
    rgb = pixels[y : y + h, x : x + w, :3].astype(np.float32) / 255.0
    view = np.full((PHOTO_HEIGHT, PHOTO_WIDTH, 3), PHOTO_PAD, np.float32)
    view[:out_h, :out_w] = np.clip(resize_image(rgb, out_h, out_w), 0.0, 1.0)
    return view


ZOOM = 3.0  # the second look at a number: a region this many times its box, at 4:3
MIN_ZOOM_WIDTH = 96  # ... and no narrower, so a tiny number is not blown up into mush


def zoom_region(
    box: tuple[float, float, float, float], width: int, height: int, zoom: float = ZOOM, shift: tuple = (0.0, 0.0)
) -> tuple[int, int, int, int]:
    """A 4:3 region (x, y, w, h) around a number's box in a width x height photo, for a closer look.

    It is `zoom` times the box (its wider side, at 4:3), centred on it, moved by `shift` (-1..1:
    the share of the free room on each side, for training), then pushed inside the photo.
    """
    x, y, w, h = box
    region_w = max(w * zoom, h * zoom * PHOTO_WIDTH / PHOTO_HEIGHT, MIN_ZOOM_WIDTH)
    region_w = min(region_w, width, height * PHOTO_WIDTH / PHOTO_HEIGHT)
    region_h = region_w * PHOTO_HEIGHT / PHOTO_WIDTH
    cx = x + w / 2 + shift[0] * max(0.0, region_w - w) / 2
    cy = y + h / 2 + shift[1] * max(0.0, region_h - h) / 2
    left = min(max(0.0, cx - region_w / 2), width - region_w)
    top = min(max(0.0, cy - region_h / 2), height - region_h)
    return math.floor(left), math.floor(top), max(1, math.floor(region_w)), max(1, math.floor(region_h))
