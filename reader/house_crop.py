"""Twin of web/static/js/houseCrop.js: a street photo and a box around its house number -> the six-head
reader's input (a 64x64 crop, read in five 54x54 windows), and the box's variants that are read beside it.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit;
tests/test_parity.py and tests/test_locate.py compare them.
"""

from __future__ import annotations

import math

import numpy as np

from reader.preprocess import resize_image

HOUSE_CROP = 64  # number crops are resized to 64x64, as Goodfellow et al. did
HOUSE_INPUT = 54  # the reader sees the central 54x54 (random 54x54 crops in training)
HOUSE_EXPAND = 0.3  # the box is grown by 30 % around its centre, as the training crops were
HOUSE_OFFSETS = ((0, 0), (-3, -3), (3, 3), (-3, 3), (3, -3))  # (dy, dx) of the windows read from a crop


def expand_box(
    box: tuple[float, float, float, float], factor: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """Grow (x, y, w, h) by `factor` around its centre, clipped to the image."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    half_w, half_h = w * (1 + factor) / 2, h * (1 + factor) / 2
    left, top = max(0, math.floor(cx - half_w + 0.5)), max(0, math.floor(cy - half_h + 0.5))
    right, bottom = min(width, math.floor(cx + half_w + 0.5)), min(height, math.floor(cy + half_h + 0.5))
    return left, top, max(1, right - left), max(1, bottom - top)


def centre_crop(rgb: np.ndarray, size: int) -> np.ndarray:
    top, left = (rgb.shape[0] - size) // 2, (rgb.shape[1] - size) // 2
    return rgb[top : top + size, left : left + size]


def crop_house_number(pixels: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """uint8 RGB(A) image + box around the number (None: the whole image) -> float32 (64, 64, 3) in [0, 1].

    Aspect ratio is not kept, as in the reference design: a long number is squeezed.
    """
    rgb = pixels[..., :3].astype(np.float32) / 255.0
    if box is not None:
        x, y, w, h = expand_box(box, HOUSE_EXPAND, rgb.shape[1], rgb.shape[0])
        rgb = rgb[y : y + h, x : x + w]
    return np.clip(resize_image(rgb, HOUSE_CROP, HOUSE_CROP), 0.0, 1.0)


def house_windows(crop: np.ndarray) -> np.ndarray:
    """(64, 64, 3) number crop -> (5, 54, 54, 3): the centre window and four shifted diagonally.

    The reader trained on random 54x54 windows; averaging its heads over several windows reads
    4-5 digit numbers more surely (measured: 96.5 % -> 97.6 % whole on held-out numbers).
    """
    top = (crop.shape[0] - HOUSE_INPUT) // 2
    left = (crop.shape[1] - HOUSE_INPUT) // 2
    return np.stack(
        [crop[top + dy : top + dy + HOUSE_INPUT, left + dx : left + dx + HOUSE_INPUT] for dy, dx in HOUSE_OFFSETS]
    )


def preprocess_house(pixels: np.ndarray, box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Image + optional number box -> float32 (5, 54, 54, 3): the windows the six-head reader reads."""
    return house_windows(crop_house_number(pixels, box))


def clip_box(box: list[float], width: int, height: int) -> list[int]:
    """Round a box to whole pixels inside the photo, at least 1x1."""
    left = min(max(0, round(box[0])), width - 1)
    top = min(max(0, round(box[1])), height - 1)
    right = min(width, max(left + 1, round(box[0] + box[2])))
    bottom = min(height, max(top + 1, round(box[1] + box[3])))
    return [left, top, right - left, bottom - top]


# A box around a house number, found by the localizer or drawn by a person, is good to a few pixels;
# a digit's width is not much more, and a box cut a little short reads a digit too few, and surely,
# one a little loose a digit too many. So the reader also reads the box narrower and wider, about its
# centre (the box itself first), and the readings vote (decode.agreed_reading).
# studies/box_variants.py chose these on 600 real training photos, with the reader and localizer of
# issue 17: read whole with no box, 89.0 % for the five variants of before (narrower, wider,
# lower, taller) and the surest reading; 90.8 % for these five widths and the vote, as many as
# for 20 widths x heights and the vote, at a quarter of the reads. A person's box votes the same way:
# on 200 generated held-out scenes, loose boxes read 91.0 % whole alone and 94.2 % voting, true boxes
# 96.0 % either way (studies/box_variants.py --given-scenes).
CANDIDATE_SCALES = ((1.0, 1.0), (0.85, 1.0), (1.18, 1.0), (1.35, 1.0), (1.55, 1.0))  # (width, height)


def candidate_boxes(
    box: tuple[float, float, float, float],
    width: int,
    height: int,
    scales: tuple[tuple[float, float], ...] = CANDIDATE_SCALES,
) -> list[list[int]]:
    """A box and its variants ((width, height) scales about its centre), whole pixels inside the photo."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return [clip_box([cx - w * sx / 2, cy - h * sy / 2, w * sx, h * sy], width, height) for sx, sy in scales]
