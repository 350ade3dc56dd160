"""Twin of web/static/js/preprocess.js: the steps every model's input shares (grayscale, contrast, the ink's
box, triangle-filter resizing), and ink -> the digit classifiers' 28x28 input.

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit; tests/test_parity.py
compares them on the same pixels. The inputs are made from these steps beside it: digit_input.py (an image of a
digit), paper_ink.py (a photo or scan of writing -> its ink), number_strip.py (the number reader's strip),
house_crop.py (the house reader's windows), photo_view.py (the localizer's view); preprocess_config.py gathers their
settings for metadata.json.
"""

from __future__ import annotations

import math

import numpy as np

INPUT_SIZE = 28  # models read 28x28, as MNIST
BOX_SIZE = 20  # MNIST digits fill a 20x20 box inside the 28x28 field
INK_THRESHOLD = 0.1  # a pixel brighter than this (after inversion) counts as ink
MIN_CONTRAST = 0.1  # below this peak-over-background the image holds no digit


class EmptyImageError(ValueError):
    """Raised when an image holds no ink to read."""


def to_grayscale(pixels: np.ndarray) -> np.ndarray:
    """uint8 (H, W), (H, W, 3) or (H, W, 4) -> float32 (H, W) in [0, 1].

    Transparent pixels count as white paper, as a fresh canvas looks to a person.
    """
    rgb = pixels.astype(np.float32) / 255.0
    if rgb.ndim == 2:
        return rgb
    gray = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    if rgb.shape[-1] == 4:
        alpha = rgb[..., 3]
        gray = gray * alpha + (1.0 - alpha)
    return gray.astype(np.float32)


def border_mean(gray: np.ndarray) -> float:
    """Mean of the outermost rows and columns: the background's level."""
    border = np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    return float(border.mean())


def invert_if_light_background(gray: np.ndarray) -> np.ndarray:
    """Make the ink light on black, as the models learned from MNIST."""
    return (1.0 - gray).astype(np.float32) if border_mean(gray) > 0.5 else gray


def stretch_contrast(gray: np.ndarray) -> np.ndarray:
    """Map the background to 0 and the brightest ink to 1, so grey paper reads like a canvas."""
    background = border_mean(gray)
    peak = float(gray.max())
    if peak - background < MIN_CONTRAST:
        raise EmptyImageError("no ink found: the image is blank")
    return np.clip((gray - background) / (peak - background), 0.0, 1.0).astype(np.float32)


def ink_bounding_box(gray: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), exclusive end, of the pixels brighter than threshold."""
    rows = np.flatnonzero((gray > threshold).any(axis=1))
    cols = np.flatnonzero((gray > threshold).any(axis=0))
    if rows.size == 0:
        raise EmptyImageError("no ink found: the image is blank")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def crop_to_ink(gray: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    top, left, bottom, right = ink_bounding_box(gray, threshold)
    return gray[top:bottom, left:right]


def scaled_size(height: int, width: int, box: int = BOX_SIZE) -> tuple[int, int]:
    """Size that fits in box x box with the longest side = box, aspect kept."""
    scale = box / max(height, width)
    # floor(x + 0.5) rounds the same way as JavaScript's Math.round.
    return max(1, math.floor(height * scale + 0.5)), max(1, math.floor(width * scale + 0.5))


def resize_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) triangle-filter weights, widened when shrinking so thin strokes are averaged, not skipped."""
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    sources = np.arange(n_in, dtype=np.float64) + 0.5
    weights = np.maximum(0.0, 1.0 - np.abs(sources[None, :] - centres[:, None]) / support)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights.astype(np.float32)


def scale_into_box(gray: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Resize so the longest side is `box` pixels, keeping the aspect ratio."""
    out_h, out_w = scaled_size(*gray.shape, box=box)
    resized = resize_weights(gray.shape[0], out_h) @ gray.astype(np.float32) @ resize_weights(gray.shape[1], out_w).T
    return np.clip(resized, 0.0, 1.0)  # float rounding can overshoot 1 by an ulp; the contract is [0, 1]


def resize_image(rgb: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """float32 (H, W, C) -> (out_h, out_w, C) with the same triangle filter as scale_into_box."""
    rows, cols = resize_weights(rgb.shape[0], out_h), resize_weights(rgb.shape[1], out_w)
    # optimize=True contracts one axis at a time with BLAS: 30 ms instead of 1 s for a 200x200 photo
    # (minutes for 12 MP), the same numbers to float rounding.
    return np.einsum("ij,jkc,lk->ilc", rows, rgb.astype(np.float32), cols, optimize=True).astype(np.float32)


def centre_of_mass(gray: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre, in pixel-centre coordinates."""
    total = float(gray.sum())
    rows = np.arange(gray.shape[0], dtype=np.float32) + 0.5
    cols = np.arange(gray.shape[1], dtype=np.float32) + 0.5
    return float(gray.sum(axis=1) @ rows) / total, float(gray.sum(axis=0) @ cols) / total


def centre_by_mass(gray: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Paste into size x size so the centre of mass lands on the centre, as MNIST was made."""
    row, col = centre_of_mass(gray)
    height, width = gray.shape
    top = min(max(math.floor(size / 2 - row + 0.5), 0), size - height)
    left = min(max(math.floor(size / 2 - col + 0.5), 0), size - width)
    out = np.zeros((size, size), dtype=np.float32)
    out[top : top + height, left : left + width] = gray
    return out


def digit_from_ink(ink: np.ndarray) -> np.ndarray:
    """Ink (float32 (H, W) in [0, 1], light on black, the paper at 0) -> float32 (28, 28): the ink's box
    scaled into MNIST's 20x20 and centred by mass, as MNIST was made."""
    return centre_by_mass(scale_into_box(crop_to_ink(ink)))


def preprocess_clean(pixels: np.ndarray) -> np.ndarray:
    """A digit on an even background, its border's level (the page's canvas, a segmented digit's crop:
    segment.py digit_crop), either polarity -> float32 (28, 28) in [0, 1], light ink on black. Quick: the
    page reads its canvas this way after every stroke. Any other image: digit_input.preprocess_digit.
    Raises EmptyImageError when blank."""
    return digit_from_ink(stretch_contrast(invert_if_light_background(to_grayscale(pixels))))
