"""Reading: image -> preprocess -> model -> decode -> the JSON a person or a client sees.

Twin of web/static/js/model.js (read_digit <-> readDigit, read_house_number <-> readHouseNumber,
read_strips <-> readStrips, ...): the page and this module read the same pixels the same way,
checked by tests/test_parity.py, tests/test_locate.py and tests/test_number_reader.py.
The CLI (reader/cli.py) and the API (api.py) call the functions here, one code path for both.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from reader.decode import (
    NoNumberError,
    agreed_reading,
    combine_number_readings,
    decode_digit,
    decode_frames,
    decode_house_number,
    frame_boxes,
    require_digits,
)
from reader.digit_input import preprocess_digit
from reader.house_crop import candidate_boxes, preprocess_house
from reader.litert import LiteRTModel
from reader.locate import locate_number
from reader.number_strip import STRIP_WIDTH, number_strips
from reader.paper_ink import ink_image
from reader.paths import MODELS_DIR, served_file
from reader.preprocess import INK_THRESHOLD, EmptyImageError, preprocess_clean
from reader.segment import segment_config, segment_number

Box = tuple[int, int, int, int]
MAX_PIXELS = 50_000_000  # larger images are refused before they are decoded in full
# PIL itself refuses twice this (DecompressionBombError) even where our own check is bypassed.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Photos and scans come in these; every other decoder PIL has is attack surface we do not need.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
# What PIL's decoders raise on hostile or damaged bytes, besides OSError.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)


class UnreadableImageError(ValueError):
    """Raised for files that are not images PIL can decode, or are too large."""


class BadBoxError(ValueError):
    """Raised for a box that is malformed or does not overlap the image."""


# Why an image gets no reading, by the exception that says so -> (HTTP status, error): the API answers
# these (api.py) and the CLI prints them in its JSON lines (reader/cli.py), under the same names.
REFUSALS: dict[type[Exception], tuple[int, str]] = {
    UnreadableImageError: (400, "unreadable_image"),
    BadBoxError: (400, "bad_box"),
    EmptyImageError: (422, "blank_image"),
    NoNumberError: (422, "no_number"),
}


# A box's bounds, field -> (least, most), in pixels, checked before parse_box truncates to whole ones: w and h
# of at least 1 keep a pixel. No image load_image reads has a side longer than MAX_PIXELS, and larger numbers
# overflow the box arithmetic (house_crop.candidate_boxes).
BOX_BOUNDS = {"x": (0, MAX_PIXELS), "y": (0, MAX_PIXELS), "w": (1, MAX_PIXELS), "h": (1, MAX_PIXELS)}


def parse_box(text: str) -> Box:
    """'x,y,w,h' in pixels (within BOX_BOUNDS) -> whole pixels, truncated."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != len(BOX_BOUNDS):
        raise BadBoxError(f"box must be x,y,w,h in pixels, got {text!r}")
    # NaN fails both comparisons, infinity the upper one.
    if not all(low <= value <= high for value, (low, high) in zip(values, BOX_BOUNDS.values())):
        raise BadBoxError(f"box needs x, y >= 0 and w, h >= 1, none over {MAX_PIXELS:,}; got {text!r}")
    x, y, w, h = (int(value) for value in values)
    return x, y, w, h


def check_box_inside(box: Box, width: int, height: int) -> None:
    x, y, w, h = box
    if x >= width or y >= height:
        raise BadBoxError(f"box {x},{y},{w},{h} lies outside the {width}x{height} image")


def load_image(source: str | Path | bytes | BinaryIO) -> np.ndarray:
    """File path, bytes or binary file -> uint8 (H, W, 4) RGBA, upright as the camera held it (EXIF applied)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with Image.open(source, formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImageError(f"image too large ({image.width}x{image.height} pixels)")
            image = ImageOps.exif_transpose(image)
            return np.asarray(image.convert("RGBA"))
    except FileNotFoundError:
        raise UnreadableImageError("no such file") from None
    except IsADirectoryError:
        raise UnreadableImageError("is a directory, not an image file") from None
    except UnidentifiedImageError:
        raise UnreadableImageError("not an image (PNG or JPEG expected)") from None
    except Image.DecompressionBombError:
        raise UnreadableImageError("image too large (a decompression bomb?)") from None
    except UnreadableImageError:
        raise
    except DECODE_ERRORS as err:
        raise UnreadableImageError(f"cannot decode image: {err}") from None


def load_reader(kind: str, models_dir: Path = MODELS_DIR) -> LiteRTModel:
    """A model for inference, as the API and the CLI read: a reader named in MODEL_FILES, or one of
    HELPER_FILES, from its TFLite export (paths.served_file). No TensorFlow: LiteRT runs it."""
    path = served_file(kind, models_dir)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} is missing; export it: python -m export.tflite (see README)")
    return LiteRTModel(path.read_bytes())


def outputs(model, x: np.ndarray) -> list[np.ndarray]:
    """A batch through a model -> its heads as arrays. The model is called as model(x): the served LiteRTModel,
    or a Keras model, which training code measures with (called so, Keras runs in inference mode)."""
    out = model(x)
    return [np.asarray(o) for o in out] if isinstance(out, list | tuple) else [np.asarray(out)]


def read_digit(pixels: np.ndarray, model) -> dict:
    """Image pixels -> {digit, confidence, probabilities}. Raises EmptyImageError when blank."""
    x = preprocess_digit(pixels)[None, :, :, None]
    return decode_digit(outputs(model, x)[0][0])


def read_house_number(pixels: np.ndarray, model, box: Box | None = None) -> dict:
    """Photo pixels (+ box around the number) -> {number, confidence, digits, ...}. A box is read
    with its narrower and wider variants, which vote (read_box_variants); with no box, the whole
    photo is read once."""
    if box is None:
        return read_house_numbers(pixels, model, [None])[0]
    return read_box_variants(pixels, model, box)[0]


def read_box_variants(pixels: np.ndarray, model, box: Box) -> tuple[dict, list[int]]:
    """A box around the number -> (the reading its variants agree on, the variant it came from): the
    box and its variants (house_crop.candidate_boxes) in one batch, and they vote (decode.agreed_reading)."""
    height, width = pixels.shape[:2]
    check_box_inside(box, width, height)
    boxes = candidate_boxes(box, width, height)
    readings = read_house_numbers(pixels, model, [tuple(b) for b in boxes])
    kept = agreed_reading(readings)
    return readings[kept], boxes[kept]


def read_house_numbers(pixels: np.ndarray, model, boxes: list[Box | None]) -> list[dict]:
    """Photo pixels + several boxes (None: the whole photo) -> one reading per box, in one batch."""
    for box in boxes:
        if box is not None:
            check_box_inside(box, pixels.shape[1], pixels.shape[0])
    windows = [preprocess_house(pixels, box) for box in boxes]
    heads_of_all = outputs(model, np.concatenate(windows))
    readings, at = [], 0
    for crop in windows:
        # Each head averaged over the crop's windows (house_crop.house_windows), as the page does.
        heads = [o[at : at + len(crop)].mean(axis=0) for o in heads_of_all]
        readings.append(decode_house_number(heads[0], heads[1:]))
        at += len(crop)
    return readings


def find_house_number(pixels: np.ndarray, model, localizer) -> dict:
    """Photo pixels -> the number found and read: {number, confidence, digits, ..., box, box_score}.

    The localizer finds the box; the reader reads it and its variants, and the variants vote for
    the number and the box (read_box_variants).
    """
    found = locate_number(pixels, localizer)
    reading, box = read_box_variants(pixels, model, found["box"])
    return {**reading, "box": box, "box_score": found["score"]}


def classify_crops(crops: list[np.ndarray], model) -> np.ndarray:
    """Digit crops -> (N, 10) probabilities, all crops in one batch."""
    x = np.stack([preprocess_clean(crop) for crop in crops])[..., None]
    return outputs(model, x)[0]


def read_strips(strips: list[tuple[np.ndarray, dict]], reader) -> tuple[dict, dict]:
    """A number's strips (number_strips' output), all in one batch -> (the decode_frames reading they
    agree on, decode.agreed_reading, and its strip's placement with the strip columns per frame as
    "stride")."""
    (frames,) = outputs(reader, np.stack([strip for strip, _ in strips])[..., None])
    readings = [decode_frames(f) for f in frames]
    kept = agreed_reading(readings)
    return readings[kept], {**strips[kept][1], "stride": STRIP_WIDTH // frames.shape[1]}


def read_number(pixels: np.ndarray, model, reader=None) -> dict:
    """Image of a handwritten number -> {number, confidence, digits: [{digit, confidence, box}]}.

    Segmentation cuts the ink into digits and `model` reads each; with the number reader
    (`reader`), it reads the whole row at a few sizes that vote (number_strips), and segmentation only
    gives the boxes, as the page does.
    Raises EmptyImageError when blank, NoNumberError when no digit is made out in the ink.
    """
    ink = ink_image(pixels)
    result = segment_number(ink, lambda crops: classify_crops(crops, model), segment_config())
    segmented = {key: result[key] for key in ("number", "confidence", "digits")}
    if reader is None:
        return require_digits(segmented)
    sequence, placement = read_strips(number_strips(ink), reader)
    boxes = frame_boxes(ink, placement, sequence["digits"], placement["stride"], INK_THRESHOLD)
    return require_digits(combine_number_readings(sequence, segmented, boxes))


def read_image(pixels: np.ndarray, kind: str, model, box: Box | None = None, number: bool = False, reader=None) -> dict:
    """The one code path from pixels to the JSON a person or a client sees."""
    if kind == "house":
        result = read_house_number(pixels, model, box)
    else:
        result = read_number(pixels, model, reader) if number else read_digit(pixels, model)
    return {**result, "model": kind}
