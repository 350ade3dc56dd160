"""Find the house number in a photo: two looks with the localizer. Twin of web/static/js/locate.js.

The first look sees the whole photo at 256x192, where a number may be a dozen pixels wide;
the second sees a region three times the size of what the first found (zoom_region), so
the box it draws fits the digits to a pixel or two of the photo even when they are small.
"""

from __future__ import annotations

import numpy as np

from reader.decode import decode_box
from reader.preprocess import PHOTO_HEIGHT, fit_region, region_scale, zoom_region

Box = tuple[float, float, float, float]
Region = tuple[int, int, int, int]


def photo_box(view_box: list[float], region: Region) -> list[float]:
    """A box in the localizer's input -> the same box in photo pixels."""
    scale = region_scale(region[2], region[3])
    x, y, w, h = view_box
    return [region[0] + x / scale, region[1] + y / scale, w / scale, h / scale]


def clip_box(box: list[float], width: int, height: int) -> list[int]:
    """Round a box to whole pixels inside the photo, at least 1x1."""
    left = min(max(0, round(box[0])), width - 1)
    top = min(max(0, round(box[1])), height - 1)
    right = min(width, max(left + 1, round(box[0] + box[2])))
    bottom = min(height, max(top + 1, round(box[1] + box[3])))
    return [left, top, right - left, bottom - top]


def look(pixels: np.ndarray, localizer, region: Region) -> dict:
    """One pass of the localizer over a region -> {box (photo pixels, unrounded), score}."""
    cells = np.asarray(localizer(fit_region(pixels, region)[None], training=False))[0]
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


# The localizer's box is good to a few pixels; a digit's width is not much more, and a box cut a
# little short reads a digit too few, and surely. So the reader also reads the box narrower and
# wider, about its centre (the found box first), and the readings vote (agreed_reading).
# studies/box_variants.py chose these on 600 real training photos, with the reader and localizer of
# issue 17: read whole with no box, 89.0 % for the five variants of before (narrower, wider,
# lower, taller) and the surest reading; 90.8 % for these five widths and the vote, as many as
# for 20 widths x heights and the vote, at a quarter of the reads.
CANDIDATE_SCALES = ((1.0, 1.0), (0.85, 1.0), (1.18, 1.0), (1.35, 1.0), (1.55, 1.0))  # (width, height)


def candidate_boxes(
    box: Box, width: int, height: int, scales: tuple[tuple[float, float], ...] = CANDIDATE_SCALES
) -> list[list[int]]:
    """The found box and its variants ((width, height) scales about its centre), whole pixels inside the photo."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return [clip_box([cx - w * sx / 2, cy - h * sy / 2, w * sx, h * sy], width, height) for sx, sy in scales]


def agreed_reading(readings: list[dict]) -> int:
    """Readings of one number's box variants -> the index of the one to keep.

    Each number read gets the sum of its readings' confidences, and the number with the largest
    sum wins (the first of equal ones); of its readings, the surest (the first of equal ones).
    A number read from many variants beats one read very surely from one odd box: a box cut a
    little short often reads a digit too few, and surely.
    """
    votes: dict[str, float] = {}
    for reading in readings:
        votes[reading["number"]] = votes.get(reading["number"], 0.0) + reading["confidence"]
    winner = max(votes, key=lambda number: votes[number])  # dicts keep first-seen order: ties go to the first
    chosen = [i for i, reading in enumerate(readings) if reading["number"] == winner]
    return max(chosen, key=lambda i: readings[i]["confidence"])
