"""Twin of web/static/js/preprocess.js: any image -> the inputs the models read (digit, strip, crop, view).

Same steps, same names (snake_case here, camelCase there), same order. Change both in one commit; tests/test_parity.py
compares them on the same pixels.
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


def preprocess_digit(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity) -> float32 (28, 28) in [0, 1], light ink on black."""
    gray = stretch_contrast(invert_if_light_background(to_grayscale(pixels)))
    return centre_by_mass(scale_into_box(crop_to_ink(gray)))


def ink_image(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity) -> float32 (H, W) in [0, 1], light ink on black,
    at full size: what reader/segment.py cuts into digits. Raises EmptyImageError when blank."""
    return stretch_contrast(invert_if_light_background(to_grayscale(pixels)))


# --- whole numbers: the ink of a written number -> the number reader's strip ------------
STRIP_HEIGHT, STRIP_WIDTH = 32, 256  # the number reader's input: room for 8 digits side by side
STRIP_INK_HEIGHT = 24  # the ink's height in the strip, unless the number is too wide for it
STRIP_MARGIN = 4  # px kept free at the strip's left and right


def strip_scale(height: int, width: int) -> float:
    """How much an ink box of height x width is scaled into the strip."""
    return min(STRIP_INK_HEIGHT / height, (STRIP_WIDTH - 2 * STRIP_MARGIN) / width)


def strip_placement(box: tuple[int, int, int, int]) -> dict:
    """Ink box (top, left, bottom, right) -> where it lands in the strip: {scale, top, left, height,
    width} (centred), so strip x = left + (image x - ink left) * scale and back."""
    top, left, bottom, right = box
    scale = strip_scale(bottom - top, right - left)
    height = min(STRIP_HEIGHT, max(1, math.floor((bottom - top) * scale + 0.5)))
    width = min(STRIP_WIDTH, max(1, math.floor((right - left) * scale + 0.5)))
    return {
        "scale": scale,
        "top": math.floor((STRIP_HEIGHT - height) / 2 + 0.5),
        "left": math.floor((STRIP_WIDTH - width) / 2 + 0.5),
        "height": height,
        "width": width,
    }


def number_strip(ink: np.ndarray) -> tuple[np.ndarray, dict]:
    """Ink image (ink_image's output) -> (float32 (32, 256) in [0, 1], light ink on black, placement):
    the ink's box scaled to 24 px high (less when wide) and centred. placement holds strip_placement's
    figures and the ink box [x, y, w, h] in image pixels. Raises EmptyImageError when blank."""
    box = ink_bounding_box(ink)
    top, left, bottom, right = box
    place = strip_placement(box)
    inked = ink[top:bottom, left:right]
    resized = resize_weights(inked.shape[0], place["height"]) @ inked @ resize_weights(inked.shape[1], place["width"]).T
    strip = np.zeros((STRIP_HEIGHT, STRIP_WIDTH), dtype=np.float32)
    strip[place["top"] : place["top"] + place["height"], place["left"] : place["left"] + place["width"]] = np.clip(
        resized, 0.0, 1.0
    )
    return strip, {**place, "box": [left, top, right - left, bottom - top]}


def preprocess_number_strip(pixels: np.ndarray) -> tuple[np.ndarray, dict]:
    """Image of a written number (any size, either polarity) -> number_strip of its ink."""
    return number_strip(ink_image(pixels))


# --- house numbers: a box around the number -> the six-head reader's input -------------
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


def resize_image(rgb: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """float32 (H, W, C) -> (out_h, out_w, C) with the same triangle filter as scale_into_box."""
    rows, cols = resize_weights(rgb.shape[0], out_h), resize_weights(rgb.shape[1], out_w)
    # optimize=True contracts one axis at a time with BLAS: 30 ms instead of 1 s for a 200x200 photo
    # (minutes for 12 MP), the same numbers to float rounding.
    return np.einsum("ij,jkc,lk->ilc", rows, rgb.astype(np.float32), cols, optimize=True).astype(np.float32)


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


# --- street photos: a region of the photo -> the localizer's input ----------------------
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


# --- the settings each model's metadata.json carries to preprocess.js --------------------
# One function per model, called by the export and by the parity tests, so each value is
# written once: here, beside the code that uses it.


def digit_config() -> dict:
    """The digit classifiers' preprocessing (preprocessDigit)."""
    return {
        "input_size": INPUT_SIZE,
        "box_size": BOX_SIZE,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
    }


def strip_config() -> dict:
    """The number reader's strip (numberStrip, preprocessNumberStrip)."""
    return {
        "strip_height": STRIP_HEIGHT,
        "strip_width": STRIP_WIDTH,
        "strip_ink_height": STRIP_INK_HEIGHT,
        "strip_margin": STRIP_MARGIN,
        "ink_threshold": INK_THRESHOLD,
        "min_contrast": MIN_CONTRAST,
    }


def house_config() -> dict:
    """The house reader's crop and windows (cropHouseNumber, houseWindows)."""
    return {
        "crop_size": HOUSE_CROP,
        "input_size": HOUSE_INPUT,
        "expand": HOUSE_EXPAND,
        "offsets": [list(o) for o in HOUSE_OFFSETS],
    }


def photo_config() -> dict:
    """The localizer's views of a photo (fitRegion, zoomRegion)."""
    return {
        "photo_width": PHOTO_WIDTH,
        "photo_height": PHOTO_HEIGHT,
        "photo_pad": PHOTO_PAD,
        "zoom": ZOOM,
        "min_zoom_width": MIN_ZOOM_WIDTH,
    }
